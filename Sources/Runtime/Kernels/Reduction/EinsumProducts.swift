/// Einsum's fast path: two operands whose labels split into batch (both operands and the
/// output), M (first and output), N (second and output) and K (both operands, summed) are a
/// batched matrix product. `bij,bjk->bik` and `bhid,bhjd->bhij` map onto GEMM with no copies
/// (a transposed operand is a GEMM flag); other orders permute an operand or the result once.
enum EinsumProducts {
    struct BatchedProduct {
        let batch: Int, m: Int, n: Int, k: Int
        /// Operand axis orders that make them [batch, M, K] / [batch, K, N]; nil when already so
        /// up to a transposition of the last two groups.
        let permuteA: [Int]?, permuteB: [Int]?
        let transA: Bool, transB: Bool
        /// The [batch, M, N] product's shape, and the axis order that turns it into the output.
        let productShape: [Int]
        let permuteOutput: [Int]?

        /// nil when the equation is not a plain batched product (a diagonal, a label summed in
        /// one operand only, or size-1 broadcasting).
        init?(_ plan: EinsumPlan, shapes: [[Int]]) {
            guard plan.inputLabels.count == 2 else { return nil }
            let a = plan.inputLabels[0], b = plan.inputLabels[1], out = plan.outputLabels
            guard Set(a).count == a.count, Set(b).count == b.count else { return nil }
            for (labels, shape) in zip(plan.inputLabels, shapes) {
                guard zip(labels, shape).allSatisfy({ plan.sizes[$0] == $1 }) else { return nil }
            }
            let inA = Set(a), inB = Set(b), inOut = Set(out)
            // A label in a single place would be summed inside one operand: not a product.
            guard inA.union(inB).allSatisfy({ label in [inA, inB, inOut].filter { $0.contains(label) }.count >= 2 }) else {
                return nil
            }
            let batchLabels = out.filter { inA.contains($0) && inB.contains($0) }
            let mLabels = out.filter { inA.contains($0) && !inB.contains($0) }
            let nLabels = out.filter { inB.contains($0) && !inA.contains($0) }
            let kLabels = a.filter { inB.contains($0) && !inOut.contains($0) }
            func size(_ labels: [Int]) -> Int { Shapes.count(labels.map { plan.sizes[$0] ?? 0 }) }
            batch = size(batchLabels); m = size(mLabels); n = size(nLabels); k = size(kLabels)

            func order(_ labels: [Int], _ plain: [Int], _ transposed: [Int]) -> (permutation: [Int]?, transposed: Bool) {
                if labels == plain { return (nil, false) }
                if labels == transposed { return (nil, true) }
                return (plain.map { labels.firstIndex(of: $0) ?? 0 }, false)
            }
            (permuteA, transA) = order(a, batchLabels + mLabels + kLabels, batchLabels + kLabels + mLabels)
            (permuteB, transB) = order(b, batchLabels + kLabels + nLabels, batchLabels + nLabels + kLabels)
            let productLabels = batchLabels + mLabels + nLabels
            productShape = productLabels.map { plan.sizes[$0] ?? 0 }
            permuteOutput = productLabels == out ? nil : out.map { productLabels.firstIndex(of: $0) ?? 0 }
        }

        func run<T: BinaryFloatingPoint & TensorElement>(_ first: Tensor, _ second: Tensor, _: T.Type,
                                                         threads: Int) -> Tensor {
            let a = permuteA.map { ReductionTranspose.permute(first, $0) } ?? first
            let b = permuteB.map { ReductionTranspose.permute(second, $0) } ?? second
            let product = Tensor(zeros: T.dataType, shape: productShape)
            if batch * m * n > 0 && k > 0 {
                multiply(a.reductionBuffer(T.self), b.reductionBuffer(T.self), product.reductionBuffer(T.self),
                         threads: threads)
            }
            return permuteOutput.map { ReductionTranspose.permute(product, $0) } ?? product
        }

        /// One GEMM per batch entry, the batch split across threads (or the threads given to
        /// GEMM when there is a single entry).
        private func multiply<T: BinaryFloatingPoint>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                                      _ c: UnsafeMutablePointer<T>, threads: Int) {
            let lda = transA ? m : k, ldb = transB ? k : n
            let perThread = batch >= threads ? 1 : threads
            parallelRanges(batch, threads: threads, minimumPerThread: max(1, 100_000 / max(1, m * n * k))) { entries in
                for e in entries {
                    let ae = a + e * m * k, be = b + e * k * n, ce = c + e * m * n
                    if T.self == Float.self {
                        GEMM.multiply(m: m, n: n, k: k, a: Self.floats(ae), lda: lda, transA: transA,
                                      b: Self.floats(be), ldb: ldb, transB: transB,
                                      c: UnsafeMutablePointer(mutating: Self.floats(ce)), ldc: n, threads: perThread)
                    } else {
                        Self.reference(m: m, n: n, k: k, a: ae, lda: lda, transA: transA, b: be, ldb: ldb,
                                       transB: transB, c: ce)
                    }
                }
            }
        }

        private static func floats<T>(_ pointer: UnsafePointer<T>) -> UnsafePointer<Float> {
            UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
        }

        private static func floats<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafePointer<Float> {
            UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
        }

        /// C = A·B by rows of C (Double, and any type GEMM does not cover).
        static func reference<T: BinaryFloatingPoint>(m: Int, n: Int, k: Int, a: UnsafePointer<T>, lda: Int,
                                                      transA: Bool, b: UnsafePointer<T>, ldb: Int, transB: Bool,
                                                      c: UnsafeMutablePointer<T>) {
            for i in 0..<m {
                let row = c + i * n
                row.initialize(repeating: 0, count: n)
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    if transB {
                        for j in 0..<n { row[j] += x * b[j * ldb + p] }
                    } else {
                        let bRow = b + p * ldb
                        for j in 0..<n { row[j] += x * bRow[j] }
                    }
                }
            }
        }
    }
}
