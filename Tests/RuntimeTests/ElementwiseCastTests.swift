import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// Cast's conversion rules: every code of the small float formats, rounding ties, overflow,
/// and the integer and bool rules.
final class ElementwiseCastTests: XCTestCase {
    static let formats: [(String, MiniFloat, Float)] = [
        ("e4m3fn", .e4m3fn, 448), ("e4m3fnuz", .e4m3fnuz, 240), ("e5m2", .e5m2, 57344),
        ("e5m2fnuz", .e5m2fnuz, 57344), ("e2m1", .e2m1, 6),
    ]

    func testEveryMiniFloatCodeRoundTrips() {
        for (name, format, maximum) in Self.formats {
            XCTAssertEqual(format.maxFinite, Double(maximum), name)
            for code in 0..<format.decodeTable.count {
                let value = format.decode(UInt8(code))
                if value.isNaN { continue }
                let again = format.encode(Double(value), saturate: false)
                if value == 0 && format.kind == .unsignedZero { XCTAssertEqual(again, 0, name); continue }
                XCTAssertEqual(again, UInt8(code), "\(name) code \(code) = \(value)")
            }
        }
    }

    func testMiniFloatsRoundHalfToEvenAndHandleOverflow() {
        let e4m3 = MiniFloat.e4m3fn
        XCTAssertEqual(e4m3.decode(e4m3.encode(1.0625, saturate: true)), 1)       // tie between 1 and 1.125
        XCTAssertEqual(e4m3.decode(e4m3.encode(1.1875, saturate: true)), 1.25)    // tie between 1.125 and 1.25
        XCTAssertEqual(e4m3.decode(e4m3.encode(464, saturate: false)), 448)       // tie at the top rounds to even
        XCTAssertTrue(e4m3.decode(e4m3.encode(470, saturate: false)).isNaN)
        XCTAssertEqual(e4m3.encode(-.infinity, saturate: true), 0xFE)
        XCTAssertEqual(e4m3.encode(.nan, saturate: true), 0x7F)
        XCTAssertEqual(e4m3.encode(-1e-7, saturate: true), 0x80)
        XCTAssertEqual(MiniFloat.e4m3fnuz.encode(-1e-7, saturate: true), 0x00)
        XCTAssertEqual(MiniFloat.e5m2.encode(1e6, saturate: false), 0x7C)
        XCTAssertEqual(MiniFloat.e5m2.encode(.nan, saturate: false), 0x7E)
        XCTAssertEqual(MiniFloat.e2m1.encode(-3.5, saturate: true), 0xE)        // -4: tie to even mantissa
        XCTAssertEqual(MiniFloat.e2m1.encode(.infinity, saturate: false), 0x7)
        // The smallest subnormal of E4M3FN is 2^-9; half of it rounds to zero, three quarters up.
        XCTAssertEqual(e4m3.encode(0.75 * 0x1p-9, saturate: true), 0x01)
        XCTAssertEqual(e4m3.encode(0.5 * 0x1p-9, saturate: true), 0x00)
    }

    func testExponentFloatRoundingModes() {
        XCTAssertEqual(ExponentFloat.encode(1.1, saturate: true, rounding: .up), 128)
        XCTAssertEqual(ExponentFloat.encode(1.1, saturate: true, rounding: .down), 127)
        XCTAssertEqual(ExponentFloat.encode(1.6, saturate: true, rounding: .nearest), 128)
        XCTAssertEqual(ExponentFloat.encode(1.4, saturate: true, rounding: .nearest), 127)
        XCTAssertEqual(ExponentFloat.encode(.greatestFiniteMagnitude, saturate: true, rounding: .up), 254)
        XCTAssertEqual(ExponentFloat.encode(.greatestFiniteMagnitude, saturate: false, rounding: .up), 255)
        XCTAssertEqual(ExponentFloat.decode(130), 8)
        XCTAssertTrue(ExponentFloat.decode(255).isNaN)
    }

    func testBfloat16RoundsToNearestEven() {
        XCTAssertEqual(HalfPrecision.bfloat16Bits(Float(bitPattern: 0x3F80_8000)), 0x3F80)  // tie, even stays
        XCTAssertEqual(HalfPrecision.bfloat16Bits(Float(bitPattern: 0x3F81_8000)), 0x3F82)  // tie, odd rounds up
        XCTAssertEqual(HalfPrecision.bfloat16Bits(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(.nan), 0x7FC0)
        XCTAssertEqual(HalfPrecision.bfloat16Bits(.greatestFiniteMagnitude), 0x7F80)
    }

    func testFloatToIntegerTruncatesAndNarrowTypesWrap() throws {
        let x = Tensor([2.9, -2.9, 300, -1, .nan, 1e30, -1e30] as [Float], shape: [7])
        XCTAssertEqual(try Conversion.convert(x, to: .int64).scalars(Int64.self), [2, -2, 300, -1, 0, .max, .min])
        XCTAssertEqual(try Conversion.convert(x, to: .uint8).scalars(UInt8.self), [2, 254, 44, 255, 0, 255, 0])
        XCTAssertEqual(try Conversion.convert(x, to: .int4).scalars(Int8.self), [2, -2, -4, -1, 0, -1, 0])
        XCTAssertEqual(try Conversion.convert(x, to: .uint2).scalars(UInt8.self), [2, 2, 0, 3, 0, 3, 0])
        XCTAssertEqual(try Conversion.convert(x, to: .bool).scalars(Bool.self), [true, true, true, true, true, true, true])
        let big = Tensor([1.8e19] as [Double], shape: [1])
        XCTAssertEqual(try Conversion.convert(big, to: .uint64).scalars(UInt64.self), [18_000_000_000_000_000_000])
    }

    func testIntegerAndBoolConversions() throws {
        let x = Tensor([200, -56, 0, 65_537] as [Int32], shape: [4])
        XCTAssertEqual(try Conversion.convert(x, to: .int8).scalars(Int8.self), [-56, -56, 0, 1])
        XCTAssertEqual(try Conversion.convert(x, to: .bool).scalars(Bool.self), [true, true, false, true])
        XCTAssertEqual(try Conversion.convert(x, to: .double).scalars(Double.self), [200, -56, 0, 65_537])
        let flags = Tensor([true, false] as [Bool], shape: [2])
        XCTAssertEqual(try Conversion.convert(flags, to: .float).scalars(Float.self), [1, 0])
        let halves = try Conversion.convert(Tensor([65_537] as [Int64], shape: [1]), to: .float16)
        XCTAssertEqual(Float(Float16(bitPattern: halves.scalars(UInt16.self)[0])), .infinity)
    }

    func testCastNodeReadsItsAttributes() throws {
        let x = Tensor([1.5, 1e6] as [Float], shape: [2])
        let to = ElementwiseHarness.int("to", Int64(DataType.float8e4m3fn.rawValue))
        let saturating = try ElementwiseHarness.run("Cast", [x], attributes: [to])
        XCTAssertEqual(saturating.type, .float8e4m3fn)
        XCTAssertEqual(saturating.scalars(UInt8.self), [0x3C, 0x7E])
        let wrapping = try ElementwiseHarness.run("Cast", [x], attributes: [to, ElementwiseHarness.int("saturate", 0)])
        XCTAssertEqual(wrapping.scalars(UInt8.self), [0x3C, 0x7F])
        let named = try ElementwiseHarness.run("Cast", [x], attributes: [ElementwiseHarness.string("to", "INT32")], opset: 5)
        XCTAssertEqual(named.scalars(Int32.self), [1, 1_000_000])
        let like = try ElementwiseHarness.run("CastLike", [x, Tensor([0] as [Int16], shape: [1])])
        XCTAssertEqual(like.scalars(Int16.self), [1, 16960])
        XCTAssertThrowsError(try ElementwiseHarness.run("Cast", [x], attributes: [ElementwiseHarness.int("to", 99)]))
    }
}
