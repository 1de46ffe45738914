/// Every op shape inference has a rule for: each family lists its own rules in its file under
/// Rules/ (`static let <family>: [String: ShapeRule]`); adding an op is a rule and a line.
public enum ShapeRules {
    static let all: [String: ShapeRule] = [elementwise, shapeOps, linear, convolution, pooling, normalization,
                                           reduction, recurrent, quantization, controlFlow]
        .reduce(into: [:]) { table, family in table.merge(family) { first, _ in first } }

    /// The rule for an op of the ai.onnx or com.microsoft domain (other domains have none).
    public static func rule(op: String, domain: String) -> ShapeRule? {
        switch domain {
        case "ai.onnx": return all[op]
        case "com.microsoft": return microsoft[op]
        default: return nil
        }
    }

    public static var supportedOps: [String] { all.keys.sorted() }

    /// Output 0 is input 0's type and shape (unary math, activations, normalizations).
    static func sameAsInput(_ context: inout ShapeContext) throws {
        context.set(0, type: context.type(0), shape: context.shape(0))
    }
}
