import ONNXModel

/// Upsample is deprecated from opset 10 on and many tools (the quantizer's QDQ rules among them)
/// know only Resize. A model below opset 11 that uses Upsample moves to opset 11: every node
/// whose schema changed on the way is rewritten (Upsample and Resize-10 as Resize-11 with
/// asymmetric coordinates, Slice/Pad/Clip/TopK attributes as inputs, ...). When any such node
/// has no faithful opset-11 form, nothing changes and the report says why.
public struct UpsampleToResizePass: GraphPass {
    public let name = "upsample-to-resize"
    public var report: PassReport?

    static let targetOpset: Int64 = 11
    /// Opset 11 needs IR version 6 (onnx.helper.VERSION_TABLE).
    static let targetIRVersion: Int64 = 6

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        guard let opset = model.opsetVersion(for: ""), opset < Self.targetOpset else { return false }
        let nodes = ([model.graph] + model.graph.allSubgraphs).flatMap { graph in
            graph.nodes.filter { $0.normalizedDomain == "ai.onnx" }.map { (graph: graph, node: $0) }
        }
        guard nodes.contains(where: { $0.node.opType == "Upsample" }) else { return false }
        guard opset >= 7 else {
            report?.note("kept opset \(opset) and its Upsample nodes: upgrading from below opset 7 is not supported")
            return false
        }
        let upgrade = OpsetUpgrade(from: opset, names: NameAllocator(model))
        var rewrites: [(node: Node, graph: Graph, what: String, edit: () -> Void)] = []
        var blockers: [String] = []
        for (graph, node) in nodes
        where node.opType == "Upsample" || OpsetHistory.changes(node.opType, from: opset, to: Self.targetOpset) {
            switch upgrade.step(for: node, in: graph) {
            case .unchanged: break
            case .rewrite(let what, let edit): rewrites.append((node, graph, what, edit))
            case .blocked(let reason): blockers.append("\(node.described): \(reason)")
            }
        }
        guard blockers.isEmpty else {
            report?.note("kept opset \(opset) and its Upsample nodes: " + blockers.joined(separator: "; "))
            return false
        }
        for rewrite in rewrites {
            let label = rewrite.node.described
            rewrite.edit()
            report?.note("rewrote \(label): \(rewrite.what)", in: rewrite.graph)
        }
        model.setOpset("", version: Self.targetOpset)
        report?.note("raised the ai.onnx opset from \(opset) to \(Self.targetOpset)")
        IRVersion.raise(model, to: Self.targetIRVersion, for: "opset \(Self.targetOpset)", report: report)
        return true
    }
}
