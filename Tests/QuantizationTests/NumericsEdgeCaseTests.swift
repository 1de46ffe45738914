import XCTest
import Runtime
@testable import Quantization

/// Hand-picked edge cases of the numerics, each with the value onnxruntime gives, plus
/// exhaustive round trips over int8 and uint8.
final class NumericsEdgeCaseTests: XCTestCase {
    func testTypeNamesAndDataTypes() throws {
        XCTAssertEqual(QuantType.allCases.map(\.name), ["qint8", "quint8", "qint16", "quint16", "qint4", "quint4"])
        XCTAssertEqual(QuantType.allCases.map(\.dataType), [.int8, .uint8, .int16, .uint16, .int4, .uint4])
        XCTAssertEqual(try QuantType(option: "QUInt8"), .quint8)
        XCTAssertThrowsError(try QuantType(option: "qfloat8e4m3fn")) { error in
            XCTAssertTrue("\(error)".contains("qint8, quint8"), "\(error)")
        }
    }

    /// reduce_range wins over symmetric; symmetric narrows only int8 and int16.
    func testRangeTables() {
        XCTAssertEqual(QuantType.qint8.range(symmetric: true), QuantRange(qmin: -127, qmax: 127))
        XCTAssertEqual(QuantType.qint8.range(reduceRange: true, symmetric: true), QuantRange(qmin: -64, qmax: 64))
        XCTAssertEqual(QuantType.quint8.range(symmetric: true), QuantRange(qmin: 0, qmax: 255))
        XCTAssertEqual(QuantType.qint4.range(symmetric: true), QuantRange(qmin: -8, qmax: 7))
        XCTAssertEqual(QuantType.quint16.range(reduceRange: true), QuantRange(qmin: 0, qmax: 32767))
    }

    func testSymmetricZeroPointsDoNotDependOnTheRange() throws {
        let expected: [QuantType: Int32] = [.qint8: 0, .quint8: 128, .qint16: 0, .quint16: 32768, .qint4: 0, .quint4: 8]
        for (type, zeroPoint) in expected {
            for (rmin, rmax) in [(Float(-1), Float(2)), (0.5, 6), (-6, -0.5)] {
                let p = try QuantParameters(rmin: rmin, rmax: rmax, type: type, symmetric: true)
                XCTAssertEqual(p.zeroPoint, [zeroPoint], "\(type) [\(rmin), \(rmax)]")
            }
        }
    }

    /// A range of zero width gets scale 1 and zero point 0 (even symmetric uint8, whose zero
    /// point is otherwise 128); [3, 3] is not degenerate since the range is widened to 0.
    func testDegenerateRanges() throws {
        let zero = try QuantParameters(rmin: 0, rmax: 0, type: .quint8, symmetric: true)
        XCTAssertEqual(zero.scale, [1])
        XCTAssertEqual(zero.zeroPoint, [0])
        let tiny = try QuantParameters(rmin: -1e-38, rmax: 1e-38, type: .qint8, symmetric: false)
        XCTAssertEqual(tiny.scale, [1])
        let three = try QuantParameters(rmin: 3, rmax: 3, type: .quint8, symmetric: false)
        XCTAssertEqual(three.scale, [Float(3.0 / 255.0)])
        XCTAssertEqual(three.zeroPoint, [0])
    }

    /// zero point = round(qmin - rmin / scale), half to even: -2.5/16 over a 1/16 scale is 2.5.
    func testZeroPointTieRoundsToEven() throws {
        let p = try QuantParameters(rmin: -2.5 / 16, rmax: -2.5 / 16 + 255 / 16, type: .quint8, symmetric: false)
        XCTAssertEqual(p.scale, [0.0625])
        XCTAssertEqual(p.zeroPoint, [2])
    }

    /// MinimumRealRange is added in float32 (numpy casts the option to rmin's dtype).
    func testMinimumRealRangeWidensTinyRanges() throws {
        let p = try QuantParameters(rmin: 0, rmax: 1e-6, type: .quint8, symmetric: false, minRealRange: 0.0001)
        XCTAssertEqual(p.scale, [Float(Double(Float(0.0001)) / 255)])
    }

    func testNaNRangeThrowsAndInfinitiesDoNot() throws {
        XCTAssertThrowsError(try QuantParameters(rmin: .nan, rmax: 1, type: .qint8, symmetric: false)) { error in
            guard case QuantizationError.invalidRange = error else { return XCTFail("\(error)") }
        }
        let infinite = try QuantParameters(rmin: -.infinity, rmax: 1, type: .quint8, symmetric: false)
        XCTAssertEqual(infinite.scale, [.infinity])
        XCTAssertEqual(infinite.zeroPoint, [0], "-inf / inf is NaN, which numpy casts to 0")
    }

    func testEmptyValuesGetScaleOne() throws {
        let p = try [Float]().withUnsafeBufferPointer {
            try QuantParameters.forValues($0, type: .qint8, symmetric: true, rminOverride: -5, rmaxOverride: 5)
        }
        XCTAssertEqual(p.scale, [1])
        XCTAssertEqual(p.zeroPoint, [0])
    }

    /// Values clip to the type's full range even when the scale was computed for the reduced
    /// one; ties round to even; NaN becomes 0.
    func testQuantizeClipsToTheFullRange() {
        let type = QuantType.qint8
        XCTAssertEqual(type.quantize(1000, scale: 1, zeroPoint: 0), 127)
        XCTAssertEqual(type.quantize(-1000, scale: 1, zeroPoint: 0), -128)
        XCTAssertEqual(type.quantize(2.5, scale: 1, zeroPoint: 0), 2)
        XCTAssertEqual(type.quantize(-2.5, scale: 1, zeroPoint: 0), -2)
        XCTAssertEqual(type.quantize(.nan, scale: 1, zeroPoint: 10), 0)
        XCTAssertEqual(QuantType.quint4.quantize(.infinity, scale: 1, zeroPoint: 3), 15)
    }

    /// Every int8 / uint8 value survives dequantize-then-quantize, for every zero point.
    func testExhaustiveRoundTripInt8AndUInt8() {
        for type in [QuantType.qint8, .quint8] {
            let range = type.fullRange
            for zeroPoint in range.qmin...range.qmax {
                for scale in [Float(0.0078125), 0.1, 3.7] {
                    for q in range.qmin...range.qmax {
                        let real = scale * Float(q - zeroPoint)
                        let back = type.quantize(real, scale: scale, zeroPoint: zeroPoint)
                        if back != q { return XCTFail("\(type) scale \(scale) zero point \(zeroPoint): \(q) -> \(real) -> \(back)") }
                    }
                }
            }
        }
    }

    func testPerChannelAxisErrors() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        try values.withUnsafeBufferPointer { buffer in
            XCTAssertThrowsError(try QuantParameters.forWeight(buffer, shape: [2, 3], axis: 2, type: .qint8, symmetric: true)) {
                XCTAssertEqual($0 as? QuantizationError, .axisOutOfRange(axis: 2, rank: 2))
            }
            let p = try QuantParameters.forWeight(buffer, shape: [2, 3], axis: -1, type: .qint8, symmetric: true)
            XCTAssertEqual(p.axis, 1)
            XCTAssertEqual(p.scale.count, 3)
            XCTAssertThrowsError(try p.quantizedValues(buffer, shape: [3, 2])) {
                XCTAssertEqual($0 as? QuantizationError, .channelCountMismatch(expected: 2, actual: 3))
            }
        }
    }

    /// int4 tensors are stored unpacked, one Int8 per element, as the runtime keeps them.
    func testInt4TensorsAndParameterShapes() throws {
        let values: [Float] = [-1, -0.5, 0, 0.5, 1, 7]
        let p = try values.withUnsafeBufferPointer {
            try QuantParameters.forWeight($0, shape: [2, 3], axis: 0, type: .qint4, symmetric: true)
        }
        let tensor = try values.withUnsafeBufferPointer { try p.quantize($0, shape: [2, 3]) }
        XCTAssertEqual(tensor.type, .int4)
        XCTAssertEqual(tensor.shape, [2, 3])
        XCTAssertEqual(tensor.scalars(Int8.self), [-7, -4, 0, 1, 1, 7])
        XCTAssertEqual(p.scaleTensor.shape, [2])
        XCTAssertEqual(p.zeroPointTensor.type, .int4)
        XCTAssertEqual(p.zeroPointTensor.scalars(Int8.self), [0, 0])

        let perTensor = QuantParameters(scale: [0.5], zeroPoint: [200], type: .quint8)
        XCTAssertEqual(perTensor.scaleTensor.shape, [])
        XCTAssertEqual(perTensor.zeroPointTensor.scalars(UInt8.self), [200])
    }

    /// onnxruntime's bias initializers: the scale always a vector, the zero point a scalar for
    /// one scale; values beyond int32 clip and are reported.
    func testBiasTensorsAndSaturation() throws {
        let bias = try [Float(1), -3e9].withUnsafeBufferPointer {
            try QuantizedBias($0, shape: [2], inputScale: 0.5, weightScale: [2])
        }
        XCTAssertEqual(bias.values, [1, Int32.min])
        XCTAssertTrue(bias.saturated)
        XCTAssertNil(bias.axis)
        XCTAssertEqual(bias.scaleTensor.shape, [1])
        XCTAssertEqual(bias.zeroPointTensor.shape, [])
        XCTAssertEqual(bias.tensor.type, .int32)

        let perChannel = try [Float(1), 2].withUnsafeBufferPointer {
            try QuantizedBias($0, shape: [2], inputScale: 1, weightScale: [0.5, 0.25], beta: 2)
        }
        XCTAssertEqual(perChannel.values, [1, 4])
        XCTAssertEqual(perChannel.axis, 0)
        XCTAssertEqual(perChannel.zeroPointTensor.shape, [2])
        XCTAssertThrowsError(try [Float(1), 2, 3].withUnsafeBufferPointer {
            try QuantizedBias($0, shape: [3], inputScale: 1, weightScale: [0.5, 0.25])
        })
    }

    /// The adjustment only touches symmetric int8 (QDQ: and int16) weights, and only when the
    /// bias would saturate; the per-channel QOperator flag skips per-tensor weights.
    func testWeightScaleAdjustmentRules() throws {
        let weight = QuantParameters(scale: [1e-7], zeroPoint: [0], type: .qint8)
        let bias: [Float] = [1000]
        try bias.withUnsafeBufferPointer { bias in
            let adjusted = try XCTUnwrap(Int32BiasAdjustment.adjusted(weight, inputScale: 1e-3, bias: bias, format: .qdq))
            XCTAssertGreaterThan(adjusted.scale[0], weight.scale[0])
            let quantized = try QuantizedBias(bias, shape: [1], inputScale: 1e-3, weightScale: adjusted.scale)
            XCTAssertFalse(quantized.saturated)

            XCTAssertNil(try Int32BiasAdjustment.adjusted(weight, inputScale: 10, bias: bias, format: .qdq))
            XCTAssertNil(try Int32BiasAdjustment.adjusted(weight, inputScale: 1e-3, bias: bias,
                                                          format: .qoperator(perChannel: true)))
            var asymmetric = weight
            asymmetric.zeroPoint = [3]
            XCTAssertNil(try Int32BiasAdjustment.adjusted(asymmetric, inputScale: 1e-3, bias: bias, format: .qdq))
            let int16 = QuantParameters(scale: [1e-7], zeroPoint: [0], type: .qint16)
            XCTAssertNotNil(try Int32BiasAdjustment.adjusted(int16, inputScale: 1e-3, bias: bias, format: .qdq))
            XCTAssertNil(try Int32BiasAdjustment.adjusted(int16, inputScale: 1e-3, bias: bias,
                                                          format: .qoperator(perChannel: false)))
        }
    }
}
