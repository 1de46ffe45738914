import ONNXModel
import Runtime

/// Evaluates nodes whose inputs are all constants with the interpreter's kernels and stores
/// their outputs as initializers. `Shape` and `Size` fold too when their input's shape is
/// fully known (shape inference has written it into value_info by then).
public struct ConstantFoldingPass: GraphPass {
    public let name = "constant-folding"
    public var report: PassReport?
    /// Outputs above this many bytes stay computed unless they are no larger than the inputs
    /// (an Expand or a Tile would otherwise bloat the file).
    public var outputBytesLimit: Int

    public init(report: PassReport? = nil, outputBytesLimit: Int = 1 << 20) {
        self.report = report
        self.outputBytesLimit = outputBytesLimit
    }

    /// Ops never folded: random ones, Dropout (identity elimination handles its inference
    /// form), Constant (its own pass), and quantize/dequantize pairs on weights, which the
    /// quantizer reads as they are.
    static let kept: Set<String> = [
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
        "Dropout", "Constant", "QuantizeLinear", "DequantizeLinear",
    ]

    public func run(on model: Model) throws -> Bool {
        let changed = GraphTraversal.apply(to: model, order: .enclosingFirst) { graph in
            var folded = FoldedValues()
            var doomed: [Node] = []
            for node in graph.nodes where isCandidate(node, in: graph) {
                guard let outputs = foldedOutputs(of: node, in: graph, model: model, folded: folded) else { continue }
                doomed.append(node)
                outputs.forEach { folded.add($0.name, $0.value) }
                let names = outputs.map(\.name).joined(separator: ", ")
                report?.note("folded \(node.described) into initializer \(names)", in: graph)
            }
            // In one sweep: removing nodes one by one costs a pass over the graph each.
            graph.remove(doomed)
            for (name, value) in folded.values { graph.setInitializer(value.toProto(name: name)) }
            return !doomed.isEmpty
        }
        if changed { IRVersion.allowConstantInitializers(model, report: report) }
        return changed
    }

    /// Whether folding may replace the node: a deterministic op without subgraphs that reads
    /// something, none of whose outputs the graph returns (it would become an initializer that
    /// is a graph output).
    private func isCandidate(_ node: Node, in graph: Graph) -> Bool {
        !Self.kept.contains(node.opType) && node.subgraphs.isEmpty && node.inputs.contains { !$0.isEmpty }
            && node.outputs.contains { !$0.isEmpty } && !node.outputs.contains(where: graph.isGraphOutput)
    }

    /// Values folded in the current sweep of a graph, which become initializers at its end.
    private struct FoldedValues {
        private(set) var values: [(name: String, value: Tensor)] = []
        private var index: [String: Tensor] = [:]

        mutating func add(_ name: String, _ value: Tensor) {
            values.append((name, value))
            index[name] = value
        }

        subscript(name: String) -> Tensor? { index[name] }
    }

    /// The node's named outputs, computed now; nil when they cannot or should not be.
    private func foldedOutputs(of node: Node, in graph: Graph, model: Model,
                               folded: FoldedValues) -> [(name: String, value: Tensor)]? {
        let knownShape = node.input(0).flatMap { folded[$0]?.shape ?? graph.concreteShape(of: $0) }
        if let shape = knownShape, let value = Self.shapeValue(of: node, inputShape: shape) {
            return [(node.outputs[0], value)]
        }
        guard let opset = model.opsetVersion(for: node.domain ?? ""), NodeEvaluator.supports(node, opset: Int(opset)) else {
            return nil
        }
        var inputs: [Tensor?] = []
        for name in node.inputs {
            guard !name.isEmpty else { inputs.append(nil); continue }
            guard let tensor = folded[name] ?? graph.constantTensor(named: name) else { return nil }
            inputs.append(tensor)
        }
        guard let results = try? NodeEvaluator.evaluate(node, opset: Int(opset), inputs: inputs) else { return nil }
        var outputs: [(name: String, value: Tensor)] = []
        for (i, name) in node.outputs.enumerated() where !name.isEmpty {
            guard i < results.count, let value = results[i] else { return nil }
            outputs.append((name, value))
        }
        let inputBytes = inputs.reduce(0) { $0 + ($1?.byteCount ?? 0) }
        let outputBytes = outputs.reduce(0) { $0 + $1.value.byteCount }
        return outputBytes <= max(inputBytes, outputBytesLimit) ? outputs : nil
    }

    /// The value of a Shape or Size node whose input has this fully known shape (from concrete
    /// value_info, a graph input's declared shape, or a constant's dims).
    static func shapeValue(of node: Node, inputShape shape: [Int]) -> Tensor? {
        guard node.isDefault("Shape") || node.isDefault("Size"), node.outputs.count == 1 else { return nil }
        let dims = shape.map(Int64.init)
        if node.opType == "Size" { return Tensor(scalar: dims.reduce(1, *)) }
        let selected = slice(dims, start: node.attribute("start")?.int ?? 0, end: node.attribute("end")?.int)
        return Tensor(selected, shape: [selected.count])
    }

    /// Shape-15's start/end: negative values count from the end, both clamp to [0, rank].
    private static func slice(_ dims: [Int64], start: Int64, end: Int64?) -> [Int64] {
        let rank = Int64(dims.count)
        func clamp(_ value: Int64) -> Int { Int(min(max(value < 0 ? value + rank : value, 0), rank)) }
        let (from, to) = (clamp(start), clamp(end ?? rank))
        return from < to ? Array(dims[from..<to]) : []
    }
}
