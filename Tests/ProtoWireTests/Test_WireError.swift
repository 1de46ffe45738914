import ProtoWire
import _TestSupport
import XCTest

final class Test_WireError: XCTestCase {
    func testDescriptionWithPath() {
        let error = WireError(.lengthPastEnd(9_000_000), at: 48213, path: ["graph", "node", "[12]", "attribute", "[0]"])
        XCTAssertEqual(error.pathString, "graph.node[12].attribute[0]")
        XCTAssertEqual(error.description, "graph.node[12].attribute[0]: length 9000000 runs past the end of the message at byte 48213")
    }

    func testDescriptionWithoutPath() {
        XCTAssertEqual(WireError(.truncated, at: 0).description, "the data ends inside a field at byte 0")
    }

    func testEveryReasonText() {
        let cases: [(WireError.Reason, String)] = [
            (.truncated, "the data ends inside a field"),
            (.varintOverflow, "varint is longer than 10 bytes or overflows 64 bits"),
            (.lengthPastEnd(7), "length 7 runs past the end of the message"),
            (.invalidTag(0x0f), "invalid field tag 15 (field 1, wire type 7)"),
            (.depthLimit(256), "messages nested deeper than 256 levels"),
            (.invalidUTF8, "string is not valid UTF-8"),
            (.unbalancedGroup, "unbalanced start/end group tags"),
            (.badPackedLength(6, elementSize: 4), "packed field of 6 bytes is not a whole number of 4-byte elements"),
        ]
        for (reason, text) in cases {
            XCTAssertEqual(WireError(reason, at: 3, path: ["a", "[1]", "b"]).description, "a[1].b: \(text) at byte 3")
        }
    }

    func testPathOfAnErrorDeepInsideNestedMessages() {
        // Tree { child[0] { }, child[1] { child[0] { single { bytes: length 100 } } } }
        let broken = Wire.tag(7, Wire.lengthDelimited) + [100]
        let bytes = Wire.lengthDelimited(2, []) + Wire.lengthDelimited(2, Wire.lengthDelimited(2, Wire.lengthDelimited(4, broken)))
        let offset = bytes.count - 1
        assertDecodeFails(bytes, as: Tree.self,
                          WireError(.lengthPastEnd(100), at: offset, path: ["child", "[1]", "child", "[0]", "single", "bytes"]))
        XCTAssertEqual(wireError { _ = try Tree(serializedBytes: bytes) }?.description,
                       "child[1].child[0].single.bytes: length 100 runs past the end of the message at byte \(offset)")
    }
}
