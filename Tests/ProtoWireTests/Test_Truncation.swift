import ProtoWire
import _TestSupport
import XCTest

/// Every way the bytes can end early, with the absolute offset each error must carry.
final class Test_Truncation: XCTestCase {
    func testFixed32() throws {
        var ok = reader([0xff, 0x01, 0x02, 0x03, 0x04], from: 1)
        XCTAssertEqual(try ok.readFixed32(), 0x0403_0201)
        XCTAssertTrue(ok.isAtEnd)
        for length in 0..<4 {
            var r = reader([0xff, 0xff] + [UInt8](repeating: 0, count: length), from: 2)
            XCTAssertEqual(wireError { _ = try r.readFixed32() }, WireError(.truncated, at: 2), "\(length) bytes")
        }
    }

    func testFixed64() throws {
        var ok = reader([0xff, 1, 2, 3, 4, 5, 6, 7, 8], from: 1)
        XCTAssertEqual(try ok.readFixed64(), 0x0807_0605_0403_0201)
        for length in 0..<8 {
            var r = reader([0xff] + [UInt8](repeating: 0, count: length), from: 1)
            XCTAssertEqual(wireError { _ = try r.readFixed64() }, WireError(.truncated, at: 1), "\(length) bytes")
        }
    }

    func testLengthDelimited() throws {
        var ok = reader([0xee, 0x03, 0x61, 0x62, 0x63], from: 1)
        XCTAssertEqual(try ok.readLengthDelimitedRange(), 2..<5)
        XCTAssertTrue(ok.isAtEnd)

        var short = reader([0xee, 0xee, 0x05, 0x61, 0x62, 0x63, 0x64], from: 2)
        XCTAssertEqual(wireError { _ = try short.readLengthDelimitedRange() }, WireError(.lengthPastEnd(5), at: 2))

        var huge = reader([0x00] + Wire.varint(UInt64.max), from: 1)
        XCTAssertEqual(wireError { _ = try huge.readLengthDelimitedRange() }, WireError(.lengthPastEnd(UInt64.max), at: 1))

        var cutLength = reader([0x00, 0x80], from: 1)
        XCTAssertEqual(wireError { _ = try cutLength.readLengthDelimitedRange() }, WireError(.truncated, at: 1))
    }

    func testTruncatedFieldsInAMessage() {
        // float: tag at 2, value from 3
        assertDecodeFails([0x08, 0x01, 0x25, 0x00, 0x00, 0x80], as: Scalars.self, WireError(.truncated, at: 3, path: ["float"]))
        assertDecodeFails([0x29, 0, 0, 0, 0, 0, 0, 0xf0], as: Scalars.self, WireError(.truncated, at: 1, path: ["double"]))
        assertDecodeFails([0x32, 0x04, 0x61, 0x62], as: Scalars.self, WireError(.lengthPastEnd(4), at: 1, path: ["string"]))
        assertDecodeFails([0x3a], as: Scalars.self, WireError(.truncated, at: 1, path: ["bytes"]))
        // An unknown field is skipped with the same checks.
        assertDecodeFails([0x08, 0x01, 0x7a, 0x09, 0x00], as: Scalars.self, WireError(.lengthPastEnd(9), at: 3, path: ["field 15"]))
        assertDecodeFails([0x7d, 0x00], as: Scalars.self, WireError(.truncated, at: 1, path: ["field 15"]))
    }

    func testChildReaderCannotReadPastItsMessage() {
        // Tree.single = Scalars { bytes (length 5) } but the message is only 2 bytes long; the
        // root has 8 more bytes, which the child must not see.
        let bytes: [UInt8] = [0x22, 0x02, 0x3a, 0x05] + [UInt8](repeating: 0x18, count: 8)
        assertDecodeFails(bytes, as: Tree.self, WireError(.lengthPastEnd(5), at: 3, path: ["single", "bytes"]))
        // A fixed32 that straddles the end of its message.
        let straddle: [UInt8] = [0x22, 0x03, 0x25, 0x00, 0x00, 0x00, 0x00]
        assertDecodeFails(straddle, as: Tree.self, WireError(.truncated, at: 3, path: ["single", "float"]))
    }
}
