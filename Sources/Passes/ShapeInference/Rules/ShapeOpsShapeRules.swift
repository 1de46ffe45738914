import ONNXModel
import Runtime

extension ShapeRules {
    static let shapeOps: [String: ShapeRule] = [
        "Reshape": ShapeOpRules.reshape, "Flatten": ShapeOpRules.flatten,
        "Squeeze": ShapeOpRules.squeeze, "Unsqueeze": ShapeOpRules.unsqueeze,
        "Identity": ShapeOpRules.identity, "Dropout": ShapeOpRules.dropout,
        "Transpose": ShapeOpRules.transpose,
        "DepthToSpace": ShapeOpRules.depthToSpace, "SpaceToDepth": ShapeOpRules.spaceToDepth,
        "Concat": ShapeOpRules.concat, "Split": ShapeOpRules.split, "Slice": ShapeOpRules.slice,
        "Expand": ShapeOpRules.expand, "Tile": ShapeOpRules.tile, "Pad": ShapeOpRules.pad,
        "Gather": ShapeOpRules.gather, "GatherElements": ShapeOpRules.gatherElements, "GatherND": ShapeOpRules.gatherND,
        "ScatterND": sameAsInput, "ScatterElements": sameAsInput, "Scatter": sameAsInput, "CumSum": sameAsInput,
        "Compress": ShapeOpRules.compress, "NonZero": ShapeOpRules.nonZero,
        "OneHot": ShapeOpRules.oneHot, "TopK": ShapeOpRules.topK,
        "Shape": ShapeOpRules.shape, "Size": ShapeOpRules.size,
        "ConstantOfShape": ShapeOpRules.constantOfShape, "Constant": ShapeOpRules.constant,
        "Range": ShapeOpRules.range, "Resize": ShapeOpRules.resize, "Upsample": ShapeOpRules.resize,
    ]
}

/// The rules of the shape family (ShapeOps*ShapeRules.swift) and what they share. A namespace
/// of its own keeps their names (`shape`, `pad`, `product`) clear of other families' helpers.
enum ShapeOpRules {
    /// An integer list operand (axes, pads, split sizes, a target shape) as far as it is known.
    enum IntegerList {
        /// Not given.
        case absent
        /// Given, each element concrete or symbolic.
        case known([SymbolicDim])
        /// Given, values unknown; the length when the operand's shape tells it.
        case unknown(count: Int?)

        /// The elements as plain integers, when all are concrete.
        var integers: [Int]? {
            guard case .known(let elements) = self else { return nil }
            let values = elements.compactMap(\.value)
            return values.count == elements.count ? values : nil
        }

        var count: Int? {
            switch self {
            case .absent: return nil
            case .known(let elements): return elements.count
            case .unknown(let count): return count
            }
        }
    }

    /// Input 0's dims. When its rank is unknown, output 0 is given just its type (input 0's
    /// unless said otherwise) and nil comes back, for the rule to stop there.
    static func rankedInput(_ context: inout ShapeContext) -> [SymbolicDim?]? {
        let type = context.type(0)
        return rankedInput(&context, outputType: type)
    }

    static func rankedInput(_ context: inout ShapeContext, outputType type: DataType?) -> [SymbolicDim?]? {
        guard let shape = context.shape(0) else {
            context.set(0, type: type, shape: nil)
            return nil
        }
        return shape
    }

    /// A dims list of the given length, each unknown.
    static func unknownDims(_ count: Int) -> [SymbolicDim?] { Array(repeating: nil, count: count) }

    /// The product of dims, nil when one is unknown.
    static func product<Dims: Sequence>(_ dims: Dims) -> SymbolicDim? where Dims.Element == SymbolicDim? {
        dims.reduce(SymbolicDim(1) as SymbolicDim?) { partial, dim in partial.flatMap { total in dim.map { total * $0 } } }
    }

    /// The sum of dims, nil when one is unknown.
    static func sum<Dims: Sequence>(_ dims: Dims) -> SymbolicDim? where Dims.Element == SymbolicDim? {
        dims.reduce(SymbolicDim(0) as SymbolicDim?) { partial, dim in partial.flatMap { total in dim.map { total + $0 } } }
    }

    /// How many of from, from + step, ... come before `to`: Slice and Range lengths. A
    /// symbolic span that could be positive is taken to be.
    static func stepCount(from: SymbolicDim, to: SymbolicDim, step: Int) -> SymbolicDim {
        let span = step > 0 ? to - from : from - to
        let stride = Int(clamping: step.magnitude)
        if let size = span.value { return SymbolicDim(size > 0 ? (size - 1) / stride + 1 : 0) }
        return span.isNeverPositive ? 0 : span.ceilDivided(by: stride)
    }

    /// A shape given as an integer input (Expand, ConstantOfShape): its elements, possibly
    /// symbolic; unknown dims when only its length is known; nil when not even that is.
    static func shapeOperand(_ context: ShapeContext, input i: Int) throws -> [SymbolicDim?]? {
        switch list(context, input: i) {
        case .known(let dims): return dims
        case .unknown(let count): return count.map(unknownDims)
        case .absent: throw ShapeError("\(context.node.opType) needs its shape input")
        }
    }

    /// Output `i` holds these integer elements (rank 0 or 1, as its shape says). When all are
    /// concrete the value is kept too, so the next node can be run by its kernel.
    static func setElements(_ context: inout ShapeContext, _ i: Int, _ elements: [SymbolicDim]?) {
        guard let elements, i < context.outputs.count, let rank = context.outputs[i].rank, rank <= 1,
              elements.count <= TensorFact.elementLimit, rank == 1 || elements.count == 1 else { return }
        var fact = context.outputs[i]
        if rank == 1 {
            // The element count is the one dim: fill it in, or give up on a contradiction.
            if let dim = fact.shape![0], dim != SymbolicDim(elements.count) { return }
            fact.shape = [SymbolicDim(elements.count)]
        }
        fact.elements = elements
        fact.value = integerValue(elements, type: fact.type, shape: fact.concreteShape)
        context.outputs[i] = fact
    }

    private static func integerValue(_ elements: [SymbolicDim], type: DataType?, shape: [Int]?) -> Tensor? {
        guard let shape else { return nil }
        let values = elements.compactMap(\.value)
        guard values.count == elements.count else { return nil }
        switch type {
        case .int64?: return Tensor(values.map { Int64($0) }, shape: shape)
        case .int32?: return Tensor(values.map { Int32(truncatingIfNeeded: $0) }, shape: shape)
        default: return nil
        }
    }

    /// Integer list operand `i` (an input): its elements, or what its shape says of its length.
    static func list(_ context: ShapeContext, input i: Int) -> IntegerList {
        guard context.has(i) else { return .absent }
        if let elements = context.elements(i) { return .known(elements) }
        guard let shape = context.shape(i) else { return .unknown(count: nil) }
        return .unknown(count: shape.isEmpty ? 1 : (shape.count == 1 ? shape[0]?.value : nil))
    }

    /// An operand that was attribute `name` before opset `version` and input `i` from then on.
    static func list(_ context: ShapeContext, attribute name: String, input i: Int, inputSince version: Int) -> IntegerList {
        guard context.opset < version else { return list(context, input: i) }
        return context.ints(name).map { .known($0.map { SymbolicDim($0) }) } ?? .absent
    }

    /// An axes operand normalized against `rank` and checked distinct; nil when not known.
    static func axes(_ context: ShapeContext, _ list: IntegerList, rank: Int) throws -> [Int]? {
        guard let given = list.integers else { return nil }
        let axes = try given.map { try context.normalize(axis: $0, rank: rank) }
        guard Set(axes).count == axes.count else { throw ShapeError("axes \(given) repeat an axis") }
        return axes
    }
}
