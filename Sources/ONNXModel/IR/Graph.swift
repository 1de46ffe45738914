import ProtoWire

/// A graph that passes edit: nodes in topological order, initializers by name, and indexes of
/// which node produces and which nodes consume each tensor. Subgraphs (If/Loop/Scan bodies) are
/// Graphs too, with `parent` pointing at the enclosing graph for outer-scope names.
public final class Graph {
    public var name: String?
    public var docString: String?
    public var inputs: [ValueInfoProto]
    public var outputs: [ValueInfoProto]
    public var valueInfo: [ValueInfoProto]
    public var sparseInitializers: [SparseTensorProto]
    public var quantizationAnnotation: [TensorAnnotation]
    public var metadataProps: [StringStringEntryProto]
    public var unknownFields: UnknownFields
    public internal(set) weak var parent: Graph?

    public internal(set) var nodes: [Node] = [] { didSet { positionCache = nil } }
    private var positionCache: [ObjectIdentifier: Int]?
    public internal(set) var initializers: [TensorProto]
    var initializerIndex: [String: Int] = [:]
    var producers: [String: Node] = [:]
    var consumerIndex: [String: [ObjectIdentifier: Node]] = [:]

    public init(name: String? = nil, parent: Graph? = nil) {
        self.name = name
        self.parent = parent
        inputs = []
        outputs = []
        valueInfo = []
        initializers = []
        sparseInitializers = []
        quantizationAnnotation = []
        metadataProps = []
        unknownFields = UnknownFields()
    }

    public init(proto: GraphProto, parent: Graph? = nil) {
        self.parent = parent
        name = proto.name
        docString = proto.docString
        inputs = proto.input
        outputs = proto.output
        valueInfo = proto.valueInfo
        initializers = proto.initializer
        sparseInitializers = proto.sparseInitializer
        quantizationAnnotation = proto.quantizationAnnotation
        metadataProps = proto.metadataProps
        unknownFields = proto.unknownFields
        nodes = proto.node.map { Node(proto: $0, parent: self) }
        for node in nodes { node.graph = self }
        reindex()
    }

    public func toProto() -> GraphProto {
        var proto = GraphProto()
        proto.node = nodes.map { $0.toProto() }
        proto.name = name
        proto.initializer = initializers
        proto.docString = docString
        proto.input = inputs
        proto.output = outputs
        proto.valueInfo = valueInfo
        proto.quantizationAnnotation = quantizationAnnotation
        proto.sparseInitializer = sparseInitializers
        proto.metadataProps = metadataProps
        proto.unknownFields = unknownFields
        return proto
    }

    // MARK: Lookups

    /// The node whose output `name` is, in this graph (not enclosing ones).
    public func producer(of name: String) -> Node? { producers[name] }

    /// Nodes of this graph that read `name`, explicitly or from inside one of their subgraphs,
    /// in graph order.
    public func consumers(of name: String) -> [Node] {
        guard let found = consumerIndex[name] else { return [] }
        let positions = nodePositions()
        return found.values.sorted { positions[ObjectIdentifier($0)]! < positions[ObjectIdentifier($1)]! }
    }

    public func initializer(named name: String) -> TensorProto? {
        initializerIndex[name].map { initializers[$0] }
    }

    public func isGraphInput(_ name: String) -> Bool { inputs.contains { $0.name == name } }
    public func isGraphOutput(_ name: String) -> Bool { outputs.contains { $0.name == name } }

    public func valueInfo(named name: String) -> ValueInfoProto? {
        valueInfo.first { $0.name == name } ?? inputs.first { $0.name == name } ?? outputs.first { $0.name == name }
    }

    public func index(of node: Node) -> Int? { nodePositions()[ObjectIdentifier(node)] }

    private func nodePositions() -> [ObjectIdentifier: Int] {
        if let positionCache { return positionCache }
        var positions: [ObjectIdentifier: Int] = [:]
        for (i, node) in nodes.enumerated() { positions[ObjectIdentifier(node)] = i }
        positionCache = positions
        return positions
    }

    /// Names defined in this graph itself: inputs, initializers and node outputs.
    public var definedNames: Set<String> {
        var names = Set(inputs.compactMap(\.name))
        names.formUnion(initializers.compactMap(\.name))
        names.formUnion(sparseInitializers.compactMap { $0.values?.name })
        for node in nodes { names.formUnion(node.outputs.filter { !$0.isEmpty }) }
        return names
    }

    /// Names this graph (or a graph nested in it) reads but does not define: they come from an
    /// enclosing scope.
    public func outerScopeReferences() -> [String] {
        let defined = definedNames
        var seen = Set<String>()
        var result: [String] = []
        func note(_ name: String) {
            if !name.isEmpty, !defined.contains(name), seen.insert(name).inserted { result.append(name) }
        }
        for node in nodes {
            node.inputs.forEach(note)
            node.implicitInputs.forEach(note)
        }
        outputs.compactMap(\.name).forEach(note)
        return result
    }

    /// Every graph nested below this one, depth first.
    public var allSubgraphs: [Graph] {
        nodes.flatMap { $0.subgraphs.flatMap { [$0] + $0.allSubgraphs } }
    }

    // MARK: Indexes

    /// Rebuilds the producer, consumer and initializer indexes from scratch.
    public func reindex() {
        producers = [:]
        consumerIndex = [:]
        initializerIndex = [:]
        for (i, tensor) in initializers.enumerated() where tensor.name != nil {
            initializerIndex[tensor.name!] = i
        }
        for node in nodes { index(node) }
    }

    func index(_ node: Node) {
        for output in node.outputs where !output.isEmpty { producers[output] = node }
        for input in node.inputs + node.implicitInputs where !input.isEmpty {
            consumerIndex[input, default: [:]][ObjectIdentifier(node)] = node
        }
    }

    func unindex(_ node: Node) {
        for output in node.outputs where producers[output] === node { producers[output] = nil }
        for input in node.inputs + node.implicitInputs where !input.isEmpty {
            consumerIndex[input]?[ObjectIdentifier(node)] = nil
            if consumerIndex[input]?.isEmpty == true { consumerIndex[input] = nil }
        }
    }
}
