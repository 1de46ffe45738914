import ONNXModel

extension ShapeOps {
    /// Copies rows of `rowLength` elements: output row i is source row `rows[i]`. Rows of
    /// one element are moved as typed values, longer ones with memcpy.
    struct RowGather: ElementMove {
        let source: UnsafeRawPointer
        let destination: UnsafeMutableRawPointer
        let rows: [Int]
        let rowLength: Int
        let threads: Int

        func callAsFunction<T>(_: T.Type) {
            let stride = MemoryLayout<T>.stride, rowBytes = rowLength * stride
            let perThread = max(1, bytesPerThread / max(rowBytes, 1))
            parallelRanges(rows.count, threads: threads, minimumPerThread: perThread) { range in
                if rowLength == 1 {
                    let from = source.assumingMemoryBound(to: T.self), to = destination.assumingMemoryBound(to: T.self)
                    for i in range { to[i] = from[rows[i]] }
                } else {
                    for i in range {
                        (destination + i * rowBytes).copyMemory(from: source + rows[i] * rowBytes, byteCount: rowBytes)
                    }
                }
            }
        }
    }
}

struct GatherKernel: OpKernel {
    let axis: Int

    init(_ node: KernelNode) throws { axis = node.int("axis", default: 0) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let indexTensor = try ShapeOps.input(inputs, 1, "indices")
        guard data.rank > 0 else { throw RuntimeError.invalidModel("data must have rank 1 or more") }
        let axis = try ShapeOps.axis(self.axis, rank: data.rank, "axis")
        let dim = data.shape[axis]
        let indices = try ShapeOps.indices(indexTensor, "indices").map { try ShapeOps.index($0, size: dim, "index") }
        let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *)
        var rows = [Int](repeating: 0, count: outer * indices.count)
        for o in 0..<outer {
            for (j, index) in indices.enumerated() { rows[o * indices.count + j] = o * dim + index }
        }
        let output = Tensor(uninitialized: data.type, shape: Array(data.shape[..<axis]) + indexTensor.shape + data.shape[(axis + 1)...])
        try ShapeOps.RowGather(source: data.storage.raw, destination: output.storage.raw, rows: rows, rowLength: inner,
                               threads: context.threads).run(elementSize: Tensor.elementSize(data.type))
        return [output]
    }
}

struct GatherElementsKernel: OpKernel {
    let axis: Int

    init(_ node: KernelNode) throws { axis = node.int("axis", default: 0) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let indexTensor = try ShapeOps.input(inputs, 1, "indices")
        let axis = try ShapeOps.axis(self.axis, rank: data.rank, "axis")
        let sources = try ShapeOps.ElementPositions.along(axis, of: data.shape, indices: indexTensor)
        let output = Tensor(uninitialized: data.type, shape: indexTensor.shape)
        try ShapeOps.RowGather(source: data.storage.raw, destination: output.storage.raw, rows: sources, rowLength: 1,
                               threads: context.threads).run(elementSize: Tensor.elementSize(data.type))
        return [output]
    }
}

extension ShapeOps {
    /// Element offsets in a tensor of `shape` for GatherElements/ScatterElements: for each
    /// position of `indices`, that position with its `axis` coordinate replaced by the index.
    enum ElementPositions {
        static func along(_ axis: Int, of shape: [Int], indices tensor: Tensor) throws -> [Int] {
            guard tensor.rank == shape.count,
                  tensor.shape.indices.allSatisfy({ $0 == axis || tensor.shape[$0] <= shape[$0] }) else {
                throw RuntimeError.invalidModel("indices \(tensor.shape) do not fit data \(shape) along axis \(axis)")
            }
            let indices = try ShapeOps.indices(tensor, "indices")
            if indices.isEmpty { return [] }
            let strides = Shapes.strides(shape)
            var positionStrides = strides
            positionStrides[axis] = 0
            let walk = StridedCopy(shape: tensor.shape, source: positionStrides, destination: Shapes.strides(tensor.shape))
            var walker = OuterAxes(walk, excluding: []).walker(at: 0)
            var offsets = [Int](repeating: 0, count: indices.count)
            for i in indices.indices {
                offsets[i] = walker.sourceOffset + (try ShapeOps.index(indices[i], size: shape[axis], "index")) * strides[axis]
                walker.advance()
            }
            return offsets
        }
    }

    /// Offsets of the slices that GatherND/ScatterND index: each row of the last indices
    /// axis addresses a slice of `data` (after `batchDims` shared leading axes).
    struct IndexedSlices {
        let offsets: [Int]
        let sliceShape: [Int]
        let tupleShape: [Int]

        var sliceLength: Int { sliceShape.reduce(1, *) }

        init(data shape: [Int], indices tensor: Tensor, batchDims: Int) throws {
            guard tensor.rank >= 1, batchDims >= 0, batchDims < tensor.rank, batchDims <= shape.count,
                  Array(shape[..<batchDims]) == Array(tensor.shape[..<batchDims]) else {
                throw RuntimeError.invalidModel("indices \(tensor.shape) do not fit data \(shape) with batch_dims \(batchDims)")
            }
            let depth = tensor.shape[tensor.rank - 1]
            guard depth <= shape.count - batchDims else {
                throw RuntimeError.invalidModel("index tuples of \(depth) values address data of rank \(shape.count)")
            }
            let indices = try ShapeOps.indices(tensor, "indices")
            let strides = Shapes.strides(shape)
            let batchCount = shape[..<batchDims].reduce(1, *), batchStride = shape[batchDims...].reduce(1, *)
            let tuples = depth == 0 ? indices.count : indices.count / depth
            let tuplesPerBatch = tuples / max(batchCount, 1)
            var offsets = [Int](repeating: 0, count: tuples)
            for t in 0..<tuples {
                var offset = (t / max(tuplesPerBatch, 1)) * batchStride
                for k in 0..<depth {
                    let axis = batchDims + k
                    offset += try ShapeOps.index(indices[t * depth + k], size: shape[axis], "index") * strides[axis]
                }
                offsets[t] = offset
            }
            self.offsets = offsets
            sliceShape = Array(shape[(batchDims + depth)...])
            tupleShape = Array(tensor.shape.dropLast())
        }
    }
}

struct GatherNDKernel: OpKernel {
    let batchDims: Int

    init(_ node: KernelNode) throws { batchDims = node.int("batch_dims", default: 0) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let slices = try ShapeOps.IndexedSlices(data: data.shape, indices: try ShapeOps.input(inputs, 1, "indices"), batchDims: batchDims)
        let length = slices.sliceLength
        let output = Tensor(uninitialized: data.type, shape: slices.tupleShape + slices.sliceShape)
        guard length > 0 else { return [output] }
        let rows = slices.offsets.map { $0 / length }
        try ShapeOps.RowGather(source: data.storage.raw, destination: output.storage.raw, rows: rows, rowLength: length,
                               threads: context.threads).run(elementSize: Tensor.elementSize(data.type))
        return [output]
    }
}
