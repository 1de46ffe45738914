import ONNXModel

extension ShapeRules {
    static let reduction: [String: ShapeRule] = {
        var table: [String: ShapeRule] = [:]
        for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare",
                   "ReduceLogSum", "ReduceLogSumExp", "ReduceL1", "ReduceL2"] {
            table[op] = reduce
        }
        table["ArgMax"] = argReduce
        table["ArgMin"] = argReduce
        for op in ["Softmax", "LogSoftmax", "Hardmax"] {
            table[op] = softmax
        }
        return table
    }()

    /// Which axes a Reduce* node reduces, as far as inference can tell.
    private enum ReducedAxes {
        case all
        /// noop_with_empty_axes with no axes: the input passes through.
        case none
        case listed([Int])
        /// Axes from an input whose values are not known; `count` of them, when that is.
        case unknown(count: Int?)
    }

    private static func reduce(_ context: inout ShapeContext) throws {
        let keepDims = context.int("keepdims", default: 1) != 0
        let axes = reducedAxes(context)
        context.set(0, type: context.type(0), shape: try reducedShape(context.shape(0), axes, keepDims: keepDims, context: context))
        switch axes {
        case .all, .listed: carrySymbolicReduction(&context)
        // Axes unknown until run time may be empty, and with noop_with_empty_axes reduce nothing.
        case .none, .unknown: break
        }
    }

    /// Axes moved from an attribute to an input at opset 13 for ReduceSum and at 18 for the
    /// others, together with noop_with_empty_axes; without axes every axis is reduced.
    private static func reducedAxes(_ context: ShapeContext) -> ReducedAxes {
        let axesAreInput = context.opset >= (context.node.opType == "ReduceSum" ? 13 : 18)
        guard axesAreInput else {
            let axes = context.ints("axes") ?? []
            return axes.isEmpty ? .all : .listed(axes)
        }
        let noAxes: ReducedAxes = context.int("noop_with_empty_axes", default: 0) != 0 ? .none : .all
        guard context.has(1) else { return noAxes }
        if let axes = context.integers(1) { return axes.isEmpty ? noAxes : .listed(axes) }
        let count = context.dim(1, 0)?.value
        return count == 0 ? noAxes : .unknown(count: count)
    }

    private static func reducedShape(_ shape: [SymbolicDim?]?, _ axes: ReducedAxes, keepDims: Bool,
                                     context: ShapeContext) throws -> [SymbolicDim?]? {
        switch axes {
        case .none:
            return shape
        case .all:
            // Reducing everything without keepdims is a scalar whatever the rank.
            guard keepDims else { return [] }
            return shape.map { Array(repeating: SymbolicDim(1), count: $0.count) }
        case .listed(let listed):
            guard let shape else { return nil }
            let reduced = Set(try listed.map { try context.normalize(axis: $0, rank: shape.count) })
            return collapsing(shape, reduced, keepDims: keepDims)
        case .unknown(let count):
            guard let shape else { return nil }
            // Which axes become 1 (or go) is unknown; axes already 1 stay 1 when kept.
            if keepDims { return shape.map { $0?.value == 1 ? $0 : nil } }
            return count.map { Array(repeating: nil, count: max(shape.count - $0, 0)) }
        }
    }

    /// `shape` with the `reduced` axes set to 1 (keepDims) or removed.
    private static func collapsing(_ shape: [SymbolicDim?], _ reduced: Set<Int>, keepDims: Bool) -> [SymbolicDim?] {
        var result: [SymbolicDim?] = []
        for (axis, dim) in shape.enumerated() {
            if !reduced.contains(axis) {
                result.append(dim)
            } else if keepDims {
                result.append(SymbolicDim(1))
            }
        }
        return result
    }

    /// ReduceProd and ReduceSum over a shape vector (a flattened size) keep the result
    /// symbolic: `batch*seq`. A vector has one axis, so any reduction of it takes all.
    private static func carrySymbolicReduction(_ context: inout ShapeContext) {
        guard context.rank(0) == 1, let elements = context.elements(0) else { return }
        switch context.node.opType {
        case "ReduceProd": context.outputs[0].elements = [elements.reduce(SymbolicDim(1), *)]
        case "ReduceSum": context.outputs[0].elements = [elements.reduce(SymbolicDim(0), +)]
        default: break
        }
    }

    /// ArgMax/ArgMin: int64 indices along `axis`, which is kept as 1 or removed.
    private static func argReduce(_ context: inout ShapeContext) throws {
        let keepDims = context.int("keepdims", default: 1) != 0
        let shape = try context.shape(0).map { shape in
            collapsing(shape, [try context.normalize(axis: context.int("axis", default: 0), rank: shape.count)], keepDims: keepDims)
        }
        context.set(0, type: .int64, shape: shape)
    }

    /// Same shape; the axis (1 before opset 13, −1 from 13) must be in range.
    private static func softmax(_ context: inout ShapeContext) throws {
        try sameAsInput(&context, axisDefault: context.opset < 13 ? 1 : -1)
    }
}
