import ONNXModel
import Runtime

/// A bias quantized to int32 for a static QDQ or QOperator node, as onnxruntime's
/// `BaseQuantizer.quantize_bias_static_impl`: zero point 0, scale input_scale * weight_scale
/// (* beta for Gemm), per tensor or per output channel following the weight.
public struct QuantizedBias: Sendable {
    public let values: [Int32]
    public let shape: [Int]
    /// The bias scale, one per weight scale.
    public let scale: [Float]
    /// Whether some value fell outside int32 and was clipped (onnxruntime logs a warning: the
    /// bias scale is too small).
    public let saturated: Bool

    /// `inputScale` is the activation's scale, `weightScale` the weight's (one per channel
    /// when per-channel), `beta` Gemm's attribute.
    public init(_ bias: UnsafeBufferPointer<Float>, shape: [Int], inputScale: Float, weightScale: [Float],
                beta: Float = 1) throws {
        precondition(bias.count == shape.reduce(1, *), "\(bias.count) values for shape \(shape)")
        guard weightScale.count == 1 || weightScale.count == bias.count else {
            throw QuantizationError.channelCountMismatch(expected: bias.count, actual: weightScale.count)
        }
        // numpy: float32 array * float32 array * Python float, all in float32.
        let scale = weightScale.map { inputScale * $0 * beta }
        var saturated = false
        values = bias.indices.map { i in
            let (value, clipped) = QuantizedBias.quantize(bias[i], scale: scale[scale.count == 1 ? 0 : i])
            saturated = saturated || clipped
            return value
        }
        self.shape = shape
        self.scale = scale
        self.saturated = saturated
    }

    /// The axis of the bias's DequantizeLinear: 0 when the scale has several elements.
    public var axis: Int? { scale.count > 1 ? 0 : nil }

    /// The int32 initializer, in the bias's shape.
    public var tensor: Tensor { Tensor(values, shape: shape) }

    /// The scale initializer: always a vector (onnxruntime reshapes it with (-1)), so [1] for a
    /// per-tensor bias.
    public var scaleTensor: Tensor { Tensor(scale, shape: [scale.count]) }

    /// The int32 zero-point initializer: a scalar for a single scale, else [C] zeros.
    public var zeroPointTensor: Tensor {
        Tensor([Int32](repeating: 0, count: scale.count), shape: scale.count > 1 ? [scale.count] : [])
    }

    /// float64 division, round half to even, clip to int32 (NaN casts to Int32.min on x86,
    /// which is what numpy gives).
    static func quantize(_ value: Float, scale: Float) -> (value: Int32, clipped: Bool) {
        let q = (Double(value) / Double(scale)).rounded(.toNearestOrEven)
        if q.isNaN { return (Int32.min, false) }
        if q < Double(Int32.min) { return (Int32.min, true) }
        if q > Double(Int32.max) { return (Int32.max, true) }
        return (Int32(q), false)
    }
}
