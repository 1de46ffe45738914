extension ShapeOps {
    /// Linear and cubic resizing of a float tensor from per-axis taps. The separable path
    /// resizes one axis at a time, innermost first like the reference; resizing only the last
    /// two axes with two taps each (bilinear [N, C, H, W]) is done in one fused pass over
    /// output rows. `reference` evaluates the full tensor-product definition for tests.
    struct Interpolation<T: BinaryFloatingPoint> {
        let taps: [AxisTaps]
        /// Axes whose taps change something (others are skipped).
        let active: [Bool]
        let extrapolation: T
        let threads: Int

        init(taps: [AxisTaps], extrapolation: Double, threads: Int) {
            self.taps = taps
            active = taps.map { !$0.isIdentity }
            self.extrapolation = T(extrapolation)
            self.threads = threads
        }

        func run(_ input: Tensor) -> Tensor {
            let rank = taps.count
            if rank >= 2 && !active[..<(rank - 2)].contains(true) && taps[rank - 1].width == 2 && taps[rank - 2].width == 2
                && (active[rank - 1] || active[rank - 2]) {
                return bilinear(input)
            }
            var current = input
            for axis in (0..<rank).reversed() where active[axis] { current = resize(current, along: axis) }
            return current.storage === input.storage ? ShapeOps.copy(input) : current
        }

        /// One axis of [outer, axis, inner]: each output row is a weighted sum of input rows.
        func resize(_ input: Tensor, along axis: Int) -> Tensor {
            let table = TapTable<T>(taps[axis])
            var shape = input.shape
            let inputLength = shape[axis]
            shape[axis] = table.count
            let output = Tensor(uninitialized: input.type, shape: shape)
            let outputLength = table.count, width = table.width
            let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
            let source = input.storage.raw.assumingMemoryBound(to: T.self)
            forEachRow(of: output, rows: outer * outputLength, length: inner, work: inner * width,
                       outside: { table.outside[$0 % outputLength] }) { item, out in
                let x = item % outputLength, plane = source + (item / outputLength) * inputLength * inner
                let firstRow = plane + table.index[x * width] * inner, firstWeight = table.weight[x * width]
                for i in 0..<inner { out[i] = firstWeight * firstRow[i] }
                for t in 1..<width {
                    let weight = table.weight[x * width + t], row = plane + table.index[x * width + t] * inner
                    if weight != 0 { for i in 0..<inner { out[i] += weight * row[i] } }
                }
            }
            return output
        }

        /// Two taps along each of the last two axes, one output row at a time.
        func bilinear(_ input: Tensor) -> Tensor {
            let rank = input.rank
            let rowTable = TapTable<T>(taps[rank - 2]), columnTable = TapTable<T>(taps[rank - 1])
            let height = input.shape[rank - 2], width = input.shape[rank - 1]
            let outputHeight = rowTable.count, outputWidth = columnTable.count
            let planes = input.shape[..<(rank - 2)].reduce(1, *)
            let output = Tensor(uninitialized: input.type, shape: input.shape.dropLast(2) + [outputHeight, outputWidth])
            let source = input.storage.raw.assumingMemoryBound(to: T.self)
            let extrapolation = self.extrapolation
            let column = columnTable.index, columnWeight = columnTable.weight, columnOutside = columnTable.outside
            forEachRow(of: output, rows: planes * outputHeight, length: outputWidth, work: 2 * outputWidth,
                       outside: { rowTable.outside[$0 % outputHeight] }) { item, out in
                let y = item % outputHeight, plane = source + (item / outputHeight) * height * width
                let top = plane + rowTable.index[2 * y] * width, bottom = plane + rowTable.index[2 * y + 1] * width
                let topWeight = rowTable.weight[2 * y], bottomWeight = rowTable.weight[2 * y + 1]
                for x in 0..<outputWidth {
                    let left = column[2 * x], right = column[2 * x + 1]
                    let leftWeight = columnWeight[2 * x], rightWeight = columnWeight[2 * x + 1]
                    let value = topWeight * (leftWeight * top[left] + rightWeight * top[right])
                        + bottomWeight * (leftWeight * bottom[left] + rightWeight * bottom[right])
                    out[x] = columnOutside[x] ? extrapolation : value
                }
            }
            return output
        }

        /// Runs `body` on each output row of `length` elements in parallel (`work` is a row's
        /// cost in multiply-adds); rows that sample outside the roi get the extrapolation value.
        private func forEachRow(of output: Tensor, rows: Int, length: Int, work: Int, outside: (Int) -> Bool,
                                _ body: (Int, UnsafeMutablePointer<T>) -> Void) {
            let destination = output.storage.raw.assumingMemoryBound(to: T.self)
            let extrapolation = self.extrapolation
            parallelRanges(rows, threads: threads, minimumPerThread: max(1, 16384 / max(1, work))) { range in
                for item in range {
                    let out = destination + item * length
                    if outside(item) { out.update(repeating: extrapolation, count: length) } else { body(item, out) }
                }
            }
        }

        /// Every output element from the product of all axes' taps, in Double.
        func reference(_ input: Tensor) -> Tensor {
            let outputShape = taps.map(\.outside.count)
            let output = Tensor(uninitialized: input.type, shape: outputShape)
            let strides = Shapes.strides(input.shape)
            let source = input.storage.raw.assumingMemoryBound(to: T.self)
            let destination = output.storage.raw.assumingMemoryBound(to: T.self)
            let combinations = taps.map(\.width).reduce(1, *)
            for position in 0..<output.count {
                var rest = position
                var coordinates = [Int](repeating: 0, count: taps.count)
                for axis in taps.indices.reversed() {
                    coordinates[axis] = rest % outputShape[axis]
                    rest /= outputShape[axis]
                }
                if taps.indices.contains(where: { taps[$0].outside[coordinates[$0]] }) {
                    destination[position] = extrapolation
                    continue
                }
                var sum = 0.0
                for combination in 0..<combinations {
                    var choice = combination, weight = 1.0, offset = 0
                    for axis in taps.indices {
                        let t = choice % taps[axis].width, tap = coordinates[axis] * taps[axis].width + t
                        choice /= taps[axis].width
                        weight *= taps[axis].weight[tap]
                        offset += taps[axis].index[tap] * strides[axis]
                    }
                    sum += weight * Double(source[offset])
                }
                destination[position] = T(sum)
            }
            return output
        }
    }

    /// AxisTaps in raw buffers of the element type, for the inner loops.
    final class TapTable<T: BinaryFloatingPoint> {
        let count: Int
        let width: Int
        let index: UnsafeMutablePointer<Int>
        let weight: UnsafeMutablePointer<T>
        let outside: UnsafeMutablePointer<Bool>

        init(_ taps: AxisTaps) {
            count = taps.outside.count
            width = taps.width
            index = .allocate(capacity: max(1, taps.index.count))
            index.initialize(from: taps.index, count: taps.index.count)
            weight = .allocate(capacity: max(1, taps.weight.count))
            weight.initialize(from: taps.weight.map { T($0) }, count: taps.weight.count)
            outside = .allocate(capacity: max(1, count))
            outside.initialize(from: taps.outside, count: count)
        }

        deinit {
            index.deallocate()
            weight.deallocate()
            outside.deallocate()
        }
    }
}
