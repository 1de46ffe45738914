import ONNXModel

/// The float-to-integer steps of onnxruntime's com.microsoft kernels, as its MLAS library runs
/// them on x86-64 (SSE2/AVX2/AVX-512 paths): reproduced operation by operation so qtool's
/// outputs equal onnxruntime's bit for bit, not merely within one unit.
enum Mlas {
    /// CVTPS2DQ under the default rounding mode: half to even; NaN and values outside Int32
    /// become Int32.min (the "integer indefinite" value), which later saturates to the low end.
    @inline(__always)
    static func convert(_ value: Float) -> Int32 {
        let rounded = value.rounded(.toNearestOrEven)
        guard rounded >= -2_147_483_648, rounded < 2_147_483_648 else { return .min }
        return Int32(rounded)
    }

    /// MAXPS and MINPS: the second operand whenever the comparison fails, NaN included.
    @inline(__always) static func max(_ a: Float, _ b: Float) -> Float { a > b ? a : b }
    @inline(__always) static func min(_ a: Float, _ b: Float) -> Float { a < b ? a : b }

    /// MlasQuantizeLinear and MlasRequantizeOutput after their scaling: clamp into the range
    /// shifted by the zero point (in float, so NaN lands on the low end), round, add it back.
    @inline(__always)
    static func requantize(_ value: Float, zeroPoint: Int32, _ range: QuantizedRange) -> Int32 {
        let clamped = min(max(value, Float(range.min - zeroPoint)), Float(range.max - zeroPoint))
        return convert(clamped) + zeroPoint
    }

    /// MlasQuantizeLinear: value / scale (a division, not a reciprocal product), requantized.
    static func quantize(_ values: [Float], _ output: QuantizedScalar, _ range: QuantizedRange) -> [Int32] {
        values.map { requantize($0 / output.scale, zeroPoint: output.zeroPoint, range) }
    }

    /// MLAS's logistic kernel for AVX2/FMA3 (MlasLogisticKernelFma3): Eigen's rational
    /// approximation on x clamped to ±18, evaluated with fused multiply-adds; the result is only
    /// clamped below at 0 (the portable C kernel also clamps at 1, this one does not).
    static func logistic(_ x: Float) -> Float {
        let v = min(18, max(-18, x)), v2 = v * v
        var p = Logistic.alpha7.addingProduct(v2, Logistic.alpha9)
        for alpha in [Logistic.alpha5, Logistic.alpha3, Logistic.alpha1] { p = alpha.addingProduct(v2, p) }
        var q = Logistic.beta8.addingProduct(v2, Logistic.beta10)
        for beta in [Logistic.beta6, Logistic.beta4, Logistic.beta2, Logistic.beta0] { q = beta.addingProduct(v2, q) }
        return max(0, v * p / q + 0.5)
    }

    /// MlasLogisticConstants (Eigen's coefficients), rounded to float as MLAS stores them.
    private enum Logistic {
        static let alpha9: Float = 4.37031012579801e-11, alpha7: Float = 1.15627324459942e-07
        static let alpha5: Float = 6.08574864600143e-05, alpha3: Float = 8.51377133304701e-03
        static let alpha1: Float = 2.48287947061529e-01
        static let beta10: Float = 6.10247389755681e-13, beta8: Float = 5.76102136993427e-09
        static let beta6: Float = 6.29106785017040e-06, beta4: Float = 1.70198817374094e-03
        static let beta2: Float = 1.16817656904453e-01, beta0: Float = 9.93151921023180e-01
    }
}

/// The integer range of an 8-bit quantized type (the only element types these ops accept).
struct QuantizedRange {
    let min: Int32, max: Int32
    let type: DataType

    init?(_ type: DataType) {
        guard type == .uint8 || type == .int8, let (lo, hi) = QuantizedType.range(type) else { return nil }
        (min, max, self.type) = (lo, hi, type)
    }

    init(_ type: DataType, node: KernelNode) throws {
        guard let range = QuantizedRange(type) else { throw node.failure("supports uint8 and int8 tensors, got \(type)") }
        self = range
    }

    @inline(__always) func saturate(_ value: Int32) -> Int32 { Swift.min(Swift.max(value, min), max) }

    /// The value of each of the 256 raw bytes, in the order a byte indexes a table.
    var codes: [Int32] {
        (0..<256).map { type == .int8 ? Int32(Int8(bitPattern: UInt8($0))) : Int32($0) }
    }
}

/// A per-tensor scale and zero point, read as onnxruntime reads them: the first element of each
/// (a scalar or a one-element vector), zero point 0 when the optional input is absent.
struct QuantizedScalar: Equatable {
    let scale: Float
    let zeroPoint: Int32

    init(scale: Float, zeroPoint: Int32) { (self.scale, self.zeroPoint) = (scale, zeroPoint) }

    init(_ inputs: [Tensor?], scale: Int, zeroPoint: Int, node: KernelNode) throws {
        guard scale < inputs.count, let tensor = inputs[scale], let value = tensor.scaleValues()?.first else {
            throw node.failure("input \(scale) must be a float scale")
        }
        self.scale = value
        self.zeroPoint = zeroPoint < inputs.count ? inputs[zeroPoint]?.widenedToInt32().first ?? 0 : 0
    }

    /// x_scale · (x − x_zero_point): the integer difference converted, then one float product.
    @inline(__always) func dequantize(_ code: Int32) -> Float { scale * Float(code - zeroPoint) }
}
