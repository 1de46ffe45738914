import ONNXModel

/// Rules for the com.microsoft ops the interpreter runs whose outputs are not simply an
/// input's shape: the dynamic-quantization LSTM and the fused (Q)Attention.
extension ShapeRules {
    static let microsoft: [String: ShapeRule] = [
        "DynamicQuantizeLSTM": dynamicQuantizeLSTM,
        "Attention": { try attention(&$0, weights: 1, past: 4, type: $0.type(0)) },
        "QAttention": { try attention(&$0, weights: 1, past: 8, type: $0.type(2)) },
    ]

    /// ONNX LSTM's outputs (time-major only) with R laid out [directions, hidden, 4·hidden].
    private static func dynamicQuantizeLSTM(_ context: inout ShapeContext) throws {
        if let rank = context.rank(0), rank != 3 { throw ShapeError("X must have rank 3, not \(rank)") }
        let (sequence, batch) = (context.dim(0, 0), context.dim(0, 1))
        let directions = try directionCount(context)
        let fromWeights = context.dim(2, 1) ?? context.dim(1, 2)?.dividedExactly(by: SymbolicDim(4))
        let hidden = context.int("hidden_size").map { SymbolicDim($0) } ?? fromWeights
        try requireMatchingDims(hidden, fromWeights, "hidden_size and the weights' hidden size")
        if context.wants(0) { context.set(0, type: context.type(0), shape: [sequence, directions, batch, hidden]) }
        for i in 1..<max(context.outputCount, 1) where context.wants(i) {
            context.set(i, type: context.type(0), shape: [directions, batch, hidden])
        }
    }

    /// output [batch, sequence, V hidden]; present [2, batch, heads, past + sequence, head size].
    /// Hidden sizes come from qkv_hidden_sizes or thirds of the weights' second dim.
    private static func attention(_ context: inout ShapeContext, weights: Int, past: Int, type: DataType?) throws {
        if let rank = context.rank(0), rank != 3 { throw ShapeError("input must have rank 3, not \(rank)") }
        let heads = context.int("num_heads", default: 0)
        guard heads > 0 else { throw ShapeError("num_heads must be positive") }
        let (batch, sequence) = (context.dim(0, 0), context.dim(0, 1))
        let sizes = context.ints("qkv_hidden_sizes").flatMap { $0.count == 3 ? $0.map { SymbolicDim($0) } : nil }
        let third = context.dim(weights, 1)?.dividedExactly(by: SymbolicDim(3))
        let (qkHidden, vHidden) = (sizes?[0] ?? third, sizes?[2] ?? third)
        context.set(0, type: type, shape: [batch, sequence, vHidden])
        guard context.wants(1) else { return }
        let pastLength: SymbolicDim? = context.has(past) ? context.dim(past, 3) : SymbolicDim(0)
        let total = pastLength.flatMap { p in sequence.map { p + $0 } }
        context.set(1, type: type, shape: [SymbolicDim(2), batch, SymbolicDim(heads), total,
                                           qkHidden?.dividedExactly(by: SymbolicDim(heads))])
    }
}
