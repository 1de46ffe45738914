import ONNXModel

// Ops whose output is a strided view of the input (offset, steps, zero strides for repeats),
// copied by StridedCopy: contiguous runs become memcpy.

struct SliceKernel: OpKernel {
    /// starts, ends and axes from attributes before opset 10; later they are inputs.
    let attributeRanges: (starts: [Int], ends: [Int], axes: [Int]?)?

    init(_ node: KernelNode) throws {
        if node.opset >= 10 {
            attributeRanges = nil
        } else {
            guard let starts = node.ints("starts"), let ends = node.ints("ends") else {
                throw node.failure("missing attribute 'starts' or 'ends'")
            }
            attributeRanges = (starts, ends, node.ints("axes"))
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let starts: [Int], ends: [Int], axesGiven: [Int]?, steps: [Int]?
        if let attributeRanges {
            (starts, ends, axesGiven, steps) = (attributeRanges.starts, attributeRanges.ends, attributeRanges.axes, nil)
        } else {
            starts = try ShapeOps.integers(try ShapeOps.input(inputs, 1, "starts"), "starts")
            ends = try ShapeOps.integers(try ShapeOps.input(inputs, 2, "ends"), "ends")
            axesGiven = try ShapeOps.optionalIntegers(inputs, 3, "axes")
            steps = try ShapeOps.optionalIntegers(inputs, 4, "steps")
        }
        let axes = try ShapeOps.distinctAxes(axesGiven ?? Array(0..<starts.count), rank: data.rank, "axes")
        guard ends.count == starts.count, axes.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
            throw RuntimeError.invalidModel("starts, ends, axes and steps must have the same length")
        }
        var shape = data.shape
        var strides = Shapes.strides(data.shape)
        var offset = 0
        for (i, axis) in axes.enumerated() {
            let step = steps?[i] ?? 1
            guard step != 0 else { throw RuntimeError.invalidModel("steps must not be 0") }
            let (start, count) = Shapes.sliceRange(start: starts[i], end: ends[i], step: step, dim: data.shape[axis])
            offset += start * strides[axis]
            shape[axis] = count
            strides[axis] *= count > 1 ? step : 1
        }
        if shape == data.shape && offset == 0 && strides == Shapes.strides(data.shape) { return [data] }
        return [try ShapeOps.StridedCopy.gather(data, offset: offset, shape: shape, strides: strides, threads: context.threads)]
    }
}

struct ExpandKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "input")
        let requested = try ShapeOps.integers(try ShapeOps.input(inputs, 1, "shape"), "shape")
        guard let shape = Shapes.broadcast([input.shape, requested]) else {
            throw RuntimeError.invalidModel("cannot expand \(input.shape) to \(requested)")
        }
        _ = try ShapeOps.checkedCount(shape, "output shape")
        if shape == input.shape { return [input] }
        return [try ShapeOps.StridedCopy.gather(input, shape: shape, strides: Shapes.broadcastStrides(input.shape, to: shape),
                                       threads: context.threads)]
    }
}

struct TileKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    /// Tiling is a view [r0, d0, r1, d1, ...] with stride 0 along each repeat axis.
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "input")
        let repeats = try ShapeOps.integers(try ShapeOps.input(inputs, 1, "repeats"), "repeats")
        guard repeats.count == input.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw RuntimeError.invalidModel("repeats \(repeats) must be \(input.rank) non-negative values")
        }
        let strides = Shapes.strides(input.shape)
        let viewShape = input.shape.indices.flatMap { [repeats[$0], input.shape[$0]] }
        let viewStrides = input.shape.indices.flatMap { [0, strides[$0]] }
        _ = try ShapeOps.checkedCount(viewShape, "output shape")
        let shape = input.shape.indices.map { repeats[$0] * input.shape[$0] }
        return [try ShapeOps.StridedCopy.gather(input, shape: viewShape, strides: viewStrides, threads: context.threads).reshaped(shape)]
    }
}
