extension ShapeOps {
    /// Copies a strided view of one buffer into a strided view of another: the one loop behind
    /// Transpose, Slice, Expand, Tile, DepthToSpace and constant Pad. Strides are in elements and
    /// may be zero (broadcast) or negative (reversed slices); the pointers address the views'
    /// first elements.
    ///
    /// Axes are first coalesced (size-1 axes dropped, axes that are contiguous in both views
    /// merged), then the innermost axis decides the loop: contiguous on both sides copies runs
    /// with memcpy; contiguous in the destination only, with another axis contiguous in the
    /// source, is a transpose done in cache-sized tiles; anything else is a strided element loop.
    struct StridedCopy {
        var shape: [Int]
        var source: [Int]
        var destination: [Int]

        init(shape: [Int], source: [Int], destination: [Int]) {
            (self.shape, self.source, self.destination) = Self.coalesce(shape, source, destination)
        }

        /// Copies the view of `input` at element `offset` with `shape` and `strides` into a new
        /// contiguous tensor of that shape.
        static func gather(_ input: Tensor, offset: Int = 0, shape: [Int], strides: [Int], threads: Int) throws -> Tensor {
            let output = Tensor(uninitialized: input.type, shape: shape)
            let size = Tensor.elementSize(input.type)
            try StridedCopy(shape: shape, source: strides, destination: Shapes.strides(shape))
                .run(from: UnsafeRawPointer(input.storage.raw) + offset * size, to: output.storage.raw, elementSize: size, threads: threads)
            return output
        }

        /// The same view with size-1 axes removed and mergeable neighbours merged.
        static func coalesce(_ shape: [Int], _ source: [Int], _ destination: [Int]) -> ([Int], [Int], [Int]) {
            if shape.contains(0) { return ([0], [1], [1]) }
            var dims: [Int] = [], src: [Int] = [], dst: [Int] = []
            for axis in shape.indices where shape[axis] != 1 {
                if let last = dims.indices.last, src[last] == source[axis] * shape[axis], dst[last] == destination[axis] * shape[axis] {
                    dims[last] *= shape[axis]
                    src[last] = source[axis]
                    dst[last] = destination[axis]
                } else {
                    dims.append(shape[axis])
                    src.append(source[axis])
                    dst.append(destination[axis])
                }
            }
            return (dims, src, dst)
        }

        func run(from input: UnsafeRawPointer, to output: UnsafeMutableRawPointer, elementSize: Int, threads: Int) throws {
            if shape == [0] { return }
            guard let last = shape.indices.last else {
                output.copyMemory(from: input, byteCount: elementSize)
                return
            }
            if source[last] == 1 && destination[last] == 1 {
                copyRuns(input, output, elementSize: elementSize, threads: threads)
            } else if destination[last] == 1, let axis = shape.indices.dropLast().first(where: { source[$0] == 1 }) {
                TiledTranspose(copy: self, rowAxis: axis, input: input, output: output, threads: threads).run(elementSize: elementSize)
            } else {
                try StridedElements(copy: self, input: input, output: output, threads: threads).run(elementSize: elementSize)
            }
        }

        /// Innermost axis contiguous on both sides: one memcpy per run.
        private func copyRuns(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, elementSize: Int, threads: Int) {
            let outer = OuterAxes(self, excluding: [shape.count - 1])
            let runBytes = shape[shape.count - 1] * elementSize
            parallelRanges(outer.count, threads: threads, minimumPerThread: max(1, bytesPerThread / runBytes)) { range in
                var walker = outer.walker(at: range.lowerBound)
                for _ in range {
                    (output + walker.destinationOffset * elementSize)
                        .copyMemory(from: input + walker.sourceOffset * elementSize, byteCount: runBytes)
                    walker.advance()
                }
            }
        }

        /// One element at a time with full index arithmetic and no coalescing: the oracle the
        /// fast loops are tested against.
        static func reference(shape: [Int], source: [Int], destination: [Int], from input: UnsafeRawPointer,
                              to output: UnsafeMutableRawPointer, elementSize: Int) {
            let count = shape.reduce(1, *)
            for linear in 0..<count {
                var rest = linear, src = 0, dst = 0
                for axis in shape.indices.reversed() {
                    let index = rest % shape[axis]
                    rest /= shape[axis]
                    src += index * source[axis]
                    dst += index * destination[axis]
                }
                (output + dst * elementSize).copyMemory(from: input + src * elementSize, byteCount: elementSize)
            }
        }
    }

    /// The axes of a strided copy that the outer loops walk (all but the ones an inner loop handles).
    struct OuterAxes {
        let shape: [Int]
        let source: [Int]
        let destination: [Int]

        init(_ copy: StridedCopy, excluding inner: [Int]) {
            let kept = copy.shape.indices.filter { !inner.contains($0) }
            shape = kept.map { copy.shape[$0] }
            source = kept.map { copy.source[$0] }
            destination = kept.map { copy.destination[$0] }
        }

        var count: Int { shape.reduce(1, *) }

        func walker(at position: Int) -> OffsetWalker { OffsetWalker(self, at: position) }
    }

    /// An odometer over `OuterAxes` that keeps the source and destination offsets in step.
    struct OffsetWalker {
        private let axes: OuterAxes
        private var index: [Int]
        private(set) var sourceOffset = 0
        private(set) var destinationOffset = 0

        init(_ axes: OuterAxes, at position: Int) {
            self.axes = axes
            index = [Int](repeating: 0, count: axes.shape.count)
            var rest = position
            for axis in axes.shape.indices.reversed() {
                index[axis] = rest % axes.shape[axis]
                rest /= axes.shape[axis]
                sourceOffset += index[axis] * axes.source[axis]
                destinationOffset += index[axis] * axes.destination[axis]
            }
        }

        mutating func advance() {
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                sourceOffset += axes.source[axis]
                destinationOffset += axes.destination[axis]
                if index[axis] < axes.shape[axis] { return }
                sourceOffset -= axes.source[axis] * axes.shape[axis]
                destinationOffset -= axes.destination[axis] * axes.shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// A strided inner loop over the innermost axis (broadcasts, steps, reversed slices).
    private struct StridedElements: ElementMove {
        let copy: StridedCopy
        let input: UnsafeRawPointer
        let output: UnsafeMutableRawPointer
        let threads: Int

        func callAsFunction<T>(_: T.Type) {
            let last = copy.shape.count - 1
            let outer = OuterAxes(copy, excluding: [last])
            let count = copy.shape[last], sourceStep = copy.source[last], destinationStep = copy.destination[last]
            let source = input.assumingMemoryBound(to: T.self)
            let destination = output.assumingMemoryBound(to: T.self)
            let perThread = max(1, bytesPerThread / (count * MemoryLayout<T>.stride))
            parallelRanges(outer.count, threads: threads, minimumPerThread: perThread) { range in
                var walker = outer.walker(at: range.lowerBound)
                for _ in range {
                    let from = source + walker.sourceOffset, to = destination + walker.destinationOffset
                    for i in 0..<count { to[i * destinationStep] = from[i * sourceStep] }
                    walker.advance()
                }
            }
        }
    }
}
