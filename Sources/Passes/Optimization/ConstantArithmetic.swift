import ONNXModel
import Runtime

/// Arithmetic on constant tensors through the interpreter's own kernels, so a value a pass
/// precomputes is exactly what the graph would have computed (same broadcasting, same casts).
enum ConstantArithmetic {
    /// The opset whose Add, Mul and Cast the computations use: all element types, numpy
    /// broadcasting.
    private static let opset = 13

    static func evaluate(_ op: String, _ inputs: [Tensor], attributes: [Attribute] = []) throws -> Tensor {
        let node = Node(opType: op, inputs: inputs.indices.map { "input\($0)" }, outputs: ["output"], attributes: attributes)
        guard let result = try NodeEvaluator.evaluate(node, opset: opset, inputs: inputs).first ?? nil else {
            throw RuntimeError.invalidModel("\(op) of constants produced no value")
        }
        return result
    }

    static func cast(_ tensor: Tensor, to type: DataType) throws -> Tensor {
        try evaluate("Cast", [tensor], attributes: [.int("to", Int64(type.rawValue))])
    }
}
