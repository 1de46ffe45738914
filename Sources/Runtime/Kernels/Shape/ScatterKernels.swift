import ONNXModel

extension ShapeOps {
    /// How a scatter combines an update with the value already there (opset 16 added add and
    /// mul, 18 max and min). Duplicate indices apply in order, as in the reference.
    enum ScatterReduction: String {
        case none, add, mul, max, min

        init(_ node: KernelNode, since opset: Int) throws {
            guard node.opset >= opset else { self = .none; return }
            let name = node.string("reduction", default: "none")
            guard let reduction = ScatterReduction(rawValue: name) else {
                throw node.failure("reduction '\(name)' is not none, add, mul, max or min")
            }
            self = reduction
        }
    }

    /// A copy of `data` with update slice i (of `sliceLength` elements) written at element
    /// offset `offsets[i]`.
    static func scatter(_ data: Tensor, updates: Tensor, offsets: [Int], sliceLength: Int,
                        reduction: ScatterReduction) throws -> Tensor {
        guard updates.type == data.type else {
            throw RuntimeError.invalidModel("updates are \(updates.type), data is \(data.type)")
        }
        let output = copy(data)
        let writes = ScatterWrites(output: output.storage.raw, updates: updates.storage.raw, offsets: offsets,
                                   sliceLength: sliceLength, reduction: reduction)
        if reduction == .none {
            try writes.run(elementSize: Tensor.elementSize(data.type))
        } else {
            try writes.run(on: data.type, "reduction '\(reduction.rawValue)'")
        }
        return output
    }

    private struct ScatterWrites: ElementMove, NumericMove {
        let output: UnsafeMutableRawPointer
        let updates: UnsafeRawPointer
        let offsets: [Int]
        let sliceLength: Int
        let reduction: ScatterReduction

        /// Plain replacement, for every element type.
        func callAsFunction<T>(_: T.Type) {
            apply(T.self) { _, new in new }
        }

        func callAsFunction<T: Arithmetic>(_: T.Type) {
            switch reduction {
            case .none: apply(T.self) { _, new in new }
            case .add: apply(T.self, T.adding)
            case .mul: apply(T.self, T.multiplying)
            case .max: apply(T.self) { Swift.max($0, $1) }
            case .min: apply(T.self) { Swift.min($0, $1) }
            }
        }

        @inline(__always)
        private func apply<T>(_: T.Type, _ combine: (T, T) -> T) {
            let to = output.assumingMemoryBound(to: T.self), from = updates.assumingMemoryBound(to: T.self)
            for (i, offset) in offsets.enumerated() {
                for k in 0..<sliceLength { to[offset + k] = combine(to[offset + k], from[i * sliceLength + k]) }
            }
        }
    }
}

struct ScatterNDKernel: OpKernel {
    let reduction: ShapeOps.ScatterReduction

    init(_ node: KernelNode) throws { reduction = try .init(node, since: 16) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let updates = try ShapeOps.input(inputs, 2, "updates")
        let slices = try ShapeOps.IndexedSlices(data: data.shape, indices: try ShapeOps.input(inputs, 1, "indices"), batchDims: 0)
        guard updates.shape == slices.tupleShape + slices.sliceShape else {
            throw RuntimeError.invalidModel("updates \(updates.shape) should be \(slices.tupleShape + slices.sliceShape)")
        }
        return [try ShapeOps.scatter(data, updates: updates, offsets: slices.offsets, sliceLength: slices.sliceLength,
                                     reduction: reduction)]
    }
}

/// ScatterElements, and the deprecated Scatter (opsets 9-10) it replaced.
struct ScatterElementsKernel: OpKernel {
    let axis: Int
    let reduction: ShapeOps.ScatterReduction

    init(_ node: KernelNode) throws {
        axis = node.int("axis", default: 0)
        reduction = node.opType == "Scatter" ? .none : try .init(node, since: 16)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let indices = try ShapeOps.input(inputs, 1, "indices")
        let updates = try ShapeOps.input(inputs, 2, "updates")
        guard updates.shape == indices.shape else {
            throw RuntimeError.invalidModel("updates \(updates.shape) and indices \(indices.shape) differ")
        }
        let axis = try ShapeOps.axis(self.axis, rank: data.rank, "axis")
        let offsets = try ShapeOps.ElementPositions.along(axis, of: data.shape, indices: indices)
        return [try ShapeOps.scatter(data, updates: updates, offsets: offsets, sliceLength: 1, reduction: reduction)]
    }
}
