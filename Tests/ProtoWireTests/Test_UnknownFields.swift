import ProtoWire
import _TestSupport
import XCTest

/// Fields a message does not know are kept byte for byte, in input order, and written after the
/// known fields.
final class Test_UnknownFields: XCTestCase {
    func testUnknownFieldsKeptInOrderAfterKnownFields() {
        let unknownA = Wire.varintField(100, 300)                  // [0xa0, 0x06, 0xac, 0x02]
        let unknownB = Wire.string(9, "zz")
        let unknownC = Wire.fixed32Field(50, 0xdead_beef)
        let unknownD = Wire.fixed64Field(12, 1)
        let bytes = unknownA + Wire.varintField(2, 7) + unknownB + Wire.string(6, "hi") + unknownC + Wire.varintField(1, 1) + unknownD
        let canonical = Wire.varintField(1, 1) + Wire.varintField(2, 7) + Wire.string(6, "hi") + unknownA + unknownB + unknownC + unknownD
        XCTAssertEqual(unknownA, [0xa0, 0x06, 0xac, 0x02])
        assertDecode(bytes, as: Scalars.self, canonical: canonical) { message in
            XCTAssertEqual(message.int64, 1)
            XCTAssertEqual(message.int32, 7)
            XCTAssertEqual(message.string, "hi")
            XCTAssertEqual(message.unknownFields.bytes, unknownA + unknownB + unknownC + unknownD)
        }
    }

    func testKnownFieldWithTheWrongWireTypeIsKeptAsUnknown() {
        // int64 (1) sent as length-delimited, string (6) sent as a varint, float (4) as fixed64.
        let odd = Wire.string(1, "x") + Wire.varintField(6, 3) + Wire.fixed64Field(4, 9)
        assertDecode(odd + Wire.varintField(1, 5), as: Scalars.self, canonical: Wire.varintField(1, 5) + odd) { message in
            XCTAssertEqual(message.int64, 5)
            XCTAssertNil(message.string)
            XCTAssertNil(message.float)
            XCTAssertEqual(message.unknownFields.bytes, odd)
        }
    }

    func testUnknownFieldsOfNestedMessagesStayWithTheirMessage() {
        let inner = Wire.varintField(1, 4) + Wire.varintField(99, 1)
        let bytes = Wire.varintField(77, 2) + Wire.lengthDelimited(4, inner) + Wire.string(1, "n")
        let canonical = Wire.string(1, "n") + Wire.lengthDelimited(4, inner) + Wire.varintField(77, 2)
        assertDecode(bytes, as: Tree.self, canonical: canonical) { tree in
            XCTAssertEqual(tree.unknownFields.bytes, Wire.varintField(77, 2))
            XCTAssertEqual(tree.single?.unknownFields.bytes, Wire.varintField(99, 1))
        }
    }

    func testMessagesWithDifferentUnknownFieldsAreNotEqual() throws {
        let a = try Scalars(serializedBytes: Wire.varintField(20, 1))
        let b = try Scalars(serializedBytes: Wire.varintField(20, 2))
        XCTAssertNotEqual(a, b)
        XCTAssertFalse(a.unknownFields.isEmpty)
        XCTAssertTrue(Scalars().unknownFields.isEmpty)
    }

    // MARK: Groups

    func testGroupsAreSkippedAsUnknownFields() {
        // field 10 start group, { field 1 varint 1, field 2 string "g" }, field 10 end group
        let group: [UInt8] = [0x53, 0x08, 0x01, 0x12, 0x01, 0x67, 0x54]
        assertDecode(group + Wire.varintField(1, 9), as: Scalars.self, canonical: Wire.varintField(1, 9) + group) { message in
            XCTAssertEqual(message.int64, 9)
            XCTAssertEqual(message.unknownFields.bytes, group)
        }
    }

    func testNestedGroupsAreSkippedWhole() {
        // group 10 { group 11 { fixed32 } varint } then an empty group 12
        let nested: [UInt8] = [0x53, 0x5b, 0x1d, 1, 2, 3, 4, 0x5c, 0x08, 0x00, 0x54, 0x63, 0x64]
        assertDecode(nested, as: Scalars.self) { XCTAssertEqual($0.unknownFields.bytes, nested) }
    }

    func testKnownFieldNumberAsAGroupIsUnknown() {
        // Field 1 (int64) sent as a group.
        let group: [UInt8] = [0x0b, 0x10, 0x01, 0x0c]
        assertDecode(group, as: Scalars.self) { message in
            XCTAssertNil(message.int64)
            XCTAssertNil(message.int32, "the group's inner field 2 is not Scalars.int32")
            XCTAssertEqual(message.unknownFields.bytes, group)
        }
    }

    func testEndGroupWithoutStartIsRejected() {
        assertDecodeFails([0x54], as: Scalars.self, WireError(.unbalancedGroup, at: 0, path: ["field 10"]))
        assertDecodeFails([0x08, 0x01, 0x0c], as: Scalars.self, WireError(.unbalancedGroup, at: 2, path: ["int64"]))
        // Inside a nested message.
        assertDecodeFails([0x22, 0x01, 0x14], as: Tree.self, WireError(.unbalancedGroup, at: 2, path: ["single", "int32"]))
    }

    func testGroupThatNeverEndsIsRejected() {
        assertDecodeFails([0x53, 0x08, 0x01], as: Scalars.self, WireError(.unbalancedGroup, at: 3, path: ["field 10"]))
        // The group's end lies outside the enclosing message.
        assertDecodeFails([0x22, 0x01, 0x53, 0x54], as: Tree.self, WireError(.unbalancedGroup, at: 3, path: ["single", "field 10"]))
    }

    func testGroupWithInvalidContentIsRejected() {
        assertDecodeFails([0x53, 0x0a, 0x05, 0x01, 0x54], as: Scalars.self, WireError(.lengthPastEnd(5), at: 2, path: ["field 10"]))
        assertDecodeFails([0x53, 0x00, 0x54], as: Scalars.self, WireError(.invalidTag(0), at: 1, path: ["field 10"]))
    }
}
