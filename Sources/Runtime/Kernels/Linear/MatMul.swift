/// MatMul with numpy semantics: 1-D operands promoted, batch dimensions broadcast.
struct MatMulKernel: OpKernel, ConstantInputPreparing {
    let node: KernelNode
    /// A constant 2-D float B, packed at compile time.
    private var packedB: PackedMatrix?

    init(_ node: KernelNode) throws { self.node = node }

    func prepared(constants: [Tensor?]) -> OpKernel? {
        guard constants.count > 1, let b = constants[1], b.type == .float, b.rank == 2,
              b.shape[0] > 0, b.shape[1] >= 8 else { return nil }
        var kernel = self
        kernel.packedB = PackedMatrix(k: b.shape[0], n: b.shape[1], b: b.elements(Float.self).baseAddress!, ldb: b.shape[1])
        return kernel
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let a = inputs[0], let b = inputs[1] else { throw node.failure("needs two inputs") }
        if NumericType.isHalf(a.type) && a.type == b.type {
            // Half-precision products are computed in float and rounded once at the end.
            let product = try MatMulKernel.multiply(HalfPrecision.widen(a), HalfPrecision.widen(b), threads: context.threads, node: node)
            return [HalfPrecision.narrow(product, to: a.type)]
        }
        guard a.type == .float, b.type == .float else {
            throw node.failure("supports float inputs, got \(a.type) and \(b.type)")
        }
        let packed = packedB.flatMap { b.rank == 2 && b.shape == [$0.k, $0.n] ? $0 : nil }
        return [try MatMulKernel.multiply(a, b, threads: context.threads, node: node, packedB: packed)]
    }

    static func multiply(_ a: Tensor, _ b: Tensor, threads: Int, node: KernelNode, packedB: PackedMatrix? = nil) throws -> Tensor {
        let batches = try MatrixBatches(a.shape, b.shape, node: node)
        let (m, k, n) = (batches.m, batches.k, batches.n)
        let output = Tensor(uninitialized: .float, shape: batches.outputShape)
        let pa = a.elements(Float.self).baseAddress!, pb = b.elements(Float.self).baseAddress!
        let pc = output.mutableElements(Float.self).baseAddress!
        let batchCount = batches.count
        if batches.aIsStacked {
            // [.., M, K] × [K, N]: one product with all batches stacked as rows.
            GEMM.multiply(m: batchCount * m, n: n, k: k, a: pa, lda: k, b: pb, ldb: n, c: pc, ldc: n, threads: threads,
                          packedB: packedB)
            return output
        }
        // Many small products: one thread each; few large ones: threads inside each product.
        let inner = batchCount >= threads ? 1 : threads
        parallelRanges(batchCount, threads: batchCount >= threads ? threads : 1) { range in
            for index in range {
                let (aOffset, bOffset) = batches.offsets(index)
                GEMM.multiply(m: m, n: n, k: k, a: pa + aOffset, lda: k, b: pb + bOffset, ldb: n,
                              c: pc + index * m * n, ldc: n, threads: inner)
            }
        }
        return output
    }
}

/// Gemm: Y = alpha·A'·B' + beta·C, with C broadcast to [M, N].
struct GemmKernel: OpKernel {
    let node: KernelNode
    let alpha: Float, beta: Float
    let transA: Bool, transB: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        alpha = node.float("alpha", default: 1)
        beta = node.float("beta", default: 1)
        transA = node.int("transA", default: 0) != 0
        transB = node.int("transB", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let a = inputs[0], let b = inputs[1], a.rank == 2, b.rank == 2 else { throw node.failure("A and B must be 2-D") }
        guard a.type == .float, b.type == .float else { throw node.failure("supports float inputs, got \(a.type)") }
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1], kb = transB ? b.shape[1] : b.shape[0]
        guard k == kb else { throw node.failure("A' is \(m)×\(k) but B' is \(kb)×\(n)") }
        let output = Tensor(uninitialized: .float, shape: [m, n])
        let y = output.mutableElements(Float.self)
        GEMM.multiply(m: m, n: n, k: k, a: a.elements(Float.self).baseAddress!, lda: a.shape[1], transA: transA,
                      b: b.elements(Float.self).baseAddress!, ldb: b.shape[1], transB: transB,
                      c: y.baseAddress!, ldc: n, threads: context.threads)
        if alpha != 1 { for i in y.indices { y[i] *= alpha } }
        if inputs.count > 2, let c = inputs[2], beta != 0 {
            guard c.type == .float, Shapes.broadcast([c.shape, [m, n]]) == [m, n] else {
                throw node.failure("C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            let strides = Shapes.broadcastStrides(c.shape, to: [m, n])
            let values = c.elements(Float.self)
            for i in 0..<m {
                for j in 0..<n { y[i * n + j] += beta * values[i * strides[0] + j * strides[1]] }
            }
        }
        return [output]
    }
}
