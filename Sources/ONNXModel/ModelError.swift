import ProtoWire

/// An error meant for the user: its description is one line naming the file, node or tensor.
public protocol ReportableError: Error, CustomStringConvertible {}

/// Everything that can be wrong with a model file, its external data, or the graph in it.
/// Each case says which file, tensor or node, so the CLI can print one clear line.
public enum ModelError: ReportableError, Equatable {
    /// The file could not be opened, mapped, read or written.
    case io(path: String, reason: String)
    /// The bytes are not a valid ModelProto.
    case malformed(path: String, WireError)
    /// An external-data reference that cannot be honoured.
    case externalData(path: String, tensor: String, reason: String)
    /// A tensor whose dims and type disagree with the data it carries.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A structural problem found while building or editing the graph IR.
    case invalidGraph(String)
    /// A request that cannot be carried out on this model (e.g. too large to write inline).
    case unsupported(String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        case .malformed(let path, let error): return "\(path): not a valid ONNX model: \(error)"
        case .externalData(let path, let tensor, let reason):
            return "\(path): external data of tensor '\(tensor)': \(reason)"
        case .invalidTensor(let path, let tensor, let reason): return "\(path): tensor '\(tensor)': \(reason)"
        case .invalidGraph(let message): return message
        case .unsupported(let message): return message
        }
    }
}
