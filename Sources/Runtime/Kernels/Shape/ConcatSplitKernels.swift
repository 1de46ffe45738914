import ONNXModel

extension ShapeOps {
    /// Tensors seen as [outer, axis, inner] rows: Concat copies each input's row into its slot of
    /// the output row, Split copies slots out. Each (row, segment) pair is one memcpy.
    enum AxisSegments {
        struct Segment {
            let source: UnsafeRawPointer
            let sourceRowBytes: Int
            let destination: UnsafeMutableRawPointer
            let destinationRowBytes: Int
            let bytes: Int
        }

        static func copy(_ segments: [Segment], outer: Int, threads: Int) {
            let work = segments.filter { $0.bytes > 0 }
            guard !work.isEmpty, outer > 0 else { return }
            let bytesPerItem = max(1, work.reduce(0) { $0 + $1.bytes } / work.count)
            parallelRanges(outer * work.count, threads: threads, minimumPerThread: max(1, bytesPerThread / bytesPerItem)) { range in
                for item in range {
                    let row = item / work.count, segment = work[item % work.count]
                    (segment.destination + row * segment.destinationRowBytes)
                        .copyMemory(from: segment.source + row * segment.sourceRowBytes, byteCount: segment.bytes)
                }
            }
        }
    }
}

struct ConcatKernel: OpKernel {
    let axis: Int

    init(_ node: KernelNode) throws {
        axis = try ShapeOps.requiredInt(node, "axis")
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let tensors = inputs.compactMap { $0 }
        guard let first = tensors.first else { throw RuntimeError.invalidModel("Concat needs at least one input") }
        try ShapeOps.requireSameType(tensors, "inputs")
        let axis = try ShapeOps.axis(self.axis, rank: first.rank, "axis")
        var shape = first.shape
        shape[axis] = 0
        for tensor in tensors {
            guard tensor.rank == first.rank, tensor.shape.indices.allSatisfy({ $0 == axis || tensor.shape[$0] == first.shape[$0] }) else {
                throw RuntimeError.invalidModel("cannot concatenate \(first.shape) and \(tensor.shape) along axis \(axis)")
            }
            shape[axis] += tensor.shape[axis]
        }
        let output = Tensor(uninitialized: first.type, shape: shape)
        let size = Tensor.elementSize(first.type)
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *) * size
        var offset = 0
        let segments = tensors.map { tensor -> ShapeOps.AxisSegments.Segment in
            let bytes = tensor.shape[axis] * inner
            defer { offset += bytes }
            return .init(source: tensor.storage.raw, sourceRowBytes: bytes, destination: output.storage.raw + offset,
                         destinationRowBytes: shape[axis] * inner, bytes: bytes)
        }
        ShapeOps.AxisSegments.copy(segments, outer: outer, threads: context.threads)
        return [output]
    }
}

struct SplitKernel: OpKernel {
    let axis: Int
    let outputCount: Int
    let attributeSplit: [Int]?
    let splitFromInput: Bool
    let numOutputs: Int?

    init(_ node: KernelNode) throws {
        axis = node.int("axis", default: 0)
        outputCount = node.outputCount
        splitFromInput = node.opset >= 13
        attributeSplit = splitFromInput ? nil : node.ints("split")
        numOutputs = node.opset >= 18 ? node.int("num_outputs") : nil
        if let numOutputs, numOutputs != outputCount {
            throw node.failure("num_outputs \(numOutputs) differs from the \(outputCount) outputs")
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "input")
        let axis = try ShapeOps.axis(self.axis, rank: input.rank, "axis")
        let sizes = try partSizes(length: input.shape[axis], inputs)
        let size = Tensor.elementSize(input.type)
        let outer = input.shape[..<axis].reduce(1, *), inner = input.shape[(axis + 1)...].reduce(1, *) * size
        var start = 0
        var outputs: [Tensor] = []
        var segments: [ShapeOps.AxisSegments.Segment] = []
        for length in sizes {
            var shape = input.shape
            shape[axis] = length
            let output = Tensor(uninitialized: input.type, shape: shape)
            segments.append(.init(source: UnsafeRawPointer(input.storage.raw) + start * inner, sourceRowBytes: input.shape[axis] * inner,
                                  destination: output.storage.raw, destinationRowBytes: length * inner, bytes: length * inner))
            outputs.append(output)
            start += length
        }
        ShapeOps.AxisSegments.copy(segments, outer: outer, threads: context.threads)
        return outputs
    }

    /// The length of each part: given, or equal parts (from opset 18 the last may be smaller).
    private func partSizes(length: Int, _ inputs: [Tensor?]) throws -> [Int] {
        if let split = try splitFromInput ? ShapeOps.optionalIntegers(inputs, 1, "split") : attributeSplit {
            guard split.count == outputCount, split.allSatisfy({ $0 >= 0 && $0 <= length }), split.reduce(0, +) == length else {
                throw RuntimeError.invalidModel("split \(split) does not divide length \(length) into \(outputCount) parts")
            }
            return split
        }
        guard outputCount > 0 else { throw RuntimeError.invalidModel("Split has no outputs") }
        if numOutputs != nil {
            let chunk = (length + outputCount - 1) / outputCount
            let last = length - chunk * (outputCount - 1)
            guard last >= 0 else { throw RuntimeError.invalidModel("cannot split length \(length) into \(outputCount) parts") }
            return Array(repeating: chunk, count: outputCount - 1) + [last]
        }
        guard length % outputCount == 0 else {
            throw RuntimeError.invalidModel("length \(length) does not split into \(outputCount) equal parts")
        }
        return Array(repeating: length / outputCount, count: outputCount)
    }
}
