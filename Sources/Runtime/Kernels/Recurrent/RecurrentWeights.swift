import CKernels

/// A recurrence matrix R ([n, k], one row per gate unit) prepared for the product H·Rᵀ that
/// every time step repeats. With few batch rows and enough steps, R is transposed once so each
/// step streams Rᵀ row by row into register accumulators (no horizontal sums, each weight
/// loaded once); a single step keeps the dot products; larger batches go to qt_sgemm.
struct RecurrentWeights {
    /// Steps from which transposing R pays for itself.
    static let transposeFromSteps = 4
    /// Output columns one accumulator block holds.
    static let block = 32

    let weights: UnsafePointer<Float>
    let n: Int
    let k: Int
    let rows: Int
    private let transposed: FloatBuffer?

    init(_ weights: UnsafePointer<Float>, n: Int, k: Int, rows: Int, steps: Int) {
        self.weights = weights
        self.n = n
        self.k = k
        self.rows = rows
        guard rows <= RecurrentProducts.dotRowLimit, steps >= Self.transposeFromSteps else {
            transposed = nil
            return
        }
        let buffer = FloatBuffer(count: n * k)
        for j in 0..<n {
            for p in 0..<k { buffer.pointer[p * n + j] = weights[j * k + p] }
        }
        transposed = buffer
    }

    /// C[i, j − first] = Σₚ H[i, p]·R[j, p] for the columns j in `columns`; H is [rows, k].
    func multiply(_ h: UnsafePointer<Float>, columns: Range<Int>, into c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        guard let transposed else {
            RecurrentProducts.multiplyTransposed(h, rows: rows, k: k, lda: k, weights + columns.lowerBound * k, n: columns.count,
                                                 into: c, ldc: ldc, threads: threads)
            return
        }
        let blocks = (columns.count + Self.block - 1) / Self.block
        let minimumBlocks = max(1, RecurrentProducts.workPerThread / max(rows * k * Self.block, 1))
        parallelRanges(blocks, threads: threads, minimumPerThread: minimumBlocks) { range in
            for blockIndex in range {
                let start = columns.lowerBound + blockIndex * Self.block
                let width = min(Self.block, columns.upperBound - start)
                for i in 0..<rows {
                    accumulateBlock(h + i * k, transposed.pointer + start, width: width, into: c + i * ldc + (start - columns.lowerBound))
                }
            }
        }
    }

    /// out[0..<width] = Σₚ h[p]·Rᵀ[p, 0..<width] (Rᵀ rows `n` apart).
    @inline(__always)
    private func accumulateBlock(_ h: UnsafePointer<Float>, _ rt: UnsafePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>) {
        guard width == Self.block else {
            for j in 0..<width {
                var sum: Float = 0
                for p in 0..<k { sum += h[p] * rt[p * n + j] }
                out[j] = sum
            }
            return
        }
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        let raw = UnsafeRawPointer(rt)
        for p in 0..<k {
            let scale = SIMD16<Float>(repeating: h[p])
            acc0 += scale * raw.loadUnaligned(fromByteOffset: p * n * 4, as: SIMD16<Float>.self)
            acc1 += scale * raw.loadUnaligned(fromByteOffset: p * n * 4 + 64, as: SIMD16<Float>.self)
        }
        let target = UnsafeMutableRawPointer(out)
        target.storeBytes(of: acc0, as: SIMD16<Float>.self)
        target.storeBytes(of: acc1, toByteOffset: 64, as: SIMD16<Float>.self)
    }
}
