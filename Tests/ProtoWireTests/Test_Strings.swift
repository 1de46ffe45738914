import ProtoWire
import _TestSupport
import XCTest

/// `string` fields must be well-formed UTF-8; `bytes` fields may hold anything.
final class Test_Strings: XCTestCase {
    func testValidStrings() {
        for text in ["", "a", "é", "€", "𝄞", "mixed é € 𝄞 text", "\u{0}"] {
            assertDecode(Wire.string(6, text), as: Scalars.self) { XCTAssertEqual($0.string, text) }
        }
    }

    func testInvalidUTF8IsReportedAtTheLength() {
        let invalid: [[UInt8]] = [
            [0xff],                         // never valid
            [0xc3, 0x28],                   // bad continuation byte
            [0xc0, 0xaf],                   // overlong "/"
            [0xe0, 0x80, 0xaf],             // overlong, 3 bytes
            [0xed, 0xa0, 0x80],             // UTF-16 surrogate
            [0xf4, 0x90, 0x80, 0x80],       // past U+10FFFF
            [0xe2, 0x82],                   // sequence cut short by the end of the field
            [0x80],                         // lone continuation byte
        ]
        for bad in invalid {
            assertDecodeFails([0x08, 0x00] + Wire.lengthDelimited(6, bad), as: Scalars.self,
                              WireError(.invalidUTF8, at: 3, path: ["string"]))
            // The same bytes are fine in a bytes field, kept exactly.
            assertDecode(Wire.lengthDelimited(7, bad), as: Scalars.self) { XCTAssertEqual($0.bytes?.array, bad) }
        }
    }

    func testInvalidUTF8InNestedAndRepeatedStrings() {
        assertDecodeFails([0x12, 0x03, 0x0a, 0x01, 0xff], as: Tree.self,
                          WireError(.invalidUTF8, at: 3, path: ["child", "[0]", "name"]))
        assertDecodeFails(Wire.string(7, "ok") + Wire.lengthDelimited(7, [0xfe]), as: Repeated.self,
                          WireError(.invalidUTF8, at: 5, path: ["strings"]))
    }
}
