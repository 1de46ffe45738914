import ONNXModel

extension ShapeRules {
    static let pooling: [String: ShapeRule] = [
        "MaxPool": { context in
            let shape = try poolShape(context)
            context.set(0, type: context.type(0), shape: shape)
            // Indices: the flat position of each maximum, shaped like Y.
            if context.wants(1) { context.set(1, type: .int64, shape: shape) }
        },
        "AveragePool": { context in context.set(0, type: context.type(0), shape: try poolShape(context)) },
        "LpPool": { context in context.set(0, type: context.type(0), shape: try poolShape(context)) },
        "GlobalAveragePool": globalPool,
        "GlobalMaxPool": globalPool,
        "GlobalLpPool": globalPool,
        "LRN": sameAsInput,
    ]

    /// [N, C, windows...]: the kernel comes from kernel_shape alone (pools have no weights), so
    /// the rank is known even when X's is not.
    private static func poolShape(_ context: ShapeContext) throws -> [SymbolicDim?] {
        guard let kernel = context.ints("kernel_shape") else { throw ShapeError("pooling needs kernel_shape") }
        if let rank = context.rank(0), rank != kernel.count + 2 {
            throw ShapeError("X of rank \(rank) does not fit a kernel_shape of \(kernel.count) values")
        }
        let window = try SlidingWindow(context, spatialRank: kernel.count, weightKernel: nil)
        return [context.dim(0, 0), context.dim(0, 1)] + (try window.outputSizes(context, data: 0))
    }

    /// [N, C, 1, 1, ...]: every spatial axis pooled to one.
    private static func globalPool(_ context: inout ShapeContext) throws {
        let shape = try context.shape(0).map { shape in
            guard shape.count >= 2 else { throw ShapeError("global pooling needs rank 2 or more, not \(shape.count)") }
            return Array(shape.prefix(2)) + Array(repeating: SymbolicDim(1), count: shape.count - 2)
        }
        context.set(0, type: context.type(0), shape: shape)
    }
}
