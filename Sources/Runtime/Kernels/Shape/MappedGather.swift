import ONNXModel

extension ShapeOps {
    /// Builds output[i0, i1, ...] = input[maps[0][i0], maps[1][i1], ...], or `fill` where any
    /// map entry is -1: Pad's border modes and constant fill, and nearest Resize. The last
    /// axis's map is split once into fill, contiguous-run and scattered segments; an output
    /// row reading the same source row as the one before is copied from it.
    struct MappedGather: ElementMove {
        let input: Tensor
        let maps: [[Int]]
        let fill: [UInt8]
        let threads: Int

        var outputShape: [Int] { maps.map(\.count) }

        func callAsFunction<T>(_: T.Type) -> Tensor {
            let output = Tensor(uninitialized: input.type, shape: outputShape)
            guard let columnMap = maps.last else {
                output.storage.raw.copyMemory(from: input.storage.raw, byteCount: output.byteCount)
                return output
            }
            let columns = columnMap.count, rows = columns == 0 ? 0 : output.count / columns
            let rowMaps = Array(maps.dropLast()), strides = Shapes.strides(input.shape)
            let segments = Segment.split(columnMap)
            let fillValue = fill.count == MemoryLayout<T>.stride ? fill.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
                : withUnsafeBytes(of: (0, 0)) { $0.loadUnaligned(as: T.self) }
            let source = input.storage.raw.assumingMemoryBound(to: T.self)
            let destination = output.storage.raw.assumingMemoryBound(to: T.self)
            parallelRanges(rows, threads: threads, minimumPerThread: max(1, bytesPerThread / max(1, columns * MemoryLayout<T>.stride))) { range in
                var index = Self.coordinates(of: range.lowerBound, in: rowMaps.map(\.count))
                var previousSource = -2
                for row in range {
                    let sourceRow = Self.sourceOffset(index, rowMaps, strides)
                    let out = destination + row * columns
                    if sourceRow < 0 {
                        out.update(repeating: fillValue, count: columns)
                    } else if sourceRow == previousSource {
                        out.update(from: out - columns, count: columns)
                    } else {
                        let from = source + sourceRow
                        for segment in segments {
                            switch segment {
                            case .fill(let range): (out + range.lowerBound).update(repeating: fillValue, count: range.count)
                            case .run(let range, let start): (out + range.lowerBound).update(from: from + start, count: range.count)
                            case .scattered(let range): for j in range { out[j] = from[columnMap[j]] }
                            }
                        }
                    }
                    previousSource = sourceRow
                    Self.increment(&index, rowMaps)
                }
            }
            return output
        }

        /// The element offset of an output row's source row, or -1 when the row is fill.
        @inline(__always)
        private static func sourceOffset(_ index: [Int], _ maps: [[Int]], _ strides: [Int]) -> Int {
            var offset = 0
            for axis in index.indices {
                let mapped = maps[axis][index[axis]]
                if mapped < 0 { return -1 }
                offset += mapped * strides[axis]
            }
            return offset
        }

        private static func coordinates(of position: Int, in shape: [Int]) -> [Int] {
            var rest = position
            var index = [Int](repeating: 0, count: shape.count)
            for axis in shape.indices.reversed() where shape[axis] > 0 {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            return index
        }

        @inline(__always)
        private static func increment(_ index: inout [Int], _ maps: [[Int]]) {
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < maps[axis].count { return }
                index[axis] = 0
                axis -= 1
            }
        }

        /// A stretch of an output row: constant fill, a contiguous copy from the source row,
        /// or elements each read through the map.
        enum Segment {
            case fill(Range<Int>)
            case run(Range<Int>, source: Int)
            case scattered(Range<Int>)

            static let shortestRun = 4

            static func split(_ map: [Int]) -> [Segment] {
                var segments: [Segment] = []
                var j = 0
                while j < map.count {
                    var end = j + 1
                    if map[j] < 0 {
                        while end < map.count && map[end] < 0 { end += 1 }
                        segments.append(.fill(j..<end))
                    } else {
                        while end < map.count && map[end] == map[end - 1] + 1 && map[end - 1] >= 0 { end += 1 }
                        if end - j >= shortestRun {
                            segments.append(.run(j..<end, source: map[j]))
                        } else if case .scattered(let previous)? = segments.last {
                            segments[segments.count - 1] = .scattered(previous.lowerBound..<end)
                        } else {
                            segments.append(.scattered(j..<end))
                        }
                    }
                    j = end
                }
                return segments
            }
        }

        /// One element at a time, straight from the definition: the oracle for tests.
        func reference() -> Tensor {
            let output = Tensor(uninitialized: input.type, shape: outputShape)
            let size = Tensor.elementSize(input.type), strides = Shapes.strides(input.shape)
            for position in 0..<output.count {
                let index = Self.coordinates(of: position, in: outputShape)
                let mapped = index.indices.map { maps[$0][index[$0]] }
                let target = output.storage.raw + position * size
                if mapped.contains(where: { $0 < 0 }) {
                    fill.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: size) }
                } else {
                    let offset = zip(mapped, strides).reduce(0) { $0 + $1.0 * $1.1 }
                    target.copyMemory(from: input.storage.raw + offset * size, byteCount: size)
                }
            }
            return output
        }
    }
}
