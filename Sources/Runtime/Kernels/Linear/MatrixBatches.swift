/// The operands of a numpy-style matrix product: 1-D operands promoted to matrices, batch
/// dimensions broadcast. Shared by MatMul and the integer products.
struct MatrixBatches {
    let m: Int, k: Int, n: Int
    /// The broadcast batch shape.
    let batch: [Int]
    /// The output shape, with the axes of promoted 1-D operands removed again.
    let outputShape: [Int]
    private let aStrides: [Int], bStrides: [Int], batchStrides: [Int]

    init(_ a: [Int], _ b: [Int], node: KernelNode) throws {
        guard a.count >= 1, b.count >= 1 else { throw node.failure("matrix products need operands of rank >= 1") }
        let aShape = a.count == 1 ? [1, a[0]] : a
        let bShape = b.count == 1 ? [b[0], 1] : b
        m = aShape[aShape.count - 2]
        k = aShape[aShape.count - 1]
        n = bShape[bShape.count - 1]
        guard bShape[bShape.count - 2] == k else {
            throw node.failure("shapes \(a) and \(b) do not fit: inner dimensions \(k) and \(bShape[bShape.count - 2])")
        }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        guard let batch = Shapes.broadcast([aBatch, bBatch]) else {
            throw node.failure("batch dimensions \(aBatch) and \(bBatch) do not broadcast")
        }
        self.batch = batch
        var output = batch + [m, n]
        if a.count == 1 { output.remove(at: output.count - 2) }
        if b.count == 1 { output.removeLast() }
        outputShape = output
        aStrides = Shapes.broadcastStrides(aBatch, to: batch)
        bStrides = Shapes.broadcastStrides(bBatch, to: batch)
        batchStrides = Shapes.strides(batch)
        aIsStacked = bBatch.allSatisfy { $0 == 1 } && aBatch == batch
    }

    var count: Int { Shapes.count(batch) }

    /// B is one matrix shared by every batch of A: all of A's rows form one product.
    let aIsStacked: Bool

    /// Element offsets of batch `index`'s A and B matrices.
    func offsets(_ index: Int) -> (a: Int, b: Int) {
        var rest = index, aOffset = 0, bOffset = 0
        for axis in batch.indices {
            let coordinate = rest / batchStrides[axis]
            rest %= batchStrides[axis]
            aOffset += coordinate * aStrides[axis]
            bOffset += coordinate * bStrides[axis]
        }
        return (aOffset * m * k, bOffset * k * n)
    }
}
