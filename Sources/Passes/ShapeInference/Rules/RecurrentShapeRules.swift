import ONNXModel

extension ShapeRules {
    static let recurrent: [String: ShapeRule] = [
        "RNN": { try recurrent(&$0, gates: 1) },
        "GRU": { try recurrent(&$0, gates: 3) },
        "LSTM": { try recurrent(&$0, gates: 4) },
    ]

    /// X is [seq, batch, input] (layout 1, from opset 14: [batch, seq, input]). Outputs: Y
    /// [seq, directions, batch, hidden] and the last states Y_h (and LSTM's Y_c) [directions,
    /// batch, hidden]; layout 1 puts batch first in each.
    private static func recurrent(_ context: inout ShapeContext, gates: Int) throws {
        if let rank = context.rank(0), rank != 3 { throw ShapeError("X must have rank 3, not \(rank)") }
        let batchFirst = context.opset >= 14 && context.int("layout", default: 0) == 1
        let (sequence, batch) = batchFirst ? (context.dim(0, 1), context.dim(0, 0)) : (context.dim(0, 0), context.dim(0, 1))
        let directions = try directionCount(context)
        let hidden = try hiddenSize(context, gates: gates)
        let type = context.type(0)
        if context.wants(0) {
            context.set(0, type: type, shape: batchFirst ? [batch, sequence, directions, hidden] : [sequence, directions, batch, hidden])
        }
        let state: [SymbolicDim?] = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        for i in 1..<max(context.outputCount, 1) where context.wants(i) {
            context.set(i, type: type, shape: state)
        }
    }

    /// 2 for a bidirectional node, else 1; W's first dim must agree.
    static func directionCount(_ context: ShapeContext) throws -> SymbolicDim {
        let direction = context.string("direction", default: "forward")
        guard ["forward", "reverse", "bidirectional"].contains(direction) else {
            throw ShapeError("unknown direction '\(direction)'")
        }
        let count = SymbolicDim(direction == "bidirectional" ? 2 : 1)
        try requireMatchingDims(count, context.dim(1, 0), "the number of directions and W's first dim")
        return count
    }

    /// hidden_size, or R's last dim ([directions, gates·hidden, hidden]), or W's middle dim
    /// divided by the number of gates.
    private static func hiddenSize(_ context: ShapeContext, gates: Int) throws -> SymbolicDim? {
        let fromWeights = context.dim(2, 2) ?? context.dim(1, 1)?.dividedExactly(by: SymbolicDim(gates))
        guard let attribute = context.int("hidden_size") else { return fromWeights }
        try requireMatchingDims(SymbolicDim(attribute), fromWeights, "hidden_size and the weights' hidden size")
        return SymbolicDim(attribute)
    }
}
