import ONNXModel

/// TopK: k as an attribute before opset 10 and an input after; largest and sorted from 11.
/// Equal values keep the lower index first, as the reference's stable sort does. Results are
/// always sorted (sorted=0 allows any order).
struct TopKKernel: OpKernel {
    let axis: Int
    let attributeK: Int?
    let largest: Bool

    init(_ node: KernelNode) throws {
        axis = node.int("axis", default: -1)
        largest = node.opset < 11 || node.int("largest", default: 1) != 0
        if node.opset < 10 {
            attributeK = try ShapeOps.requiredInt(node, "k")
        } else {
            attributeK = nil
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "X")
        let axis = try ShapeOps.axis(self.axis, rank: input.rank, "axis")
        let k = try attributeK ?? ShapeOps.scalarInteger(try ShapeOps.input(inputs, 1, "K"), "K")
        let length = input.rank == 0 ? 1 : input.shape[axis]
        guard k >= 0 && k <= length else { throw RuntimeError.invalidModel("k \(k) is out of range for an axis of \(length)") }
        var shape = input.shape
        if !shape.isEmpty { shape[axis] = k }
        let values = Tensor(uninitialized: input.type, shape: shape)
        let indices = Tensor(uninitialized: .int64, shape: shape)
        let selection = Selection(input: input, values: values, indices: indices, outer: input.shape[..<min(axis, input.rank)].reduce(1, *),
                                  length: length, inner: input.rank == 0 ? 1 : input.shape[(axis + 1)...].reduce(1, *),
                                  k: k, largest: largest, threads: context.threads)
        try selection.run(on: input.type, "TopK")
        return [values, indices]
    }

    /// Selects the k best of each line along the axis of [outer, length, inner].
    private struct Selection: ShapeOps.NumericMove {
        let input: Tensor, values: Tensor, indices: Tensor
        let outer: Int, length: Int, inner: Int, k: Int
        let largest: Bool
        let threads: Int

        func callAsFunction<T: ShapeOps.Arithmetic>(_: T.Type) {
            let x = input.shapeBuffer(T.self), topValues = values.shapeBuffer(T.self), topIndices = indices.shapeBuffer(Int64.self)
            let largest = self.largest
            parallelRanges(outer * inner, threads: threads, minimumPerThread: max(1, 4096 / max(length, 1))) { range in
                var order = [Int](repeating: 0, count: length)
                for line in range {
                    let base = (line / inner) * length * inner + line % inner
                    for j in 0..<length { order[j] = j }
                    // Strict comparisons plus the index tie-break give onnx's stable order; NaNs
                    // (unequal to themselves) go last so the order stays consistent.
                    order.sort { a, b in
                        let va = x[base + a * inner], vb = x[base + b * inner]
                        let aIsNaN = va != va, bIsNaN = vb != vb
                        if aIsNaN || bIsNaN { return aIsNaN == bIsNaN ? a < b : bIsNaN }
                        if va != vb { return largest ? va > vb : va < vb }
                        return a < b
                    }
                    let outBase = (line / inner) * k * inner + line % inner
                    for j in 0..<k {
                        topValues[outBase + j * inner] = x[base + order[j] * inner]
                        topIndices[outBase + j * inner] = Int64(order[j])
                    }
                }
            }
        }
    }
}
