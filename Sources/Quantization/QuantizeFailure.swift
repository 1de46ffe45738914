import ONNXModel

/// A quantization that cannot go on, described in one line (file, tensor or node named).
public struct QuantizeFailure: ReportableError {
    public let description: String
    public init(_ message: String) { description = message }
}

extension QuantizationError: ReportableError {}
