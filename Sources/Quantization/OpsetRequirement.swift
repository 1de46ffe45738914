import ONNXModel
import Passes

/// Raising a model's ai.onnx opset to what the quantized ops need (per-axis DequantizeLinear,
/// DynamicQuantizeLinear, 16-bit types...), with a real upgrade of every op or a refusal.
enum OpsetRequirement {
    /// The opset after the call: `required`, or the model's own when already at least that.
    static func raise(_ model: Model, to required: Int) throws -> Int {
        let current = Int(model.opsetVersion(for: "") ?? 0)
        guard current < required else { return current }
        if case .refused(let reasons) = try OpsetUpgrade.upgrade(model, to: required) {
            throw QuantizeFailure("the quantized model needs opset \(required), and the model's opset \(current) cannot be raised: "
                                  + (reasons.first ?? "an op has no adapter"))
        }
        return required
    }
}
