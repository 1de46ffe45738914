import ONNXModel
import Runtime

// Resize and Upsample: each resized dim comes from a size (possibly symbolic) or a scale.
extension ShapeOpRules {
    /// What sets the output size of the resized axes.
    enum ResizeTarget {
        case sizes([SymbolicDim])
        case scales([Double])
        /// Given, but not known before a run.
        case unknown
    }

    /// Resize-10 (scales input 1), Resize-11+ (roi, scales, sizes inputs 1–3; axes and
    /// keep_aspect_ratio_policy from 18), Upsample-7 (scales attribute), Upsample-9 (input 1).
    static func resize(_ context: inout ShapeContext) throws {
        guard var shape = rankedInput(&context) else { return }
        let axesGiven: IntegerList = context.opset >= 18 ? context.ints("axes").map { .known($0.map { SymbolicDim($0) }) } ?? .absent : .absent
        let axes = try axes(context, axesGiven, rank: shape.count) ?? Array(shape.indices)
        let resized: [SymbolicDim?]
        switch resizeTarget(context) {
        case .sizes(let sizes):
            guard sizes.count == axes.count else { throw ShapeError("\(sizes.count) sizes for \(axes.count) axes") }
            let policy = context.opset >= 18 ? context.string("keep_aspect_ratio_policy", default: "stretch") : "stretch"
            resized = policy == "stretch" ? sizes : try keptAspect(axes.map { shape[$0] }, sizes: sizes, policy: policy)
        case .scales(let scales):
            guard scales.count == axes.count else { throw ShapeError("\(scales.count) scales for \(axes.count) axes") }
            resized = try zip(axes, scales).map { axis, scale in try scaled(shape[axis], by: scale) }
        case .unknown:
            resized = unknownDims(axes.count)
        }
        for (axis, dim) in zip(axes, resized) { shape[axis] = dim }
        context.set(0, type: context.type(0), shape: shape)
    }

    /// Sizes win over scales (Resize-11+); an empty tensor stands for an absent input.
    private static func resizeTarget(_ context: ShapeContext) -> ResizeTarget {
        let upsample = context.node.opType == "Upsample"
        if upsample && context.opset < 9 { return context.floats("scales").map { .scales($0.map(Double.init)) } ?? .unknown }
        if upsample || context.opset < 11 { return scales(context, input: 1) ?? .unknown }
        if isGiven(context, 3) {
            guard let sizes = context.elements(3) else { return .unknown }
            return .sizes(sizes)
        }
        return scales(context, input: 2) ?? .unknown
    }

    private static func isGiven(_ context: ShapeContext, _ i: Int) -> Bool {
        context.has(i) && context.shape(i)?.first??.value != 0
    }

    /// A scales input's values; nil when not given or not known.
    private static func scales(_ context: ShapeContext, input i: Int) -> ResizeTarget? {
        guard isGiven(context, i), let value = context.input(i).value else { return nil }
        switch value.type {
        case .float: return .scales(value.scalars(Float.self).map(Double.init))
        case .double: return .scales(value.scalars(Double.self))
        default: return nil
        }
    }

    /// ⌊dim · scale⌋, the kernel's arithmetic for a concrete dim. A symbolic dim is only
    /// scaled exactly by a whole number or by its exact reciprocal.
    static func scaled(_ dim: SymbolicDim?, by scale: Double) throws -> SymbolicDim? {
        guard scale > 0 && scale.isFinite else { throw ShapeError("scale \(scale) must be positive") }
        guard let dim else { return nil }
        if let size = dim.value {
            let length = Double(size) * scale
            guard length < Double(1 << 53) else { throw ShapeError("scale \(scale) makes dim \(size) too large") }
            return SymbolicDim(Int(length))
        }
        if scale >= 1 && scale == scale.rounded() && scale < Double(1 << 31) { return dim * SymbolicDim(Int(scale)) }
        let divisor = (1 / scale).rounded()
        if divisor >= 1 && divisor < Double(1 << 31) && divisor * scale == 1 { return dim.floorDivided(by: Int(divisor)) }
        return nil
    }

    /// not_larger / not_smaller: one scale for all resized axes (the smallest or largest of
    /// size ÷ dim), sizes rounded from it. Needs every dim and size concrete.
    private static func keptAspect(_ dims: [SymbolicDim?], sizes: [SymbolicDim], policy: String) throws -> [SymbolicDim?] {
        guard policy == "not_larger" || policy == "not_smaller" else { throw ShapeError(limitation: "keep_aspect_ratio_policy '\(policy)' is not supported") }
        let inputs = dims.compactMap { $0?.value }, targets = sizes.compactMap(\.value)
        guard inputs.count == dims.count, targets.count == sizes.count else { return unknownDims(dims.count) }
        let ratios = zip(targets, inputs).map { size, dim in dim > 0 ? Double(size) / Double(dim) : 1 }
        guard let common = policy == "not_larger" ? ratios.min() : ratios.max() else { return [] }
        return inputs.map { SymbolicDim(Int(common * Double($0) + 0.5)) }
    }
}
