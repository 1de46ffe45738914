import CKernels

/// Float matrix products on the C microkernels, split across threads.
public enum GEMM {
    /// C[M×N] = A·B, or C += A·B when `accumulate`. A is M×K (K×M when `transA`), B is K×N
    /// (N×K when `transB`); leading dimensions are row strides in elements.
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, lda: Int, transA: Bool = false,
                                b: UnsafePointer<Float>, ldb: Int, transB: Bool = false,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false,
                                threads: Int = 1, packedB: PackedMatrix? = nil) {
        guard m > 0 && n > 0 else { return }
        precondition(packedB.map { $0.n == n && $0.k == k } ?? true, "packed B does not match the product")
        if n < 8 && m >= 4 * n && packedB == nil {
            // A few columns would fill only a sliver of each microkernel tile: compute Cᵀ = Bᵀ·Aᵀ,
            // whose rows are the few, then transpose it into C.
            let transposed = UnsafeMutablePointer<Float>.allocate(capacity: n * m)
            defer { transposed.deallocate() }
            multiply(m: n, n: m, k: k, a: b, lda: ldb, transA: !transB, b: a, ldb: lda, transB: !transA,
                     c: transposed, ldc: m, threads: threads)
            for i in 0..<m {
                for j in 0..<n {
                    let value = transposed[j * m + i]
                    c[i * ldc + j] = accumulate ? c[i * ldc + j] + value : value
                }
            }
            return
        }
        // Below ~Parallel.minimumWork multiply-adds per thread, threads cost more than they save.
        let work = m * n * max(k, 1)
        let workers = min(threads, max(1, work / (8 * Parallel.minimumWork)))
        if workers <= 1 {
            call(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate, packedB, column: 0)
        } else if n >= m {
            // Split columns in multiples of the widest microkernel tile.
            let blocks = (n + 31) / 32
            parallelRanges(blocks, threads: workers) { range in
                let j0 = range.lowerBound * 32, j1 = min(n, range.upperBound * 32)
                call(m, j1 - j0, k, a, lda, transA, b + (transB ? j0 * ldb : j0), ldb, transB, c + j0, ldc, accumulate,
                     packedB, column: j0)
            }
        } else {
            let blocks = (m + 5) / 6
            parallelRanges(blocks, threads: workers) { range in
                let i0 = range.lowerBound * 6, i1 = min(m, range.upperBound * 6)
                call(i1 - i0, n, k, a + (transA ? i0 : i0 * lda), lda, transA, b, ldb, transB, c + i0 * ldc, ldc, accumulate,
                     packedB, column: 0)
            }
        }
    }

    /// The plain triple loop, for tests of the fast path.
    public static func reference(m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, lda: Int, transA: Bool = false,
                                 b: UnsafePointer<Float>, ldb: Int, transB: Bool = false,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        qt_sgemm_reference(Int32(m), Int32(n), Int32(k), a, Int32(lda), transA ? 1 : 0, b, Int32(ldb), transB ? 1 : 0,
                           c, Int32(ldc), accumulate ? 1 : 0)
    }

    public static var kernelName: String { String(cString: qt_sgemm_kernel_name()) }

    private static func call(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ transA: Bool,
                             _ b: UnsafePointer<Float>, _ ldb: Int, _ transB: Bool,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool,
                             _ packedB: PackedMatrix?, column: Int) {
        qt_sgemm_prepacked(Int32(m), Int32(n), Int32(k), a, Int32(lda), transA ? 1 : 0, b, Int32(ldb), transB ? 1 : 0,
                           packedB?.panels, Int32(packedB?.n ?? 0), Int32(column), c, Int32(ldc), accumulate ? 1 : 0)
    }
}

/// A constant B (K×N) packed once into the microkernel's panels, so products with it skip
/// packing B on every call (the results are the same). Column splits of a product with it
/// start at multiples of 32, as `GEMM.multiply` makes them.
public final class PackedMatrix: @unchecked Sendable {
    public let k: Int, n: Int
    let panels: UnsafeMutablePointer<Float>

    public init(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, transB: Bool = false) {
        self.k = k
        self.n = n
        panels = .allocate(capacity: max(1, qt_sgemm_packed_b_size(Int32(n), Int32(k))))
        qt_sgemm_pack_b(Int32(n), Int32(k), b, Int32(ldb), transB ? 1 : 0, panels)
    }

    deinit { panels.deallocate() }
}
