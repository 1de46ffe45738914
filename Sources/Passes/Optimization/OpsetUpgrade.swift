import ONNXModel

/// Raises a model's ai.onnx opset (from 7 or later, to at most 21), rewriting every node whose
/// operator got a new version on the way so that it computes what it computed before: the
/// quantizer needs 13 for per-axis DequantizeLinear and 21 for 16-bit Q/DQ.
///
/// Every node of the main graph and of every If/Loop/Scan body (they share the model's opset
/// import) is planned first; when any node cannot move, nothing is edited and the outcome
/// names each such node and why.
public struct OpsetUpgrade {
    /// What `upgrade` did.
    public enum Outcome: Equatable {
        /// The model already imports the target opset or a newer one: nothing changed.
        case alreadyThere
        /// The opset was raised from this version; changed nodes were rewritten.
        case upgraded(from: Int)
        /// Nothing changed. Each line names a node (or the model) and why it cannot move.
        case refused([String])
    }

    /// Older opsets had experimental ops and other semantics no adapter covers.
    public static let oldestSource = 7
    public static let newestTarget = OpsetHistory.newest

    /// Raises the ai.onnx opset of `model` to `target`, noting each rewrite in `report`.
    /// A refusal is returned, not noted: the caller knows what it wanted the upgrade for.
    /// Throws when `target` is outside `oldestSource + 1 ... newestTarget`.
    @discardableResult
    public static func upgrade(_ model: Model, to target: Int, report: PassReport? = nil) throws -> Outcome {
        guard target > oldestSource, target <= newestTarget else {
            throw ModelError.unsupported("cannot raise the ai.onnx opset to \(target): "
                                         + "qtool upgrades to opsets \(oldestSource + 1) through \(newestTarget)")
        }
        guard let source = model.opsetVersion(for: "").map(Int.init) else {
            return .refused(["the model imports no ai.onnx opset"])
        }
        guard source < target else { return .alreadyThere }
        guard source >= oldestSource else { return .refused(["upgrading from below opset \(oldestSource) is not supported"]) }
        let plan = UpgradePlan(model, from: source, to: target)
        guard plan.blockers.isEmpty else { return .refused(plan.blockers) }
        plan.apply(report: report)
        model.setOpset("", version: Int64(target))
        report?.note("raised the ai.onnx opset from \(source) to \(target)")
        IRVersion.raise(model, to: IRVersion.minimum(forOpset: target), for: "opset \(target)", report: report)
        return .upgraded(from: source)
    }
}

/// The rewrites an upgrade needs, found before anything is edited so that a refused upgrade
/// leaves the model exactly as it was.
private struct UpgradePlan {
    private var rewrites: [(node: Node, graph: Graph, what: String, edit: () -> Void)] = []
    private(set) var blockers: [String] = []

    init(_ model: Model, from source: Int, to target: Int) {
        blockers = Self.untouchedBlockers(model, from: source, to: target)
        let adapters = OpsetAdapters(from: source, to: target, names: NameAllocator(model), types: UpgradeTypes(model))
        for graph in [model.graph] + model.graph.allSubgraphs {
            for node in graph.nodes where node.normalizedDomain == "ai.onnx" {
                switch adapters.step(for: node, in: graph) {
                case .unchanged: break
                case .rewrite(let what, let edit): rewrites.append((node, graph, what, edit))
                case .blocked(let reason): blockers.append(Self.locate("\(node.described): \(reason)", in: graph))
                }
            }
        }
    }

    func apply(report: PassReport?) {
        for rewrite in rewrites {
            // The label first: an edit may rename the node's op (Upsample becomes Resize).
            let label = rewrite.node.described
            rewrite.edit()
            report?.note("rewrote \(label): \(rewrite.what)", in: rewrite.graph)
        }
    }

    /// Nodes outside the graph IR are not rewritten: bodies of model-local functions (which keep
    /// their own ai.onnx import, and the onnx checker requires it to mean the same operators as
    /// the model's) and training_info graphs. One whose op changes on the way blocks the upgrade.
    private static func untouchedBlockers(_ model: Model, from source: Int, to target: Int) -> [String] {
        var blockers = model.proto.functions.compactMap { function -> String? in
            let imported = function.opsetImport.first { Model.normalize(domain: $0.domain ?? "") == "ai.onnx" }
            guard let version = imported?.version else { return nil }
            return changingOp(in: function.node, from: Int(version), to: target).map {
                "local function '\(function.name ?? "")' has a \($0) node that changes by opset \(target); "
                    + "function bodies are not upgraded"
            }
        }
        let training = model.proto.trainingInfo.flatMap { ($0.initialization?.node ?? []) + ($0.algorithm?.node ?? []) }
        if let op = changingOp(in: training, from: source, to: target) {
            blockers.append("training_info has a \(op) node that changes by opset \(target); training graphs are not upgraded")
        }
        return blockers
    }

    /// The first ai.onnx op among `nodes` and the nodes of their subgraphs that gets a new
    /// version between the two opsets.
    private static func changingOp(in nodes: [NodeProto], from version: Int, to target: Int) -> String? {
        for node in nodes {
            if Model.normalize(domain: node.domain ?? "") == "ai.onnx",
               !OpsetHistory.updates(of: node.opType ?? "", from: version, to: target).isEmpty {
                return node.opType
            }
            for attribute in node.attribute {
                let bodies = (attribute.g.map { [$0] } ?? []) + attribute.graphs
                if let op = bodies.lazy.compactMap({ changingOp(in: $0.node, from: version, to: target) }).first { return op }
            }
        }
        return nil
    }

    private static func locate(_ message: String, in graph: Graph) -> String {
        graph.parent == nil ? message : "\(message) (in subgraph '\(graph.name ?? "")')"
    }
}
