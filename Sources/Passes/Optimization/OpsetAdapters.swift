import ONNXModel
import Runtime

/// How one node moves from the model's opset to the target opset.
enum UpgradeStep {
    /// The new schema reads the node the same way.
    case unchanged
    /// An edit that says the same thing at the target opset, and what it does.
    case rewrite(String, () -> Void)
    /// Why the node cannot move.
    case blocked(String)

    /// The steps one node takes across several new versions, as one: blocked when any is,
    /// else the rewrites in order.
    static func combining(_ steps: [UpgradeStep]) -> UpgradeStep {
        var whats: [String] = []
        var edits: [() -> Void] = []
        for step in steps {
            switch step {
            case .unchanged: continue
            case .blocked: return step
            case .rewrite(let what, let edit):
                whats.append(what)
                edits.append(edit)
            }
        }
        guard !edits.isEmpty else { return .unchanged }
        return .rewrite(whats.joined(separator: "; ")) { edits.forEach { $0() } }
    }
}

/// The per-op adapters of an opset upgrade. Every new version a node crosses must be either
/// compatible (`OpsetCompatibility`) or handled by the op's adapter here; an adapter returns
/// the edit without making it, so a blocked node elsewhere leaves the model untouched.
final class OpsetAdapters {
    typealias Adapter = (OpsetAdapters) -> (Node, Graph) -> UpgradeStep
    /// An attribute that became an input: its name, the input slot, the value to read there.
    typealias Move = (attribute: String, slot: Int, value: Tensor)

    let from: Int
    let target: Int
    let names: NameAllocator
    let types: UpgradeTypes
    /// The empty roi tensor per graph that Resize-11 nodes made from Upsample share.
    var emptyRois: [ObjectIdentifier: String] = [:]

    init(from source: Int, to target: Int, names: NameAllocator, types: UpgradeTypes) {
        from = source
        self.target = target
        self.names = names
        self.types = types
    }

    /// Op → the versions its adapter handles, and the adapter.
    static let adapters: [String: (versions: Set<Int>, adapt: Adapter)] = {
        var table: [String: (versions: Set<Int>, adapt: Adapter)] = [
            "Upsample": ([9, 10], legacyResize), "Resize": ([11, 13], resize),
            "Slice": ([10], slice), "TopK": ([10], topK), "Pad": ([11], pad), "Clip": ([11], clip),
            "Dropout": ([10, 12], dropout), "Split": ([13, 18], split), "DFT": ([20], dft),
            "Squeeze": ([13], axesAsInput), "Unsqueeze": ([13], axesAsInput), "ReduceSum": ([13], axesAsInput),
            "Softmax": ([13], singleAxis), "LogSoftmax": ([13], singleAxis), "Hardmax": ([13], singleAxis),
            "BatchNormalization": ([9, 14], batchNormalization), "GroupNormalization": ([21], groupNormalization),
            "Scatter": ([11], scatter), "Scan": ([9], scan), "Erf": ([13], floatingInput),
            "QuantizeLinear": ([19], floatingInput), "RoiAlign": ([16], roiAlign), "GridSample": ([20], gridSample),
        ]
        for op in ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
                   "ReduceProd", "ReduceSumSquare"] {
            table[op] = ([18], axesAsInput)
        }
        return table
    }()

    /// Ops whose schema was deprecated at this opset: a node still using one at the model's
    /// opset (Upsample in an opset-10 model) is rewritten by its adapter all the same.
    static let deprecated: [String: Int] = ["Upsample": 10, "Scatter": 11]

    func step(for node: Node, in graph: Graph) -> UpgradeStep {
        let op = node.opType
        guard OpsetHistory.version(of: op, at: from) != nil else { return .blocked("there is no ai.onnx \(op) at opset \(from)") }
        var pending = OpsetHistory.updates(of: op, from: from, to: target)
        if let since = Self.deprecated[op], since <= from { pending.append(since) }
        let adapter = Self.adapters[op]
        let compatible = OpsetCompatibility.versions[op] ?? []
        if let missing = pending.first(where: { !compatible.contains($0) && !(adapter?.versions.contains($0) ?? false) }) {
            return .blocked("\(op)-\(missing) changed what it computes and qtool has no adapter for it")
        }
        guard let adapter, pending.contains(where: adapter.versions.contains) else { return .unchanged }
        return adapter.adapt(self)(node, graph)
    }

    /// Whether the upgrade passes `version`, the opset where a schema changed.
    func crosses(_ version: Int) -> Bool { from < version && version <= target }

    // MARK: Shared edits

    /// Attributes that became inputs: each is removed from the node and its value read from a
    /// new initializer at its input slot (empty inputs fill any gap before it).
    func attributesAsInputs(_ node: Node, in graph: Graph, _ moves: [Move]) -> UpgradeStep {
        guard !moves.isEmpty else { return .unchanged }
        let moved = moves.map(\.attribute)
        return .rewrite(moved.joined(separator: ", ") + (moved.count == 1 ? " as an input" : " as inputs")) { [self] in
            for move in moves {
                node.removeAttribute(named: move.attribute)
                graph.setConstantInput(of: node, at: move.slot, to: move.value, names: names,
                                       base: "\(node.outputs.first ?? node.opType)_\(move.attribute)")
            }
        }
    }

    /// An int64 vector for an INTS attribute that became an input.
    func integers(_ values: [Int64]) -> Tensor { Tensor(values, shape: [values.count]) }

    func unknownType(of name: String) -> UpgradeStep { .blocked("the type of '\(name)' is unknown") }

    /// A scalar of the element type of `name`, for a bound or pad value that must match it.
    func scalar(_ value: Float, typedLike name: String, in graph: Graph) -> Tensor? {
        guard let type = types.elementType(of: name, in: graph) else { return nil }
        return try? ConstantArithmetic.cast(Tensor(scalar: value), to: type)
    }
}
