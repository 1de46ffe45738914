/// onnxruntime's `_adjust_weight_scale_for_int32_bias` (QDQ and QOperator quantizers): when
/// input_scale * weight_scale is so small that the int32 bias would saturate, the weight's
/// scale grows until the bias fits (the idea is TFLite's). The weight must then be quantized
/// with the new scale; its zero point stays 0.
public enum Int32BiasAdjustment {
    /// Where the rule is applied; the two quantizers differ in when they adjust.
    public enum Format: Equatable, Sendable {
        /// QDQ: int8 and int16 weights; per channel exactly when the weight is.
        case qdq
        /// QOperator: int8 weights only; "per channel" is the quantizer's per_channel flag, so
        /// a per-tensor weight under that flag is never adjusted.
        case qoperator(perChannel: Bool)
    }

    /// 1.0001 * 2 * |bias| / (2^32 - 2): the smallest bias scale that keeps |bias| in int32.
    static let multiplicativeEpsilon = 1.0001
    static let int32Range = Double(Int32.max) - Double(Int32.min + 1)

    /// The weight parameters with the adjusted scale, or nil when onnxruntime leaves them as
    /// they are (another type, a nonzero zero point, or a scale large enough).
    public static func adjusted(_ weight: QuantParameters, inputScale: Float, bias: UnsafeBufferPointer<Float>,
                                format: Format) throws -> QuantParameters? {
        let perChannel: Bool
        switch format {
        case .qdq:
            guard weight.type == .qint8 || weight.type == .qint16 else { return nil }
            perChannel = weight.axis != nil
        case let .qoperator(flag):
            guard weight.type == .qint8 else { return nil }
            perChannel = flag
        }
        guard !weight.scale.isEmpty, weight.zeroPoint.allSatisfy({ $0 == 0 }) else { return nil }
        let scale = try adjustedScale(weight, inputScale: inputScale, bias: bias, perChannel: perChannel)
        guard let scale else { return nil }
        var result = weight
        result.scale = scale
        return result
    }

    private static func adjustedScale(_ weight: QuantParameters, inputScale: Float, bias: UnsafeBufferPointer<Float>,
                                      perChannel: Bool) throws -> [Float]? {
        if !perChannel {
            // weight_scale.item() fails in onnxruntime for more than one scale.
            guard weight.scale.count == 1 else {
                throw QuantizationError.channelCountMismatch(expected: 1, actual: weight.scale.count)
            }
            let bounds = MinMax(bias)
            if bounds.min.isNaN { return nil }
            // numpy.minimum/maximum with a float64 zero: the bound is widened to float64 first.
            let absmax = max(abs(min(Double(bounds.min), 0)), abs(max(Double(bounds.max), 0)))
            let smallest = multiplicativeEpsilon * (2 * absmax) / int32Range
            return enlarged(weight.scale[0], inputScale: inputScale, smallest: smallest).map { [$0] }
        }
        // A scalar scale under the per-channel flag: onnxruntime's `weight_scale.shape` is ()
        // and nothing happens.
        guard weight.axis != nil else { return nil }
        guard bias.count == weight.scale.count else {
            throw QuantizationError.channelCountMismatch(expected: weight.scale.count, actual: bias.count)
        }
        var scale = weight.scale
        var changed = false
        for i in scale.indices {
            // np.abs(bias[i]) is a float32 scalar, so 1.0001 * (2.0 * it) is computed in
            // float32 (NEP 50: Python floats adopt the scalar's type); only the division by the
            // float64 range is float64.
            let doubled = Float(multiplicativeEpsilon) * (2 * abs(bias[i]))
            if let new = enlarged(scale[i], inputScale: inputScale, smallest: Double(doubled) / int32Range) {
                scale[i] = new
                changed = true
            }
        }
        return changed ? scale : nil
    }

    /// The weight scale multiplied by smallest / (input * weight) in float64, when that bias
    /// scale is positive and below `smallest`.
    private static func enlarged(_ weightScale: Float, inputScale: Float, smallest: Double) -> Float? {
        let candidate = Double(inputScale) * Double(weightScale)
        guard candidate < smallest, candidate > 0 else { return nil }
        return Float(Double(weightScale) * (smallest / candidate))
    }
}
