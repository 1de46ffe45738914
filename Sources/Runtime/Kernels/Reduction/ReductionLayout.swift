/// A tensor seen as [outer, reduced, inner] around the axes an op reduces, so every reduction
/// kernel runs the same two loops: rows (inner == 1, contiguous) or columns (inner > 1).
struct ReductionLayout: Equatable {
    var outer: Int
    var reduced: Int
    var inner: Int
    /// Axis order that brings the reduced axes last, when they are not one contiguous block;
    /// the data must be permuted with it first (and then inner is 1).
    var permutation: [Int]?
    var outputShape: [Int]

    var outputCount: Int { outer * inner }

    init(shape: [Int], axes: Set<Int>, keepDims: Bool) {
        let outputShape = shape.indices.compactMap { axes.contains($0) ? (keepDims ? 1 : nil) : shape[$0] }
        // Size-1 axes never break contiguity: they fit on either side of the block.
        let significant = shape.indices.filter { shape[$0] != 1 }
        let reducedAxes = significant.filter { axes.contains($0) }
        guard let first = reducedAxes.first, let last = reducedAxes.last else {
            self.init(outer: Shapes.count(shape), reduced: 1, inner: 1, outputShape: outputShape)
            return
        }
        let keptInside = significant.contains { $0 > first && $0 < last && !axes.contains($0) }
        if keptInside {
            let kept = shape.indices.filter { !axes.contains($0) }
            let moved = shape.indices.filter { axes.contains($0) }
            self.init(outer: Shapes.count(kept.map { shape[$0] }), reduced: Shapes.count(moved.map { shape[$0] }),
                      inner: 1, outputShape: outputShape)
            permutation = kept + moved
        } else {
            self.init(outer: Shapes.count(Array(shape[..<first])), reduced: Shapes.count(Array(shape[first...last])),
                      inner: Shapes.count(Array(shape[(last + 1)...])), outputShape: outputShape)
        }
    }

    /// The layout of a single axis: [before, axis, after].
    init(shape: [Int], axis: Int, keepDims: Bool) {
        self.init(shape: shape, axes: [axis], keepDims: keepDims)
        // A lone axis is always one block; also keep the size-1 case in [outer, 1, inner] form
        // so kernels that index along the axis see it where it is.
        outer = Shapes.count(Array(shape[..<axis]))
        reduced = shape[axis]
        inner = Shapes.count(Array(shape[(axis + 1)...]))
    }

    private init(outer: Int, reduced: Int, inner: Int, outputShape: [Int]) {
        self.outer = outer
        self.reduced = reduced
        self.inner = inner
        self.outputShape = outputShape
    }

    /// Axes as a validated set: each in -rank..<rank, duplicates ignored.
    static func normalizedAxes(_ axes: [Int], rank: Int, name: String) throws -> Set<Int> {
        var result = Set<Int>()
        for axis in axes {
            guard let normalized = Shapes.normalizeAxis(axis, rank: rank) else {
                throw RuntimeError.invalidModel("\(name) \(axis) is out of range for rank \(rank)")
            }
            if rank > 0 { result.insert(normalized) }
        }
        return result
    }
}

/// Copies of a tensor with its axes reordered, for any element type (moved as raw words).
enum ReductionTranspose {
    static func permute(_ tensor: Tensor, _ permutation: [Int]) -> Tensor {
        let output = Tensor(uninitialized: tensor.type, shape: permutation.map { tensor.shape[$0] })
        let source = UnsafeRawPointer(tensor.storage.raw)
        let destination = output.storage.raw
        switch Tensor.elementSize(tensor.type) {
        case 1: copy(source, destination, UInt8.self, tensor.shape, permutation)
        case 2: copy(source, destination, UInt16.self, tensor.shape, permutation)
        case 4: copy(source, destination, UInt32.self, tensor.shape, permutation)
        case 8: copy(source, destination, UInt64.self, tensor.shape, permutation)
        default: copy(source, destination, (UInt64, UInt64).self, tensor.shape, permutation)
        }
        return output
    }

    private static func copy<Word>(_ source: UnsafeRawPointer, _ destination: UnsafeMutableRawPointer, _: Word.Type,
                                   _ shape: [Int], _ permutation: [Int]) {
        permuted(source.assumingMemoryBound(to: Word.self), destination.assumingMemoryBound(to: Word.self),
                 shape: shape, permutation: permutation)
    }

    /// `destination` gets `source` (of `shape`) with output axis i taken from input axis permutation[i].
    static func permuted<T>(_ source: UnsafePointer<T>, _ destination: UnsafeMutablePointer<T>, shape: [Int],
                            permutation: [Int]) {
        let outputShape = permutation.map { shape[$0] }
        let inputStrides = Shapes.strides(shape)
        let strides = permutation.map { inputStrides[$0] }
        let count = Shapes.count(outputShape)
        guard count > 0 else { return }
        guard let last = outputShape.indices.last else { destination[0] = source[0]; return }
        let run = outputShape[last], runStride = strides[last]
        var index = [Int](repeating: 0, count: outputShape.count)
        var offset = 0
        var written = 0
        while written < count {
            let target = destination + written
            if runStride == 1 {
                target.update(from: source + offset, count: run)
            } else {
                for j in 0..<run { target[j] = source[offset + j * runStride] }
            }
            written += run
            var axis = last - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < outputShape[axis] { break }
                offset -= strides[axis] * outputShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    static func inverse(_ permutation: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: permutation.count)
        for (i, axis) in permutation.enumerated() { result[axis] = i }
        return result
    }
}

extension Tensor {
    /// Typed access to any tensor's storage, for kernels that already dispatched on `type`
    /// (bool is read as its one byte).
    func reductionBuffer<T>(_: T.Type) -> UnsafeMutablePointer<T> { storage.raw.assumingMemoryBound(to: T.self) }
}
