import ProtoWire
import _TestSupport
import XCTest

/// Repeated scalars: both encodings are accepted, the declared one is written.
final class Test_Packed: XCTestCase {
    // int64s (1) and int32s (2) are declared packed.
    let packedInt64: [UInt8] = [0x0a, 0x0e, 0x00, 0x01, 0x96, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
    let unpackedInt64: [UInt8] = [0x08, 0x00, 0x08, 0x01, 0x08, 0x96, 0x01,
                                  0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]

    func testInt64PackedAndUnpackedDecodeTheSame() {
        assertDecode(packedInt64, as: Repeated.self) { XCTAssertEqual($0.int64s, [0, 1, 150, -1]) }
        assertDecode(unpackedInt64, as: Repeated.self, canonical: packedInt64) { XCTAssertEqual($0.int64s, [0, 1, 150, -1]) }
    }

    func testMixedRunsAreConcatenatedInOrder() {
        let mixed: [UInt8] = [0x08, 0x05, 0x0a, 0x02, 0x06, 0x07, 0x08, 0x08]
        assertDecode(mixed, as: Repeated.self, canonical: [0x0a, 0x04, 0x05, 0x06, 0x07, 0x08]) {
            XCTAssertEqual($0.int64s, [5, 6, 7, 8])
        }
    }

    func testInt32NegativeValuesInAPackedRun() {
        var message = Repeated()
        message.int32s = [-1, 2, Int32.min]
        let expected: [UInt8] = [0x12, 0x15,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                                 0x02,
                                 0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01]
        assertEncode(message, expected)
        assertDecode([0x10, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f], as: Repeated.self,
                     canonical: [0x12, 0x0b, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) {
            XCTAssertEqual($0.int32s, [2, -1])
        }
    }

    func testEmptyPackedRunAddsNothingAndIsNotWritten() {
        assertDecode([0x0a, 0x00, 0x22, 0x00], as: Repeated.self, canonical: []) {
            XCTAssertEqual($0.int64s, [])
            XCTAssertTrue($0.packedFloats.isEmpty)
        }
    }

    func testPackedVarintRunEndingMidValue() {
        // The run is 2 bytes long but its second varint continues past it.
        assertDecodeFails([0x0a, 0x02, 0x01, 0x80, 0x01], as: Repeated.self, WireError(.truncated, at: 3, path: ["int64s"]))
    }

    // MARK: floats

    func testUnpackedFloatsFieldAcceptsPackedInput() {
        let unpacked = Wire.fixed32Field(3, Float(1.5).bitPattern) + Wire.fixed32Field(3, Float(-2).bitPattern)
        let packed = Wire.lengthDelimited(3, Wire.floatBits([1.5, -2]))
        assertDecode(unpacked, as: Repeated.self) { XCTAssertEqual($0.floats, [1.5, -2]) }
        assertDecode(packed, as: Repeated.self, canonical: unpacked) { XCTAssertEqual($0.floats, [1.5, -2]) }
        assertDecode(packed + Wire.fixed32Field(3, Float(4).bitPattern), as: Repeated.self,
                     canonical: unpacked + Wire.fixed32Field(3, Float(4).bitPattern)) {
            XCTAssertEqual($0.floats, [1.5, -2, 4])
        }
    }

    func testPackedFixedAcceptsUnpackedInput() {
        let packed = Wire.lengthDelimited(4, Wire.floatBits([0.25, 3, -0.0]))
        let unpacked = [Float(0.25), 3, -0.0].flatMap { Wire.fixed32Field(4, $0.bitPattern) }
        assertDecode(packed, as: Repeated.self) { message in
            XCTAssertEqual(message.packedFloats.values.map(\.bitPattern), [Float(0.25), 3, -0.0].map(\.bitPattern))
            XCTAssertTrue(message.packedFloats.bytes.isView, "a single packed run stays a view")
        }
        assertDecode(unpacked, as: Repeated.self, canonical: packed) { message in
            XCTAssertEqual(message.packedFloats.values, [0.25, 3, -0.0])
            XCTAssertEqual(message.packedFloats.count, 3)
        }
        // A packed run, then single values, then another run.
        let mixed = Wire.lengthDelimited(4, Wire.floatBits([1])) + Wire.fixed32Field(4, Float(2).bitPattern)
            + Wire.lengthDelimited(4, Wire.floatBits([3, 4]))
        assertDecode(mixed, as: Repeated.self, canonical: Wire.lengthDelimited(4, Wire.floatBits([1, 2, 3, 4]))) {
            XCTAssertEqual($0.packedFloats.values, [1, 2, 3, 4])
        }
    }

    func testPackedDoubles() {
        let values: [Double] = [1, -0.5, .infinity]
        let bits = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
        let packed = Wire.lengthDelimited(5, bits)
        assertDecode(packed, as: Repeated.self) { XCTAssertEqual($0.packedDoubles.values, values) }
        let unpacked = values.flatMap { Wire.fixed64Field(5, $0.bitPattern) }
        assertDecode(unpacked, as: Repeated.self, canonical: packed) { XCTAssertEqual($0.packedDoubles.values, values) }
        XCTAssertEqual(PackedFixed<Double>(values).bytes.array, bits)
    }

    func testNaNPayloadsSurviveBitExactly() {
        let quiet = Float(bitPattern: 0x7fc0_0001), signaling = Float(bitPattern: 0xff80_0002)
        var message = Repeated()
        message.packedFloats = PackedFixed([quiet, signaling])
        message.floats = [quiet]
        let bytes = message.serializedBytes()
        XCTAssertEqual(bytes, Wire.fixed32Field(3, 0x7fc0_0001) + Wire.lengthDelimited(4, [0x01, 0x00, 0xc0, 0x7f, 0x02, 0x00, 0x80, 0xff]))
        let decoded = try? Repeated(serializedBytes: bytes)
        XCTAssertEqual(decoded?.packedFloats.values.map(\.bitPattern), [0x7fc0_0001, 0xff80_0002])
        XCTAssertEqual(decoded?.serializedBytes(), bytes)
    }

    func testPackedFixedBadLength() {
        assertDecodeFails([0x08, 0x00, 0x22, 0x03, 0x00, 0x00, 0x80], as: Repeated.self,
                          WireError(.badPackedLength(3, elementSize: 4), at: 3, path: ["packed_floats"]))
        assertDecodeFails([0x2a, 0x0c] + [UInt8](repeating: 0, count: 12), as: Repeated.self,
                          WireError(.badPackedLength(12, elementSize: 8), at: 1, path: ["packed_doubles"]))
        // The plain [Float] field goes through the same check.
        assertDecodeFails([0x1a, 0x05, 0, 0, 0, 0, 0], as: Repeated.self,
                          WireError(.badPackedLength(5, elementSize: 4), at: 1, path: ["floats"]))
    }

    func testPackedFixedAPI() {
        var floats = PackedFixed<Float>([1, 2])
        XCTAssertEqual(floats.bytes.array, [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40])
        floats.append(-1)
        XCTAssertEqual(floats.values, [1, 2, -1])
        XCTAssertEqual(floats[2], -1)
        floats.append(packed: Bytes(Wire.floatBits([8])))
        XCTAssertEqual(floats.values, [1, 2, -1, 8])
        XCTAssertEqual(PackedFixed<Float>(bytes: Bytes(Wire.floatBits([5, 6]))).values, [5, 6])
        XCTAssertEqual(PackedFixed<Float>(), PackedFixed<Float>([]))
    }

    // MARK: Repeated strings, bytes, unsigned

    func testRepeatedLengthDelimitedKeepOrder() {
        let bytes = Wire.varintField(6, 1) + Wire.varintField(6, UInt64.max) + Wire.string(7, "a") + Wire.string(7, "")
            + Wire.lengthDelimited(8, [0x00, 0xff]) + Wire.string(7, "b")
        let canonical = Wire.varintField(6, 1) + Wire.varintField(6, UInt64.max) + Wire.string(7, "a") + Wire.string(7, "")
            + Wire.string(7, "b") + Wire.lengthDelimited(8, [0x00, 0xff])
        assertDecode(bytes, as: Repeated.self, canonical: canonical) {
            XCTAssertEqual($0.uint64s, [1, UInt64.max])
            XCTAssertEqual($0.strings, ["a", "", "b"])
            XCTAssertEqual($0.blobs, [Bytes([0x00, 0xff])])
        }
        // uint64s is declared unpacked; a packed run is still read.
        assertDecode(Wire.lengthDelimited(6, [0x01, 0x02]), as: Repeated.self, canonical: [0x30, 0x01, 0x30, 0x02]) {
            XCTAssertEqual($0.uint64s, [1, 2])
        }
    }
}
