import ONNXModel

/// Errors from compiling or running a model, each naming the node, op or tensor involved.
public enum RuntimeError: ReportableError, Equatable {
    /// An op, domain, opset or data type the interpreter does not implement.
    case unsupported(String)
    /// The model contradicts itself (a missing input, a bad attribute, shapes that disagree).
    case invalidModel(String)
    /// A kernel failed on the values it was given.
    case node(name: String, op: String, message: String)
    /// The inputs supplied to a run do not fit the model.
    case badInput(String)

    public var description: String {
        switch self {
        case .unsupported(let message), .invalidModel(let message), .badInput(let message): return message
        case .node(let name, let op, let message): return "node '\(name)' (\(op)): \(message)"
        }
    }
}
