import ONNXModel

/// A failure of `qtool debug`, described in one line naming the model, tensor or node.
public struct DebugError: ReportableError {
    public let description: String
    public init(_ description: String) { self.description = description }
}
