import ProtoWire
import _TestSupport
import XCTest

final class Test_FieldTag: XCTestCase {
    func testValidTags() {
        XCTAssertEqual(FieldTag(rawValue: 0x08), FieldTag(fieldNumber: 1, wireFormat: .varint))
        XCTAssertEqual(FieldTag(rawValue: 0x12), FieldTag(fieldNumber: 2, wireFormat: .lengthDelimited))
        XCTAssertEqual(FieldTag(rawValue: 0x1d)?.wireFormat, .fixed32)
        XCTAssertEqual(FieldTag(rawValue: 0x19)?.wireFormat, .fixed64)
        XCTAssertEqual(FieldTag(rawValue: 0x0b)?.wireFormat, .startGroup)
        XCTAssertEqual(FieldTag(rawValue: 0x0c)?.wireFormat, .endGroup)
        let max = UInt64(FieldTag.maxFieldNumber) << 3 | 2
        XCTAssertEqual(FieldTag(rawValue: max)?.fieldNumber, (1 << 29) - 1)
        XCTAssertEqual(FieldTag(fieldNumber: 20, wireFormat: .lengthDelimited).rawValue, 0xa2)
    }

    func testInvalidTagsAreNotConstructible() {
        XCTAssertNil(FieldTag(rawValue: 0))                 // field 0, varint
        XCTAssertNil(FieldTag(rawValue: 2))                 // field 0, length-delimited
        XCTAssertNil(FieldTag(rawValue: 0x0e))              // field 1, wire type 6
        XCTAssertNil(FieldTag(rawValue: 0x0f))              // field 1, wire type 7
        XCTAssertNil(FieldTag(rawValue: UInt64(1 << 29) << 3))   // field 2^29
        XCTAssertNil(FieldTag(rawValue: UInt64.max))
    }

    func testReaderRejectsInvalidTags() {
        let cases: [([UInt8], UInt64)] = [
            ([0x00], 0),
            ([0x0e], 14),
            ([0x0f], 15),
            ([0x87, 0x01], 0x87),                       // field 16, wire type 7
            (Wire.varint(UInt64(1 << 29) << 3), UInt64(1 << 29) << 3),
        ]
        for (bytes, raw) in cases {
            var r = reader([0x01, 0x02] + bytes, from: 2)
            XCTAssertEqual(wireError { _ = try r.readTag() }, WireError(.invalidTag(raw), at: 2), "\(bytes)")
        }
    }

    func testInvalidTagInsideMessages() {
        assertDecodeFails([0x08, 0x01, 0x00], as: Scalars.self, WireError(.invalidTag(0), at: 2))
        assertDecodeFails([0x08, 0x01, 0x1e, 0x00], as: Scalars.self, WireError(.invalidTag(0x1e), at: 2))
        // Tree.single = Scalars { <field 0, wire type 7> }
        assertDecodeFails([0x0a, 0x00, 0x22, 0x01, 0x07], as: Tree.self, WireError(.invalidTag(7), at: 4, path: ["single"]))
        // Tree.child[1] = Tree { <field 1, wire type 6> }
        assertDecodeFails([0x12, 0x00, 0x12, 0x01, 0x0e], as: Tree.self,
                          WireError(.invalidTag(14), at: 4, path: ["child", "[1]"]))
    }

    func testHighestFieldNumberIsAnUnknownField() {
        let bytes = Wire.varintField(FieldTag.maxFieldNumber, 5) + [0x08, 0x07]
        assertDecode(bytes, as: Scalars.self, canonical: [0x08, 0x07] + Wire.varintField(FieldTag.maxFieldNumber, 5)) {
            XCTAssertEqual($0.int64, 7)
            XCTAssertEqual($0.unknownFields.bytes, [0xf8, 0xff, 0xff, 0xff, 0x0f, 0x05])
        }
    }
}
