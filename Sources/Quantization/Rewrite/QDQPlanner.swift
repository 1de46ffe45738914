import ONNXModel
import Passes

/// What a static quantization of a model will do, decided before calibration: per graph (the
/// main graph and every If/Loop/Scan body) the marks its op rules left.
public struct QDQPlan {
    public let graphs: [QDQMarks]

    /// Every tensor calibration must measure, over all graphs, in plan order.
    public var calibratedTensors: [String] {
        var seen = Set<String>()
        return graphs.flatMap(\.calibratedTensors).filter { seen.insert($0).inserted }
    }
}

public enum QDQPlanner {
    /// Visits every node of every graph in order and applies its op's rule, as onnxruntime's
    /// QDQ quantizer does on the main graph (it never enters subgraphs; qtool does, so models
    /// whose compute sits inside If branches are quantized too).
    public static func plan(_ model: Model, options: QuantizationOptions) -> QDQPlan {
        let names = NameAllocator(model)
        var graphs: [QDQMarks] = []
        for graph in [model.graph] + model.graph.allSubgraphs {
            let marks = QDQMarks(graph: graph)
            let marker = QDQMarker(graph: graph, marks: marks, options: options, names: names)
            let candidates = graph.nodes.filter { options.shouldQuantize($0.opType, name: $0.name ?? "") && QDQRules.rule(for: $0) != nil }
            let chosen = options.quantizeIsolatedOps ? candidates : connected(candidates, in: graph)
            for node in chosen { QDQRules.rule(for: node)?(marker, node) }
            graphs.append(marks)
        }
        return QDQPlan(graphs: graphs)
    }

    /// Ops with weights: worth quantizing wherever they are.
    static let anchors: Set<String> = ["Conv", "ConvTranspose", "Gemm", "MatMul"]

    /// The candidates that touch quantized compute: anchors, and cheap ops (Add, Concat,
    /// Reshape...) linked to an anchor through other candidates. A cheap op between float ops
    /// gains no integer kernel and only adds rounding (an Add of squared magnitudes before a
    /// Sqrt loses most of its small values to one 8-bit step), so it stays float, and so does a
    /// chain of them (Mul → Add); onnxruntime quantizes them anyway.
    static func connected(_ candidates: [Node], in graph: Graph) -> [Node] {
        let isCandidate = Set(candidates.map(ObjectIdentifier.init))
        var pending = candidates.filter { anchors.contains($0.opType) }
        var chosen = Set(pending.map(ObjectIdentifier.init))
        while let node = pending.popLast() {
            for neighbour in neighbours(of: node, in: graph) where isCandidate.contains(ObjectIdentifier(neighbour)) {
                if chosen.insert(ObjectIdentifier(neighbour)).inserted { pending.append(neighbour) }
            }
        }
        return candidates.filter { chosen.contains(ObjectIdentifier($0)) }
    }

    /// The nodes that write this node's inputs or read its outputs, in the same graph.
    private static func neighbours(of node: Node, in graph: Graph) -> [Node] {
        let producers = node.inputs.filter { !$0.isEmpty }.compactMap(graph.producer(of:))
        let consumers = node.outputs.filter { !$0.isEmpty }.flatMap(graph.consumers(of:))
        return (producers + consumers).filter { $0 !== node }
    }
}
