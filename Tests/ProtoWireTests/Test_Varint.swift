import ProtoWire
import _TestSupport
import XCTest

final class Test_Varint: XCTestCase {
    /// (value, canonical encoding) at every size boundary.
    static let cases: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (1, [0x01]),
        (127, [0x7f]),
        (128, [0x80, 0x01]),
        (300, [0xac, 0x02]),
        (16_383, [0xff, 0x7f]),
        (16_384, [0x80, 0x80, 0x01]),
        (UInt64(UInt32.max), [0xff, 0xff, 0xff, 0xff, 0x0f]),
        (1 << 32, [0x80, 0x80, 0x80, 0x80, 0x10]),
        ((1 << 56) - 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        (1 << 63, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]

    func testEncodeAtBoundaries() {
        for (value, expected) in Self.cases {
            XCTAssertEqual(writerBytes { $0.writeVarint(value) }, expected, "\(value)")
            XCTAssertEqual(WireWriter.varintSize(value), expected.count, "size of \(value)")
            XCTAssertEqual(Wire.varint(value), expected, "test oracle for \(value)")
        }
    }

    func testDecodeAtBoundaries() throws {
        for (value, encoded) in Self.cases {
            var r = reader(encoded)
            XCTAssertEqual(try r.readVarint(), value)
            XCTAssertEqual(r.position, encoded.count)
            XCTAssertTrue(r.isAtEnd)
        }
    }

    func testDecodeAtAnOffsetInsideTheRegion() throws {
        var r = reader([0xaa, 0xbb, 0xcc, 0xac, 0x02, 0x7f], from: 3)
        XCTAssertEqual(try r.readVarint(), 300)
        XCTAssertEqual(r.position, 5)
        XCTAssertEqual(try r.readVarint(), 127)
        XCTAssertTrue(r.isAtEnd)
    }

    func testNonCanonicalVarintsAreAcceptedAndReencodedCanonically() throws {
        var r = reader([0x80, 0x00, 0x81, 0x80, 0x00])
        XCTAssertEqual(try r.readVarint(), 0)
        XCTAssertEqual(r.position, 2)
        XCTAssertEqual(try r.readVarint(), 1)
        XCTAssertEqual(r.position, 5)
        assertDecode([0x08, 0x80, 0x00], as: Scalars.self, canonical: [0x08, 0x00]) { XCTAssertEqual($0.int64, 0) }
    }

    func testNegativeInt32IsSignExtendedToTenBytes() {
        assertEncode(Scalars(int32: -1), [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        assertEncode(Scalars(int32: Int32.min), [0x10, 0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01])
        assertEncode(Scalars(int32: Int32.max), [0x10, 0xff, 0xff, 0xff, 0xff, 0x07])
        assertEncode(Scalars(int64: -1), [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        assertEncode(Scalars(int64: Int64.min), [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        assertEncode(Scalars(uint64: UInt64.max), [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    }

    func testInt32WrittenAsFiveBytesByOtherEncodersDecodes() {
        // Some writers emit -1 as a 32-bit varint; the value is the same, the canonical form is not.
        assertDecode([0x10, 0xff, 0xff, 0xff, 0xff, 0x0f], as: Scalars.self,
                     canonical: [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) {
            XCTAssertEqual($0.int32, -1)
        }
    }

    func testPresentDefaultValuesAreWritten() {
        // proto2 presence: a present zero is written, an absent field is not.
        assertEncode(Scalars(int64: 0), [0x08, 0x00])
        assertEncode(Scalars(string: ""), [0x32, 0x00])
        assertEncode(Scalars(), [])
    }

    // MARK: Overflow

    func testElevenByteVarintIsRejected() {
        let bytes: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]
        var r = reader(bytes)
        XCTAssertEqual(wireError { _ = try r.readVarint() }, WireError(.varintOverflow, at: 0))
    }

    func testTenthByteAboveOneIsRejected() {
        for last: UInt8 in [0x02, 0x7f, 0x81] {
            var r = reader([0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, last], from: 2)
            XCTAssertEqual(wireError { _ = try r.readVarint() }, WireError(.varintOverflow, at: 2), "10th byte \(last)")
        }
    }

    func testOverflowInsideAMessageNamesTheField() {
        assertDecodeFails([0x08, 0x01, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], as: Scalars.self,
                          WireError(.varintOverflow, at: 3, path: ["uint64"]))
        // An overflowing tag cannot name its field.
        assertDecodeFails([0x08, 0x01] + [UInt8](repeating: 0xff, count: 10) + [0x01], as: Scalars.self,
                          WireError(.varintOverflow, at: 2))
    }

    // MARK: Truncation

    func testTruncatedVarintReportsWhereItStarted() {
        for bytes: [UInt8] in [[], [0x80], [0xff, 0xff], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]] {
            var r = reader([0x01, 0x01, 0x01] + bytes, from: 3)
            XCTAssertEqual(wireError { _ = try r.readVarint() }, WireError(.truncated, at: 3), "\(bytes)")
        }
    }

    func testTruncatedVarintValueInAMessage() {
        assertDecodeFails([0x08, 0x96], as: Scalars.self, WireError(.truncated, at: 1, path: ["int64"]))
        assertDecodeFails([0x08], as: Scalars.self, WireError(.truncated, at: 1, path: ["int64"]))
        // A tag cut short: no field to name yet.
        assertDecodeFails([0x08, 0x01, 0xd0], as: Scalars.self, WireError(.truncated, at: 2))
    }
}

extension Scalars {
    init(int64: Int64? = nil, int32: Int32? = nil, uint64: UInt64? = nil, float: Float? = nil,
         double: Double? = nil, string: String? = nil, bytes: Bytes? = nil) {
        self.init()
        self.int64 = int64
        self.int32 = int32
        self.uint64 = uint64
        self.float = float
        self.double = double
        self.string = string
        self.bytes = bytes
    }
}
