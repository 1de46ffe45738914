import ONNXModel
import Passes

/// `quantize-dynamic` end to end: weights quantized ahead of time, activations at run time by
/// DynamicQuantizeLinear (or inside the com.microsoft op), laid out as onnxruntime's
/// quantize_dynamic lays them out so the two can be compared tensor by tensor.
public struct DynamicQuantizer {
    public struct Configuration {
        public var options = DynamicQuantizationOptions()
        /// Called after each graph is rewritten with (graphs done, total).
        public var progress: ((Int, Int) -> Void)?
        /// One line per note worth a user's attention.
        public var notice: ((String) -> Void)?

        public init() {}
    }

    public struct Report {
        public var quantizedTensors = 0
        public var nodesBefore = 0
        public var nodesAfter = 0
        public var opset = 0
        /// Rewritten nodes per op type.
        public var rewrites: [String: Int] = [:]
        public var tensorMap: [String: TensorMap.Entry] = [:]
    }

    /// DynamicQuantizeLinear's first opset.
    static let minimumOpset = 11

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func quantize(_ model: Model) throws -> Report {
        var report = Report()
        report.nodesBefore = model.graph.nodes.count
        try normalize(model)
        report.opset = try OpsetRequirement.raise(model, to: Self.minimumOpset)
        let names = NameAllocator(model)
        let origins = try GemmToMatMul(names: names, options: configuration.options).run(on: model)
        ShapeInference().run(on: model)
        let tensorMap = TensorMap()
        let rewriter = DynamicRewriter(model: model, options: configuration.options, tensorMap: tensorMap,
                                       origins: origins, names: names)
        try rewriteGraphs(model, rewriter)
        removeReplacedInitializers(rewriter)
        for graph in [model.graph] + model.graph.allSubgraphs { try graph.sortTopologically() }
        if rewriter.rewrites.keys.contains(where: { ["LSTM", "Attention"].contains($0) }), model.opsetVersion(for: "com.microsoft") == nil {
            model.setOpset("com.microsoft", version: 1)
        }
        model.setMetadata(TensorMap.metadataKey, try tensorMap.json())
        report.quantizedTensors = tensorMap.entries.count
        report.tensorMap = tensorMap.entries
        report.rewrites = rewriter.rewrites
        report.nodesAfter = model.graph.nodes.count
        return report
    }

    /// Only what makes weights visible as weights: Constant nodes become initializers and
    /// nodes computing from constants alone are folded (silero's LSTM weights are sliced from
    /// constants on every call). The other passes of `preprocess` (BatchNormalization folding,
    /// fusions) would change the weights themselves, and then no longer compare with
    /// onnxruntime's output on the same model.
    private func normalize(_ model: Model) throws {
        if model.metadata("onnx.quant.pre_process") != "qtool" {
            try ShapeInference().runRefusingContradictions(on: model)
            let changed = try PassManager([ConstantToInitializerPass(), ConstantFoldingPass(), DeadCodeEliminationPass()]).run(on: model)
            if !changed.isEmpty { configuration.notice?("moved weights held in Constant nodes (or computed from them) into initializers") }
        }
        ShapeInference().run(on: model)
    }

    /// Progress counts the nodes that have a rule, over every graph.
    private func rewriteGraphs(_ model: Model, _ rewriter: DynamicRewriter) throws {
        let total = ([model.graph] + model.graph.allSubgraphs).reduce(0) { $0 + $1.nodes.filter { DynamicRules.rule(for: $0) != nil }.count }
        var done = 0
        rewriter.visited = {
            done += 1
            configuration.progress?(done, total)
        }
        try rewriter.rewrite(model.graph)
    }

    /// As onnxruntime's clean_initializers, but only for the floats it replaced: a float weight
    /// goes once no graph reads it.
    private func removeReplacedInitializers(_ rewriter: DynamicRewriter) {
        for (graph, names) in rewriter.replacedInitializers.values {
            let unread = names.filter { !graph.isUsed($0) && !graph.isGraphInput($0) }
            graph.removeInitializers(named: Set(unread))
        }
    }
}
