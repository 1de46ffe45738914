import XCTest
@testable import Quantization

/// qtool's numerics against onnxruntime's, case by case from Fixtures/quant-golden.json
/// (regenerate with `make fixtures`). Every scale must match bit for bit, every zero point and
/// quantized value exactly.
final class NumericsGoldenTests: XCTestCase {
    private static let golden = Result { try NumericsGolden.load() }

    private func golden() throws -> NumericsGolden { try Self.golden.get() }

    func testGoldenFileHasEveryKindOfCase() throws {
        let g = try golden()
        let counts = [g.qranges.count, g.scaleZp.count, g.restricted.count, g.data.count, g.channels.count,
                      g.quantize.count, g.bias.count, g.adjust.count]
        XCTAssertEqual(g.qranges.count, QuantType.allCases.count * 4)
        XCTAssertFalse(counts.contains(0), "a section of the golden file is empty: \(counts)")
    }

    func testQuantRanges() throws {
        for c in try golden().qranges {
            let range = try QuantType(option: c.type).range(reduceRange: c.reduce, symmetric: c.sym)
            XCTAssertEqual(range, QuantRange(qmin: c.qmin, qmax: c.qmax), "\(c.type) reduce=\(c.reduce) symmetric=\(c.sym)")
        }
    }

    func testScaleAndZeroPointFromRange() throws {
        try checkRangeCases(golden().scaleZp, section: "scale_zp") { c in
            try QuantParameters(rmin: c.rmin, rmax: c.rmax, type: QuantType(option: c.type), symmetric: c.symmetric,
                                reduceRange: c.reduceRange, minRealRange: c.minRealRange)
        }
    }

    func testRestrictedAsymmetricUInt8() throws {
        try checkRangeCases(golden().restricted, section: "restricted") { c in
            try QuantParameters.restrictedAsymmetric(rmin: c.rmin, rmax: c.rmax, reduceRange: c.reduceRange,
                                                     minRealRange: c.minRealRange)
        }
    }

    private func checkRangeCases(_ cases: [ScaleZeroPointCase], section: String,
                                 _ compute: (ScaleZeroPointCase) throws -> QuantParameters) throws {
        for (i, c) in cases.enumerated() {
            let p = try compute(c)
            let context = "\(section)[\(i)]: \(c.type) [\(c.rmin), \(c.rmax)] symmetric=\(c.symmetric) "
                + "reduce=\(c.reduceRange) minRealRange=\(String(describing: c.minRealRange))"
            assertBits(p.scale, [c.scale], context)
            XCTAssertEqual(p.zeroPoint, [c.zeroPoint], context)
        }
    }

    func testPerTensorDataParametersAndValues() throws {
        try checkWeightCases(golden().data, section: "data") { c, type, buffer in
            try QuantParameters.forValues(buffer, type: type, symmetric: c.sym, reduceRange: c.reduce,
                                          minRealRange: c.mrr?.value, rminOverride: c.rmin?.value, rmaxOverride: c.rmax?.value)
        }
    }

    func testPerChannelWeights() throws {
        try checkWeightCases(golden().channels, section: "channels") { c, type, buffer in
            try QuantParameters.forWeight(buffer, shape: c.shape, axis: c.axis, type: type, symmetric: c.sym,
                                          reduceRange: c.reduce, minRealRange: c.mrr?.value)
        }
    }

    private func checkWeightCases(_ cases: [WeightCase], section: String,
                                  _ compute: (WeightCase, QuantType, UnsafeBufferPointer<Float>) throws -> QuantParameters) throws {
        for (i, c) in cases.enumerated() {
            let type = try QuantType(option: c.type)
            let context = "\(section)[\(i)]: \(c.type) \(c.shape) axis \(String(describing: c.axis)) "
                + "symmetric=\(c.sym) reduce=\(c.reduce)"
            try c.values.floats.withUnsafeBufferPointer { buffer in
                let p = try compute(c, type, buffer)
                XCTAssertEqual(p.axis, c.axis.map { ($0 + c.shape.count) % c.shape.count }, context)
                assertBits(p.scale, c.scale.floats, context)
                XCTAssertEqual(p.zeroPoint, c.zp, context)
                XCTAssertEqual(try p.quantizedValues(buffer, shape: c.shape), c.q, context)
            }
        }
    }

    func testQuantizeWithGivenParameters() throws {
        for (i, c) in try golden().quantize.enumerated() {
            let p = QuantParameters(scale: [c.scale.value], zeroPoint: [c.zp], type: try QuantType(option: c.type))
            let values = c.values.floats
            let quantized = try values.withUnsafeBufferPointer { try p.quantizedValues($0, shape: [values.count]) }
            XCTAssertEqual(quantized, c.q, "quantize[\(i)]: \(c.type) scale \(c.scale.value) zero point \(c.zp)")
        }
    }

    func testInt32Bias() throws {
        for (i, c) in try golden().bias.enumerated() {
            let bias = try c.bias.floats.withUnsafeBufferPointer {
                try QuantizedBias($0, shape: c.shape, inputScale: c.inputScale.value, weightScale: c.weightScale.floats,
                                  beta: c.beta.value)
            }
            let context = "bias[\(i)]: \(c.shape) beta \(c.beta.value)"
            XCTAssertEqual(bias.values, c.q, context)
            assertBits(bias.scale, c.scale.floats, context)
            XCTAssertEqual(bias.saturated, c.q.contains(Int32.max) || c.q.contains(Int32.min), context)
        }
    }

    /// The weight scale after the int32-bias adjustment, the weight quantized with it, and the
    /// bias quantized with it, through both quantizers' rules.
    func testWeightScaleAdjustmentForInt32Bias() throws {
        for (i, c) in try golden().adjust.enumerated() {
            let weight = QuantParameters(scale: c.scale.floats, zeroPoint: c.zp, type: try QuantType(option: c.type),
                                         axis: c.perChannel ? 0 : nil)
            let format: Int32BiasAdjustment.Format = c.format == "qdq" ? .qdq : .qoperator(perChannel: c.flag ?? false)
            let context = "adjust[\(i)]: \(c.format) \(c.type) perChannel=\(c.perChannel) flag=\(String(describing: c.flag))"
            let adjusted = try c.bias.floats.withUnsafeBufferPointer {
                try Int32BiasAdjustment.adjusted(weight, inputScale: c.inputScale.value, bias: $0, format: format)
            } ?? weight
            assertBits(adjusted.scale, c.newScale.floats, context)
            let quantized = try c.values.floats.withUnsafeBufferPointer { try adjusted.quantizedValues($0, shape: c.shape) }
            XCTAssertEqual(quantized, c.q, context)
            let bias = try c.bias.floats.withUnsafeBufferPointer {
                try QuantizedBias($0, shape: [c.bias.count], inputScale: c.inputScale.value, weightScale: adjusted.scale)
            }
            XCTAssertEqual(bias.values, c.biasQ, context)
            assertBits(bias.scale, c.biasScale.floats, context)
        }
    }

    private func assertBits(_ actual: [Float], _ expected: [Float], _ context: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map(\.bitPattern), expected.map(\.bitPattern),
                       "\(context): got \(actual), onnxruntime \(expected)", file: file, line: line)
    }
}
