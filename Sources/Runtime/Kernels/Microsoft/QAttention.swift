/// QAttention's product: the input is uint8 (input_scale, input_zero_point) and the packed
/// Q|K|V weight int8 or uint8 (weight_scale, weight_zero_point, per tensor or per column):
/// rows = input_scale · weight_scale[j] · Σ (x − zx)(w − zw[j]), the int32 sum exact and
/// scaled as onnxruntime's output processor does. Inputs: input, weight, bias, input_scale,
/// weight_scale, mask_index, input_zero_point, weight_zero_point, past.
enum QuantizedAttentionProjection: AttentionProjection {
    static let maskIndex = 5, pastIndex = 8
    static let attentionBiasIndex: Int? = nil

    static func project(_ inputs: [Tensor?], input: Tensor, weights: Tensor, shapes: AttentionShapes, node: KernelNode,
                        threads: Int) throws -> FloatBuffer {
        guard input.type == .uint8, weights.type == .uint8 || weights.type == .int8 else {
            throw node.failure("input must be uint8 and weight int8 or uint8, they are \(input.type) and \(weights.type)")
        }
        func optional(_ index: Int) -> Tensor? { index < inputs.count ? inputs[index] : nil }
        let width = shapes.projectedWidth
        guard let inputScale = optional(3)?.scaleValues(), inputScale.count == 1,
              let weightScales = optional(4)?.scaleValues(), weightScales.count == 1 || weightScales.count == width else {
            throw node.failure("input_scale must be one float and weight_scale 1 or \(width) floats")
        }
        let (sums, _, _) = try IntegerProducts.matMul(input, optional(6), weights, optional(7), node: node)
        let projected = FloatBuffer(count: sums.count)
        let multipliers = weightScales.map { inputScale[0] * $0 }
        for i in sums.indices {
            projected.pointer[i] = Float(sums[i]) * multipliers[multipliers.count == 1 ? 0 : i % width]
        }
        return projected
    }
}
