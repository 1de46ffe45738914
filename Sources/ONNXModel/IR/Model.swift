import ProtoWire

/// A model in IR form: the main graph as an editable Graph; everything else (functions,
/// training info, metadata, unknown fields) kept as read so nothing is lost on the way back.
public final class Model {
    /// Model-level fields; its `graph` is nil while the graph lives in `graph` below.
    public var proto: ModelProto
    public var graph: Graph

    public init(_ source: ModelProto) {
        var proto = source
        graph = Graph(proto: proto.graph ?? GraphProto())
        proto.graph = nil
        self.proto = proto
        hadGraph = source.graph != nil
    }

    private let hadGraph: Bool

    public func toProto() -> ModelProto {
        var result = proto
        if hadGraph || !graph.nodes.isEmpty || !graph.inputs.isEmpty { result.graph = graph.toProto() }
        return result
    }

    /// "ai.onnx" for "" and "ai.onnx", so both spellings of the default domain match.
    public static func normalize(domain: String) -> String { domain.isEmpty ? "ai.onnx" : domain }

    /// The imported opset version per (normalized) domain.
    public var opsets: [String: Int64] {
        var result: [String: Int64] = [:]
        for entry in proto.opsetImport {
            result[Model.normalize(domain: entry.domain ?? "")] = entry.version ?? 0
        }
        return result
    }

    public func opsetVersion(for domain: String) -> Int64? { opsets[Model.normalize(domain: domain)] }

    /// Sets (or adds) the opset import of a domain.
    public func setOpset(_ domain: String, version: Int64) {
        let key = Model.normalize(domain: domain)
        if let i = proto.opsetImport.firstIndex(where: { Model.normalize(domain: $0.domain ?? "") == key }) {
            proto.opsetImport[i].version = version
        } else {
            proto.opsetImport.append(OperatorSetIdProto(domain: domain == "ai.onnx" ? "" : domain, version: version))
        }
    }

    public func metadata(_ key: String) -> String? {
        proto.metadataProps.first { $0.key == key }?.value
    }

    public func setMetadata(_ key: String, _ value: String) {
        if let i = proto.metadataProps.firstIndex(where: { $0.key == key }) {
            proto.metadataProps[i].value = value
        } else {
            proto.metadataProps.append(StringStringEntryProto(key: key, value: value))
        }
    }
}
