/// The facts `qtool inspect` reports, computed once from a model.
public struct ModelSummary {
    public struct Value {
        public var name: String
        /// Element type name ("float"), or the kind for non-tensor types ("sequence", "map", ...).
        public var elementType: String?
        /// nil when the rank is unknown; each dim a size, a symbolic name, or nil (unknown).
        public var shape: [TensorShapeProto.Dimension.Value?]?
    }

    public struct Parameters {
        public var count = 0
        public var bytesByType: [(type: String, bytes: Int)] = []

        mutating func add(_ tensor: TensorProto) {
            let elements = TensorLayout.elementCount(tensor.dims) ?? 0
            count += elements
            let type = tensor.elementType?.description ?? "type \(tensor.dataType ?? 0)"
            let bytes = tensor.rawData?.count ?? tensor.elementType?.byteCount(elements: elements) ?? 0
            if let i = bytesByType.firstIndex(where: { $0.type == type }) {
                bytesByType[i].bytes += bytes
            } else {
                bytesByType.append((type, bytes))
            }
        }
    }

    public var irVersion: Int64?
    public var producerName: String?
    public var producerVersion: String?
    public var opsets: [(domain: String, version: Int64)]
    public var inputs: [Value]
    public var outputs: [Value]
    /// Op counts of the main graph, in order of first appearance.
    public var opHistogram: [(op: String, count: Int)]
    /// Op counts including every nested subgraph.
    public var opHistogramAll: [(op: String, count: Int)]
    /// Initializers of the main graph and its subgraphs.
    public var parameters: Parameters
    /// Tensors held by Constant nodes (weights some exporters keep there instead).
    public var constants: Parameters
    public var externalDataFiles: [String]
    public var findings: [String]

    public init(_ model: Model) {
        let proto = model.proto
        irVersion = proto.irVersion
        producerName = proto.producerName
        producerVersion = proto.producerVersion
        opsets = proto.opsetImport.map { ($0.domain ?? "", $0.version ?? 0) }
        let graph = model.graph
        inputs = graph.inputs.map(ModelSummary.value)
        outputs = graph.outputs.map(ModelSummary.value)
        opHistogram = ModelSummary.histogram(graph.nodes)
        let allGraphs = [graph] + graph.allSubgraphs
        opHistogramAll = ModelSummary.histogram(allGraphs.flatMap(\.nodes))
        var parameters = Parameters()
        var constants = Parameters()
        for g in allGraphs {
            for tensor in g.initializers { parameters.add(tensor) }
            for node in g.nodes where node.opType == "Constant" && node.normalizedDomain == "ai.onnx" {
                if let tensor = node.attribute("value")?.tensor { constants.add(tensor) }
            }
        }
        self.parameters = parameters
        self.constants = constants
        externalDataFiles = model.toProto().externalDataLocations()
        findings = Validator.validate(model)
    }

    static func value(_ info: ValueInfoProto) -> Value {
        var result = Value(name: info.name ?? "", elementType: nil, shape: nil)
        switch info.type?.value {
        case .tensor(let tensor), .sparseTensor(let tensor):
            result.elementType = tensor.elemType.map { DataType(rawValue: $0)?.description ?? "type \($0)" }
            result.shape = tensor.shape.map { $0.dim.map(\.value) }
        case .sequence: result.elementType = "sequence"
        case .map: result.elementType = "map"
        case .optional: result.elementType = "optional"
        case .opaque: result.elementType = "opaque"
        case nil: break
        }
        return result
    }

    static func histogram(_ nodes: [Node]) -> [(op: String, count: Int)] {
        var result: [(op: String, count: Int)] = []
        var position: [String: Int] = [:]
        for node in nodes {
            let op = node.normalizedDomain == "ai.onnx" ? node.opType : "\(node.normalizedDomain).\(node.opType)"
            if let i = position[op] {
                result[i].count += 1
            } else {
                position[op] = result.count
                result.append((op, 1))
            }
        }
        return result
    }
}
