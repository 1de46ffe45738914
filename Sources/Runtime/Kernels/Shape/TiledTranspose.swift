extension ShapeOps {
    /// The transpose case of a strided copy: `rowAxis` is contiguous in the source and the
    /// innermost axis is contiguous in the destination (last-two-axes swaps, NCHW<->NHWC).
    /// Work goes in tiles of rows x columns that stay in cache, each moved in 4x4 blocks
    /// through SIMD registers (four contiguous loads, four contiguous stores), with scalar
    /// edges; 16-byte elements use the scalar loop throughout.
    struct TiledTranspose {
        let copy: StridedCopy
        let rowAxis: Int
        let input: UnsafeRawPointer
        let output: UnsafeMutableRawPointer
        let threads: Int
        static let rowTile = 32
        static let columnTile = 64

        func run(elementSize: Int) {
            switch elementSize {
            case 1: blocked(UInt8.self)
            case 2: blocked(UInt16.self)
            case 4: blocked(UInt32.self)
            case 8: blocked(UInt64.self)
            default: forEachTile(SixteenBytes.self) { Self.scalarTile($0, rows: $1, columns: $2) }
            }
        }

        private func blocked<T: SIMDScalar>(_: T.Type) {
            forEachTile(T.self) { Self.blockTile($0, rows: $1, columns: $2) }
        }

        /// Pointers and strides of one tile: destination[row * rowStep + column] =
        /// source[row + column * columnStep].
        struct Tile<T> {
            let source: UnsafePointer<T>
            let destination: UnsafeMutablePointer<T>
            let rowStep: Int
            let columnStep: Int
        }

        /// Calls `body` for every tile; threads split the outer axes and row tiles.
        private func forEachTile<T>(_: T.Type, _ body: (Tile<T>, Range<Int>, Range<Int>) -> Void) {
            let last = copy.shape.count - 1
            let outer = OuterAxes(copy, excluding: [rowAxis, last])
            let rows = copy.shape[rowAxis], columns = copy.shape[last]
            let rowStep = copy.destination[rowAxis], columnStep = copy.source[last]
            let rowBlocks = (rows + Self.rowTile - 1) / Self.rowTile
            let source = input.assumingMemoryBound(to: T.self), destination = output.assumingMemoryBound(to: T.self)
            let perThread = max(1, bytesPerThread / (Self.rowTile * columns * MemoryLayout<T>.stride))
            parallelRanges(outer.count * rowBlocks, threads: threads, minimumPerThread: perThread) { range in
                var walker = outer.walker(at: range.lowerBound / rowBlocks)
                var block = range.lowerBound % rowBlocks
                for _ in range {
                    let tile = Tile(source: source + walker.sourceOffset, destination: destination + walker.destinationOffset,
                                    rowStep: rowStep, columnStep: columnStep)
                    let rowRange = block * Self.rowTile..<min(rows, (block + 1) * Self.rowTile)
                    for start in stride(from: 0, to: columns, by: Self.columnTile) {
                        body(tile, rowRange, start..<min(columns, start + Self.columnTile))
                    }
                    block += 1
                    if block == rowBlocks {
                        block = 0
                        walker.advance()
                    }
                }
            }
        }

        /// Element by element, writing each destination row contiguously.
        @inline(__always)
        private static func scalarTile<T>(_ tile: Tile<T>, rows: Range<Int>, columns: Range<Int>) {
            for row in rows {
                let to = tile.destination + row * tile.rowStep, from = tile.source + row
                for column in columns { to[column] = from[column * tile.columnStep] }
            }
        }

        @inline(__always)
        private static func blockTile<T: SIMDScalar>(_ tile: Tile<T>, rows: Range<Int>, columns: Range<Int>) {
            var row = rows.lowerBound
            while row + 4 <= rows.upperBound {
                var column = columns.lowerBound
                while column + 4 <= columns.upperBound {
                    transpose4x4(tile, row: row, column: column)
                    column += 4
                }
                scalarTile(tile, rows: row..<row + 4, columns: column..<columns.upperBound)
                row += 4
            }
            scalarTile(tile, rows: row..<rows.upperBound, columns: columns)
        }

        @inline(__always)
        private static func transpose4x4<T: SIMDScalar>(_ tile: Tile<T>, row: Int, column: Int) {
            func load(_ k: Int) -> SIMD4<T> {
                UnsafeRawPointer(tile.source + row + (column + k) * tile.columnStep).loadUnaligned(as: SIMD4<T>.self)
            }
            func store(_ k: Int, _ value: SIMD4<T>) {
                UnsafeMutableRawPointer(tile.destination + (row + k) * tile.rowStep + column).storeBytes(of: value, as: SIMD4<T>.self)
            }
            let c0 = load(0), c1 = load(1), c2 = load(2), c3 = load(3)
            store(0, SIMD4(c0[0], c1[0], c2[0], c3[0]))
            store(1, SIMD4(c0[1], c1[1], c2[1], c3[1]))
            store(2, SIMD4(c0[2], c1[2], c2[2], c3[2]))
            store(3, SIMD4(c0[3], c1[3], c2[3], c3[3]))
        }
    }
}
