import ONNXModel

/// One node ready to run: its kernel and the slots it reads, writes and frees afterwards.
final class Step {
    let node: Node
    let kernel: OpKernel
    let inputs: [Int?]
    let outputs: [Int?]
    var release: [Int] = []
    /// Set when the activation that reads this step's output is folded into it (unobserved runs).
    var fusion: ActivationFusion.Fused?
    /// Set on that activation: unobserved runs skip it.
    var fusedAway = false

    init(node: Node, kernel: OpKernel, inputs: [Int?], outputs: [Int?]) {
        self.node = node
        self.kernel = kernel
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A graph turned into steps over numbered slots, with its memory plan.
public final class CompiledGraph {
    public let inputNames: [String]
    public let outputNames: [String]
    let inputInfos: [ValueInfoProto?]
    var slotNames: [String] = []
    var slotOf: [String: Int] = [:]
    var inputSlots: [Int] = []
    var outputSlots: [Int] = []
    var captures: [(name: String, slot: Int)] = []
    var constants: [(slot: Int, tensor: Tensor)] = []
    var constantSlots: [String: Int] = [:]
    /// Constants that nodes produce (Constant nodes, nodes folded at compile time): handed to
    /// an observer on every run, as if computed then.
    var producedConstants: [Int] = []
    var steps: [Step] = []

    init(inputs: [ValueInfoProto], outputs: [ValueInfoProto]) {
        inputNames = inputs.map { $0.name ?? "" }
        inputInfos = inputs
        outputNames = outputs.map { $0.name ?? "" }
    }

    func slot(_ name: String) -> Int {
        if let slot = slotOf[name] { return slot }
        slotOf[name] = slotNames.count
        slotNames.append(name)
        return slotNames.count - 1
    }
}

/// A kernel that can do part of its work once when some inputs are constants (MatMul packs a
/// constant B into its microkernel layout).
protocol ConstantInputPreparing: OpKernel {
    /// The kernel to run instead, given each input's value when it is a constant (nil where
    /// it varies or is absent); nil keeps this one.
    func prepared(constants: [Tensor?]) -> OpKernel?
}

/// What a subgraph sees of its enclosing graphs: the names it may read, and the values of
/// those that are constants (so nodes reading them can be folded inside the subgraph too).
struct OuterScope {
    var names: Set<String> = []
    var constants: [String: Tensor] = [:]
}

/// Builds CompiledGraphs: kernels from the registry, slots, captures and release points.
/// A node whose inputs are all constants runs once here and its outputs become constants.
struct GraphCompiler {
    let opsets: [String: Int64]
    var threads = 1

    func compile(_ graph: Graph, outer: OuterScope) throws -> CompiledGraph {
        let compiled = CompiledGraph(inputs: graph.inputs, outputs: graph.outputs)
        var known: [String: Tensor] = [:]
        for tensor in graph.initializers {
            let name = tensor.name ?? ""
            let slot = compiled.slot(name)
            let value = try Tensor(proto: tensor)
            compiled.constants.append((slot, value))
            compiled.constantSlots[name] = slot
            known[name] = value
        }
        compiled.inputSlots = compiled.inputNames.map(compiled.slot)
        // An initializer that is also a graph input is only a default: a feed may replace it.
        for name in compiled.inputNames { known[name] = nil }
        var defined = Set(compiled.inputNames).union(compiled.constantSlots.keys)
        var lastUse: [Int: Int] = [:]
        for node in graph.nodes {
            let index = compiled.steps.count
            // Only a node with subgraphs needs the names visible to it (copying the set for every
            // node would make compiling quadratic).
            var kernel = try makeKernel(node, visible: node.subgraphs.isEmpty ? OuterScope() : OuterScope(
                names: defined.union(outer.names),
                constants: outer.constants.filter { !defined.contains($0.key) }.merging(known) { _, local in local }))
            var inputs: [Int?] = []
            for name in node.inputs {
                guard !name.isEmpty else { inputs.append(nil); continue }
                inputs.append(try use(name, by: node, defined: defined, outer: outer.names, in: compiled))
            }
            let constant = { (name: String) in defined.contains(name) ? known[name] : outer.constants[name] }
            if let values = fold(node, kernel, constant: constant) {
                for (name, value) in zip(node.outputs, values) where !name.isEmpty {
                    guard let value else { continue }
                    let slot = compiled.slot(name)
                    compiled.constants.append((slot, value))
                    compiled.constantSlots[name] = slot
                    compiled.producedConstants.append(slot)
                    known[name] = value
                    defined.insert(name)
                }
                continue
            }
            if let preparing = kernel as? ConstantInputPreparing,
               let prepared = preparing.prepared(constants: node.inputs.map { $0.isEmpty ? nil : constant($0) }) {
                kernel = prepared
            }
            for name in node.implicitInputs {
                _ = try use(name, by: node, defined: defined, outer: outer.names, in: compiled)
            }
            for slot in inputs.compactMap({ $0 }) { lastUse[slot] = index }
            for name in node.implicitInputs { lastUse[compiled.slotOf[name]!] = index }
            let outputs: [Int?] = node.outputs.map { $0.isEmpty ? nil : compiled.slot($0) }
            for slot in outputs.compactMap({ $0 }) where lastUse[slot] == nil { lastUse[slot] = index }
            defined.formUnion(node.outputs.filter { !$0.isEmpty })
            compiled.steps.append(Step(node: node, kernel: kernel, inputs: inputs, outputs: outputs))
        }
        compiled.outputSlots = try compiled.outputNames.map { name in
            guard defined.contains(name) || outer.names.contains(name) else {
                throw RuntimeError.invalidModel("graph output '\(name)' is never computed")
            }
            if !defined.contains(name) { _ = captureIfNeeded(name, in: compiled) }
            return compiled.slot(name)
        }
        let kept = Set(compiled.outputSlots)
        for (slot, index) in lastUse where !kept.contains(slot) {
            compiled.steps[index].release.append(slot)
        }
        // Constants only folded nodes read are not loaded into any run.
        let read = kept.union(lastUse.keys).union(compiled.inputSlots)
        compiled.constants.removeAll { !read.contains($0.slot) }
        compiled.producedConstants.removeAll { !read.contains($0) }
        compiled.captures.removeAll { !read.contains($0.slot) }
        ActivationFusion.plan(compiled)
        return compiled
    }

    /// Bigger outputs stay computed per run: a constant is held for the interpreter's lifetime.
    private static let foldedBytesLimit = 1 << 20

    /// The outputs of `node` when every input it reads is a known constant and running it now
    /// is cheap to keep: nil leaves the node to run (and fail, if it does) on every run.
    private func fold(_ node: Node, _ kernel: OpKernel, constant: (String) -> Tensor?) -> [Tensor?]? {
        if let constant = kernel as? ConstantKernel { return [constant.value] }
        guard node.subgraphs.isEmpty, !node.outputs.isEmpty else { return nil }
        var values: [Tensor?] = []
        for name in node.inputs {
            guard !name.isEmpty else { values.append(nil); continue }
            guard let value = constant(name) else { return nil }
            values.append(value)
        }
        let inputBytes = values.reduce(0) { $0 + ($1.map { $0.count * Tensor.elementSize($0.type) } ?? 0) }
        guard let outputs = try? kernel.run(values, ExecutionContext(threads: threads)) else { return nil }
        let outputBytes = outputs.reduce(0) { $0 + ($1.map { $0.count * Tensor.elementSize($0.type) } ?? 0) }
        return outputBytes <= max(inputBytes, Self.foldedBytesLimit) ? outputs : nil
    }

    private func use(_ name: String, by node: Node, defined: Set<String>, outer: Set<String>,
                     in compiled: CompiledGraph) throws -> Int {
        if defined.contains(name) { return compiled.slot(name) }
        guard outer.contains(name) else {
            throw RuntimeError.invalidModel("node '\(node.label)' (\(node.opType)) reads '\(name)', which is not computed before it")
        }
        return captureIfNeeded(name, in: compiled)
    }

    private func captureIfNeeded(_ name: String, in compiled: CompiledGraph) -> Int {
        if let slot = compiled.slotOf[name] { return slot }
        let slot = compiled.slot(name)
        compiled.captures.append((name, slot))
        return slot
    }

    private func makeKernel(_ node: Node, visible: OuterScope) throws -> OpKernel {
        let domain = node.normalizedDomain
        guard let opset = opsets[domain] else {
            throw RuntimeError.unsupported("node '\(node.label)' (\(node.opType)): the model imports no opset for domain '\(domain)'")
        }
        let kernelType = try KernelRegistry.lookup(op: node.opType, domain: domain, opset: Int(opset), node: node.label)
        let kernelNode = KernelNode(node: node, opset: Int(opset)) { [self] subgraph in
            try self.compile(subgraph, outer: visible)
        }
        return try kernelType.init(kernelNode)
    }
}
