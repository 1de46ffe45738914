import ONNXModel

// Ops that relabel or reorder dims without changing the elements: Reshape, Flatten, Squeeze,
// Unsqueeze, Identity, Dropout, Transpose, DepthToSpace, SpaceToDepth. Those that can leave a
// rank-0/1 integer tensor carry its elements along, so shape arithmetic stays symbolic.
extension ShapeOpRules {
    static func reshape(_ context: inout ShapeContext) throws {
        let allowZero = context.opset >= 14 && context.int("allowzero", default: 0) != 0
        let shape: [SymbolicDim?]?
        switch list(context, input: 1) {
        case .known(let requested): shape = try resolve(requested, input: context.shape(0), allowZero: allowZero)
        case .unknown(let count): shape = count.map(unknownDims)
        case .absent: throw ShapeError("Reshape needs its shape input")
        }
        context.set(0, type: context.type(0), shape: shape)
        setElements(&context, 0, context.input(0).elements)
    }

    /// The requested shape with 0 (the input's dim there, unless allowzero) and -1 (whatever the
    /// other dims leave of the element count, when that divides exactly) resolved.
    static func resolve(_ requested: [SymbolicDim], input: [SymbolicDim?]?, allowZero: Bool) throws -> [SymbolicDim?] {
        var shape: [SymbolicDim?] = requested
        var inferred: Int?
        for (axis, dim) in requested.enumerated() {
            switch dim.value {
            case 0? where !allowZero:
                if let input, axis >= input.count {
                    throw ShapeError("shape \(requested) copies dim \(axis) of a rank-\(input.count) input")
                }
                shape[axis] = input?[axis]
            case .some(-1):
                guard inferred == nil else { throw ShapeError("shape \(requested) has more than one -1") }
                inferred = axis
            case let value? where value < 0:
                throw ShapeError("shape \(requested) has a negative dim")
            default:
                break
            }
        }
        if let inferred {
            var others = shape
            others.remove(at: inferred)
            shape[inferred] = input.flatMap(product).flatMap { total in product(others).flatMap { total.dividedExactly(by: $0) } }
        }
        return shape
    }

    static func flatten(_ context: inout ShapeContext) throws {
        guard let shape = context.shape(0) else {
            context.set(0, type: context.type(0), shape: unknownDims(2))
            return
        }
        let axis = context.int("axis", default: 1)
        let split = axis < 0 ? axis + shape.count : axis
        guard split >= 0 && split <= shape.count else { throw ShapeError("axis \(axis) is out of range for rank \(shape.count)") }
        context.set(0, type: context.type(0), shape: [product(shape[..<split]), product(shape[split...])])
    }

    /// Squeeze: axes an attribute before opset 13, an input from 13. Without axes every dim of
    /// size 1 goes, which is only known when every dim is concrete.
    static func squeeze(_ context: inout ShapeContext) throws {
        let axes = list(context, attribute: "axes", input: 1, inputSince: 13)
        context.set(0, type: context.type(0), shape: try squeezed(context, context.shape(0), axes: axes))
        setElements(&context, 0, context.input(0).elements)
    }

    private static func squeezed(_ context: ShapeContext, _ shape: [SymbolicDim?]?, axes list: IntegerList) throws -> [SymbolicDim?]? {
        guard let shape else { return nil }
        let axes: [Int]
        switch list {
        case .absent, .known([]):
            guard shape.allSatisfy({ $0?.value != nil }) else { return nil }
            return shape.filter { $0?.value != 1 }
        case .unknown(let count):
            guard let count else { return nil }
            guard count <= shape.count else { throw ShapeError("\(count) axes to squeeze from rank \(shape.count)") }
            return unknownDims(shape.count - count)
        case .known(let elements):
            guard let normalized = try Self.axes(context, list, rank: shape.count) else {
                return elements.count <= shape.count ? unknownDims(shape.count - elements.count) : nil
            }
            axes = normalized
        }
        for axis in axes {
            if let size = shape[axis]?.value, size != 1 { throw ShapeError("cannot squeeze axis \(axis) of size \(size)") }
        }
        return shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }

    /// Unsqueeze: axes an attribute before opset 13, an input from 13; they index the output.
    static func unsqueeze(_ context: inout ShapeContext) throws {
        let list = list(context, attribute: "axes", input: 1, inputSince: 13)
        guard let count = list.count else {
            if case .absent = list { throw ShapeError("Unsqueeze needs axes") }
            context.set(0, type: context.type(0), shape: nil)
            return
        }
        var shape: [SymbolicDim?]?
        if let input = context.shape(0) {
            let rank = input.count + count
            if let axes = try axes(context, list, rank: rank) {
                var remaining = input.makeIterator()
                shape = (0..<rank).map { axes.contains($0) ? SymbolicDim(1) : remaining.next() ?? nil }
            } else {
                shape = unknownDims(rank)
            }
        }
        context.set(0, type: context.type(0), shape: shape)
        setElements(&context, 0, context.input(0).elements)
    }

    static func identity(_ context: inout ShapeContext) throws {
        context.set(0, context.input(0))
    }

    /// Dropout at inference passes its input; the mask is bool from opset 10, the input's type before.
    static func dropout(_ context: inout ShapeContext) throws {
        context.set(0, type: context.type(0), shape: context.shape(0))
        context.set(1, type: context.opset >= 10 ? .bool : context.type(0), shape: context.shape(0))
    }

    static func transpose(_ context: inout ShapeContext) throws {
        let shape = context.shape(0)
        guard let perm = context.ints("perm") ?? shape.map({ Array($0.indices.reversed()) }) else {
            context.set(0, type: context.type(0), shape: nil)
            return
        }
        guard perm.sorted() == Array(perm.indices), shape.map({ $0.count == perm.count }) ?? true else {
            throw ShapeError("perm \(perm) is not a permutation of the input's axes")
        }
        context.set(0, type: context.type(0), shape: perm.map { shape?[$0] ?? nil })
    }

    /// [N, C, H, W] → [N, C/b², H·b, W·b].
    static func depthToSpace(_ context: inout ShapeContext) throws {
        try spatialBlocks(&context) { dims, block in
            [dims[0], try exactly(dims[1], dividedBy: block * block), dims[2].map { $0 * block }, dims[3].map { $0 * block }]
        }
    }

    /// [N, C, H, W] → [N, C·b², H/b, W/b].
    static func spaceToDepth(_ context: inout ShapeContext) throws {
        try spatialBlocks(&context) { dims, block in
            [dims[0], dims[1].map { $0 * block * block }, try exactly(dims[2], dividedBy: block), try exactly(dims[3], dividedBy: block)]
        }
    }

    private static func spatialBlocks(_ context: inout ShapeContext,
                                      _ transform: ([SymbolicDim?], SymbolicDim) throws -> [SymbolicDim?]) throws {
        guard let block = context.int("blocksize"), block > 0 else { throw ShapeError("blocksize must be a positive integer") }
        let dims = context.shape(0) ?? unknownDims(4)
        guard dims.count == 4 else { throw ShapeError("input must have rank 4, it has \(dims.count)") }
        context.set(0, type: context.type(0), shape: try transform(dims, SymbolicDim(block)))
    }

    /// dim / divisor when exact; nil when that cannot be told; an error when a concrete size does not divide.
    static func exactly(_ dim: SymbolicDim?, dividedBy divisor: SymbolicDim) throws -> SymbolicDim? {
        guard let dim else { return nil }
        if let quotient = dim.dividedExactly(by: divisor) { return quotient }
        if let size = dim.value, let k = divisor.value { throw ShapeError("\(size) does not divide by \(k)") }
        return nil
    }
}
