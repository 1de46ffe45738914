import ONNXModel
import Runtime

/// Shape and type inference over a whole model, subgraphs included, with symbolic dims.
///
/// Each node's outputs come from, in order: running the node when all its inputs are small
/// known values (shape arithmetic such as Shape → Gather → Concat becomes concrete), the op's
/// shape rule, or nothing (a warning names the node; inference continues). Results are
/// written as value_info, and graph outputs gain what their declarations left out.
public struct ShapeInference {
    public struct Options {
        /// Slice ends at or above this mean "to the end" (onnxruntime's `--int_max`).
        public var intMax = Int(Int32.max)
        /// For ops without a rule, give outputs the rank of the first input (`--guess_output_rank`).
        public var guessOutputRank = false
        public init() {}
    }

    public struct Report {
        /// One line per node whose outputs could not be inferred.
        public var warnings: [String] = []
        /// One line per node whose inputs contradict its op (a matrix product whose inner dims
        /// differ, dims that do not broadcast): the model cannot run as written.
        public var contradictions: [String] = []
        /// Node outputs over all graphs, and how many ended with a known rank, with every dim
        /// known or symbolic, and with every dim a concrete size.
        public var tensors = 0, rankKnown = 0, fullyKnown = 0, concrete = 0
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// `run`, refusing a model with a contradiction: a node whose inputs its op cannot take
    /// (the first one is named), since such a model cannot run as written.
    @discardableResult
    public func runRefusingContradictions(on model: Model) throws -> Report {
        let report = run(on: model)
        if let contradiction = report.contradictions.first { throw ModelError.invalidGraph(contradiction) }
        return report
    }

    /// Infers every graph of the model and writes the results as value_info.
    @discardableResult
    public func run(on model: Model) -> Report {
        let run = InferenceRun(opsets: model.opsets, options: options)
        _ = run.infer(model.graph, inputs: nil, outer: [:])
        return run.report
    }
}

/// One inference over a model: the facts by name per graph scope, the report, fresh symbols.
final class InferenceRun {
    let opsets: [String: Int64]
    let options: ShapeInference.Options
    let symbols = SymbolSource()
    var report = ShapeInference.Report()

    /// Values bigger than this are not computed during inference (they are weights, not shapes).
    static let evaluationLimit = 1 << 16

    init(opsets: [String: Int64], options: ShapeInference.Options) {
        self.opsets = opsets
        self.options = options
    }

    /// Infers `graph` and returns the facts of its outputs. `inputs` overrides what the graph
    /// declares for its inputs (subgraphs); `outer` holds the enclosing graphs' facts.
    func infer(_ graph: Graph, inputs: [TensorFact]?, outer: [String: TensorFact]) -> [TensorFact] {
        var facts = outer
        for (index, info) in graph.inputs.enumerated() {
            let name = info.name ?? ""
            // An input dim with neither size nor name is still one value throughout the run.
            let declared = TensorFact(declared: info.type) { axis in SymbolicDim(symbol: "\(name)_dim\(axis)") }
            facts[name] = inputs.map { index < $0.count ? $0[index].refined(with: declared) : declared } ?? declared
        }
        for tensor in graph.initializers where !graph.isGraphInput(tensor.name ?? "") {
            facts[tensor.name ?? ""] = Self.fact(of: tensor)
        }
        let declared = Dictionary(graph.valueInfo.map { ($0.name ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for node in graph.nodes {
            let outputs = inferNode(node, facts: facts)
            for (name, fact) in zip(node.outputs, outputs) where !name.isEmpty {
                facts[name] = declared[name].map { fact.refined(with: TensorFact(declared: $0.type)) } ?? fact
            }
        }
        write(facts, into: graph, declared: declared)
        return graph.outputs.map { facts[$0.name ?? ""] ?? .unknown }
    }

    static func fact(of tensor: TensorProto) -> TensorFact {
        let count = tensor.dims.reduce(1) { $0 * Int(max($1, 0)) }
        if count <= evaluationLimit, let value = try? Tensor(proto: tensor) { return TensorFact(value: value) }
        return TensorFact(type: tensor.dataType.flatMap { DataType(rawValue: $0) }, shape: tensor.dims.map { SymbolicDim(Int($0)) })
    }

    private func inferNode(_ node: Node, facts: [String: TensorFact]) -> [TensorFact] {
        let inputs = node.inputs.map { $0.isEmpty ? TensorFact.unknown : facts[$0] ?? .unknown }
        let domain = node.normalizedDomain
        let opset = Int(opsets[domain] ?? 0)
        if let evaluated = evaluate(node, opset: opset, inputs: inputs) { return evaluated }
        var context = ShapeContext(node: node, opset: opset, inputs: inputs,
                                   outputs: Array(repeating: .unknown, count: node.outputs.count),
                                   symbols: symbols, inferSubgraph: { [unowned self] graph, subInputs in
                                       self.infer(graph, inputs: subInputs, outer: facts)
                                   }, options: options)
        guard let rule = ShapeRules.rule(op: node.opType, domain: domain) else {
            warn(node, "no shape rule for \(domain).\(node.opType)")
            return guessed(node, inputs)
        }
        do {
            try rule(&context)
        } catch let error as ShapeError where !error.isLimitation {
            report.contradictions.append("node '\(node.label)' (\(node.opType)): \(error)")
            return Array(repeating: .unknown, count: node.outputs.count)
        } catch {
            warn(node, "\(error)")
            return Array(repeating: .unknown, count: node.outputs.count)
        }
        return context.outputs
    }

    /// The outputs computed by the interpreter's kernel when every input is a small known value.
    private func evaluate(_ node: Node, opset: Int, inputs: [TensorFact]) -> [TensorFact]? {
        guard node.subgraphs.isEmpty, !node.inputs.isEmpty || node.opType == "Constant" else { return nil }
        var values: [Tensor?] = []
        for (name, fact) in zip(node.inputs, inputs) {
            if name.isEmpty { values.append(nil); continue }
            guard let value = fact.value, value.count <= Self.evaluationLimit else { return nil }
            values.append(value)
        }
        guard NodeEvaluator.supports(node, opset: opset),
              let outputs = try? NodeEvaluator.evaluate(node, opset: opset, inputs: values),
              outputs.allSatisfy({ ($0?.count ?? 0) <= Self.evaluationLimit }) else { return nil }
        return node.outputs.indices.map { i in i < outputs.count ? outputs[i].map(TensorFact.init(value:)) ?? .unknown : .unknown }
    }

    /// For an op without a rule: nothing, or with `--guess-output-rank` the first input's type and rank.
    private func guessed(_ node: Node, _ inputs: [TensorFact]) -> [TensorFact] {
        guard options.guessOutputRank, let first = inputs.first, let rank = first.rank else {
            return Array(repeating: .unknown, count: node.outputs.count)
        }
        return node.outputs.map { _ in TensorFact(type: first.type, shape: Array(repeating: nil, count: rank)) }
    }

    private func warn(_ node: Node, _ message: String) {
        report.warnings.append("node '\(node.label)' (\(node.opType)): \(message); its outputs are left unknown")
    }

    /// value_info for every node output that is not a graph output; graph outputs refined in place.
    private func write(_ facts: [String: TensorFact], into graph: Graph, declared: [String: ValueInfoProto]) {
        var infos: [ValueInfoProto] = []
        var written = Set<String>()
        for node in graph.nodes {
            for name in node.outputs where !name.isEmpty && !graph.isGraphOutput(name) && written.insert(name).inserted {
                let fact = facts[name] ?? .unknown
                count(fact)
                if let type = fact.typeProto {
                    infos.append(ValueInfoProto(name: name, type: type))
                } else if let old = declared[name] {
                    infos.append(old)
                }
            }
        }
        graph.valueInfo = infos
        for index in graph.outputs.indices {
            let name = graph.outputs[index].name ?? ""
            // What the model declares for its outputs wins; inference only fills the gaps.
            let fact = TensorFact(declared: graph.outputs[index].type).refined(with: facts[name] ?? .unknown)
            count(fact)
            if let type = fact.typeProto { graph.outputs[index].type = type }
        }
    }

    private func count(_ fact: TensorFact) {
        report.tensors += 1
        if fact.rank != nil { report.rankKnown += 1 }
        if fact.hasFullShape { report.fullyKnown += 1 }
        if fact.concreteShape != nil { report.concrete += 1 }
    }
}
