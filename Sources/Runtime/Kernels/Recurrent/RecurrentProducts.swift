import CKernels

/// The matrix products of the recurrent ops, all of the form C = A · Bᵀ with B stored row-major
/// as [n, k] (how W and R hold one row per gate unit). A few rows (batch 1 to 4, the common
/// streaming case) take SIMD dot products, since a blocked GEMM would spend its time packing
/// B; more rows go to qt_sgemm, split across threads for large products.
enum RecurrentProducts {
    /// Rows at or below this count use dot products.
    static let dotRowLimit = 4
    /// Multiply-adds that make starting another thread worth it.
    static let workPerThread = 1 << 20

    /// C[i, j] = Σₖ A[i, k]·B[j, k] for i < rows, j < n; A has row stride `lda`, C has `ldc`.
    static func multiplyTransposed(_ a: UnsafePointer<Float>, rows: Int, k: Int, lda: Int,
                                   _ b: UnsafePointer<Float>, n: Int,
                                   into c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
        guard rows > 0, n > 0 else { return }
        if rows <= dotRowLimit {
            // Split the columns: each thread reads its own rows of B.
            let minimumColumns = max(16, workPerThread / max(rows * k, 1))
            parallelRanges(n, threads: threads, minimumPerThread: minimumColumns) { columns in
                for i in 0..<rows {
                    let row = a + i * lda
                    let out = c + i * ldc
                    for j in columns { out[j] = dot(row, b + j * k, k) }
                }
            }
            return
        }
        let minimumRows = max(dotRowLimit + 1, workPerThread / max(n * k, 1))
        parallelRanges(rows, threads: threads, minimumPerThread: minimumRows) { range in
            qt_sgemm(Int32(range.count), Int32(n), Int32(k), a + range.lowerBound * lda, Int32(lda), 0,
                     b, Int32(k), 1, c + range.lowerBound * ldc, Int32(ldc), 0)
        }
    }

    /// The same product by the plain triple loop: the reference the fast paths are tested against.
    static func referenceMultiplyTransposed(_ a: UnsafePointer<Float>, rows: Int, k: Int, lda: Int,
                                            _ b: UnsafePointer<Float>, n: Int,
                                            into c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<rows {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * lda + p] * b[j * k + p] }
                c[i * ldc + j] = sum
            }
        }
    }

    /// Σ a[i]·b[i] with two 8-lane accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
