import ONNXModel

extension ShapeRules {
    static let normalization: [String: ShapeRule] = [
        "BatchNormalization": batchNormalization,
        "LayerNormalization": layerNormalization,
        "RMSNormalization": { try sameAsInput(&$0, axisDefault: -1) },
        "InstanceNormalization": { context in
            try requireMatchingDims(context.dim(0, 1), context.dim(1, 0), "X's channels and the scale's size")
            try sameAsInput(&context)
        },
        "GroupNormalization": groupNormalization,
        "MeanVarianceNormalization": { context in
            // Only explicit axes are checked: the default [0, 2, 3] is written for images.
            if let rank = context.rank(0), let axes = context.ints("axes") {
                for axis in axes { _ = try context.normalize(axis: axis, rank: rank) }
            }
            try sameAsInput(&context)
        },
        "LpNormalization": { try sameAsInput(&$0, axisDefault: -1) },
    ]

    /// Output 0 is input 0, once the `axis` attribute (or its default) is checked against the
    /// rank (also Softmax and its kin).
    static func sameAsInput(_ context: inout ShapeContext, axisDefault: Int) throws {
        if let rank = context.rank(0) {
            _ = try context.normalize(axis: context.int("axis", default: axisDefault), rank: rank)
        }
        try sameAsInput(&context)
    }

    /// Y is X. Training also gives per-channel statistics [C]: before opset 14 the optional
    /// mean, var, saved_mean and saved_var (X's type); from 14 running_mean and running_var,
    /// typed like the mean and var inputs, and only when training_mode is set.
    private static func batchNormalization(_ context: inout ShapeContext) throws {
        try requireMatchingDims(context.dim(0, 1), context.dim(1, 0), "X's channels and the scale's size")
        try sameAsInput(&context)
        let statistics = batchStatisticsShape(context)
        if context.opset < 14 {
            for i in 1..<max(context.outputCount, 1) where context.wants(i) {
                context.set(i, type: context.type(0), shape: statistics)
            }
        } else if context.int("training_mode", default: 0) != 0 {
            // Outputs asked for without training_mode are not produced at all; they stay unknown.
            for i in 1..<max(context.outputCount, 1) where context.wants(i) {
                context.set(i, type: context.type(i + 2), shape: statistics)
            }
        }
    }

    /// [C], or with opset 7's spatial = 0 one statistic per activation: X's dims after N.
    private static func batchStatisticsShape(_ context: ShapeContext) -> [SymbolicDim?]? {
        if context.opset < 9, context.int("spatial", default: 1) == 0 { return context.shape(0).map { Array($0.dropFirst()) } }
        // A rank-1 X is a batch of single values: one channel.
        return [context.rank(0) == 1 ? SymbolicDim(1) : context.dim(0, 1) ?? context.dim(1, 0)]
    }

    /// Y is X; Mean and InvStdDev keep X's dims before `axis` and have 1 from there on, in
    /// stash_type (float unless set).
    private static func layerNormalization(_ context: inout ShapeContext) throws {
        try sameAsInput(&context)
        let stashType = DataType(rawValue: Int32(truncatingIfNeeded: context.int("stash_type", default: 1)))
        let statistics = try context.shape(0).map { shape in
            let axis = try context.normalize(axis: context.int("axis", default: -1), rank: shape.count)
            return Array(shape.prefix(axis)) + Array(repeating: SymbolicDim(1), count: shape.count - axis)
        }
        for i in 1..<max(context.outputCount, 1) where context.wants(i) {
            context.set(i, type: stashType, shape: statistics)
        }
    }

    private static func groupNormalization(_ context: inout ShapeContext) throws {
        if let groups = context.int("num_groups"), let channels = context.dim(0, 1)?.value {
            guard groups > 0, channels % groups == 0 else {
                throw ShapeError("\(channels) channels do not split into \(groups) groups")
            }
        }
        try sameAsInput(&context)
    }
}
