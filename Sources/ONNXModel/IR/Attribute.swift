import ProtoWire

/// A node attribute. Scalar and tensor values stay in the AttributeProto; graph values are
/// lifted into IR graphs so passes can edit subgraphs (If/Loop/Scan bodies) like any graph.
public struct Attribute {
    /// The attribute without its `g` and `graphs` fields, which live in `graph` and `graphs`.
    public var proto: AttributeProto
    public var graph: Graph?
    public var graphs: [Graph]

    init(proto source: AttributeProto, parent: Graph) {
        var proto = source
        graph = proto.g.map { Graph(proto: $0, parent: parent) }
        graphs = proto.graphs.map { Graph(proto: $0, parent: parent) }
        proto.g = nil
        proto.graphs = []
        self.proto = proto
    }

    public init(_ proto: AttributeProto) {
        self.proto = proto
        graph = nil
        graphs = []
    }

    public func toProto() -> AttributeProto {
        var result = proto
        result.g = graph?.toProto()
        result.graphs = graphs.map { $0.toProto() }
        return result
    }

    public var name: String { proto.name ?? "" }
    public var type: AttributeProto.AttributeType? { proto.attributeType }
    public var subgraphs: [Graph] { (graph.map { [$0] } ?? []) + graphs }

    // Typed views, nil when the attribute holds another kind of value.
    public var int: Int64? { proto.i }
    public var float: Float? { proto.f }
    public var ints: [Int64] { proto.ints }
    public var floats: [Float] { proto.floats }
    public var string: String? { proto.s.map { String(decoding: $0.array, as: UTF8.self) } }
    public var strings: [String] { proto.strings.map { String(decoding: $0.array, as: UTF8.self) } }
    public var tensor: TensorProto? { proto.t }
}
