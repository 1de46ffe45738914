import ONNXModel

/// Removes `Identity` nodes and inference-mode `Dropout` nodes, pointing their readers at what
/// they pass through. A graph output keeps its name: the producer of the passed value then
/// writes it directly, or, when nothing may be renamed, the node stays.
public struct IdentityEliminationPass: GraphPass {
    public let name = "identity-elimination"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        let opset = model.opsetVersion(for: "") ?? 0
        return GraphTraversal.rewriteNodes(in: model) { node, graph in
            guard Self.passesThrough(node, in: graph, opset: opset),
                  graph.bypass(node, from: node.inputs[0], to: node.outputs[0]) else { return false }
            report?.note("removed \(node.described)", in: graph)
            return true
        }
    }

    /// Whether the node's first output is its first input, unchanged, and any other output
    /// goes unread.
    static func passesThrough(_ node: Node, in graph: Graph, opset: Int64) -> Bool {
        guard node.normalizedDomain == "ai.onnx", node.input(0) != nil, !node.outputs.isEmpty, !node.outputs[0].isEmpty else {
            return false
        }
        switch node.opType {
        case "Identity":
            return node.outputs.count == 1
        case "Dropout":
            let maskUnread = node.outputs.count < 2 || !graph.isUsed(node.outputs[1])
            return maskUnread && isInferenceMode(node, in: graph, opset: opset)
        default:
            return false
        }
    }

    /// Dropout before opset 12 is a pass-through outside training (before 7, unless is_test
    /// says it trains); from 12 on only when training_mode is absent or a constant false.
    private static func isInferenceMode(_ node: Node, in graph: Graph, opset: Int64) -> Bool {
        if node.attribute("is_test")?.int == 0 { return false }
        guard opset >= 12, let trainingMode = node.input(2) else { return true }
        guard let flag = graph.constantTensor(named: trainingMode), flag.count == 1 else { return false }
        return flag.integers() == [0]
    }
}
