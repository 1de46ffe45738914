import ProtoWire

/// One operator application in a graph. Inputs and outputs change only through the owning
/// graph's edit API, which keeps the producer and consumer indexes right.
public final class Node {
    public var name: String?
    public var opType: String
    /// Whether the proto had an op_type field at all (so an absent one is not written back empty).
    private var hadOpType = true
    public var domain: String?
    public var overload: String?
    public internal(set) var inputs: [String]
    public internal(set) var outputs: [String]
    public var attributes: [Attribute]
    public var docString: String?
    public var metadataProps: [StringStringEntryProto]
    public var deviceConfigurations: [NodeDeviceConfigurationProto]
    public var unknownFields: UnknownFields
    /// The graph the node is in; nil until inserted.
    public internal(set) weak var graph: Graph?

    public init(opType: String, domain: String? = nil, name: String? = nil,
                inputs: [String], outputs: [String], attributes: [Attribute] = []) {
        self.opType = opType
        self.domain = domain
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.metadataProps = []
        self.deviceConfigurations = []
        self.unknownFields = UnknownFields()
    }

    init(proto: NodeProto, parent: Graph) {
        name = proto.name
        opType = proto.opType ?? ""
        hadOpType = proto.opType != nil
        domain = proto.domain
        overload = proto.overload
        inputs = proto.input
        outputs = proto.output
        docString = proto.docString
        metadataProps = proto.metadataProps
        deviceConfigurations = proto.deviceConfigurations
        unknownFields = proto.unknownFields
        attributes = proto.attribute.map { Attribute(proto: $0, parent: parent) }
    }

    public func toProto() -> NodeProto {
        var proto = NodeProto()
        proto.name = name
        proto.opType = opType.isEmpty && !hadOpType ? nil : opType
        proto.domain = domain
        proto.overload = overload
        proto.input = inputs
        proto.output = outputs
        proto.attribute = attributes.map { $0.toProto() }
        proto.docString = docString
        proto.metadataProps = metadataProps
        proto.deviceConfigurations = deviceConfigurations
        proto.unknownFields = unknownFields
        return proto
    }

    /// "ai.onnx" for the default domain, so lookups need not care how it was spelled.
    public var normalizedDomain: String { Model.normalize(domain: domain ?? "") }

    /// The node's name for messages: its name, or its op and first output.
    public var label: String {
        if let name, !name.isEmpty { return name }
        return "\(opType)(\(outputs.first ?? ""))"
    }

    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    public var subgraphs: [Graph] { attributes.flatMap(\.subgraphs) }

    /// Names a subgraph reads from enclosing scopes: inputs the node uses without listing them.
    public var implicitInputs: [String] {
        var seen = Set<String>()
        var result: [String] = []
        for graph in subgraphs {
            for name in graph.outerScopeReferences() where seen.insert(name).inserted { result.append(name) }
        }
        return result
    }
}
