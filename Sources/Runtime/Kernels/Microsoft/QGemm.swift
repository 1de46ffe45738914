import ONNXModel

/// QGemm (com.microsoft): Y = alpha · (A − a_zero_point)(B − b_zero_point) · a_scale · b_scale
/// + C, with C an int32 bias already at scale a_scale · b_scale (onnxruntime ignores beta). A
/// and B are 2-D (transA/transB); b_scale and b_zero_point are per tensor or per column. With a
/// y_zero_point the output is requantized to it (scale alpha·a·b/y, MlasRequantizeOutput);
/// without one it is float: the int32 product times alpha·a·b (divided by y_scale if given).
struct QGemmKernel: OpKernel {
    let node: KernelNode
    let alpha: Float
    let transA: Bool, transB: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        alpha = node.float("alpha", default: 1)
        transA = node.int("transA", default: 0) != 0
        transB = node.int("transB", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let a = try matrix(inputs, 0, transposed: transA, context), b = try matrix(inputs, 3, transposed: transB, context)
        guard a.shape[1] == b.shape[0] else { throw node.failure("A \(a.shape) and B \(b.shape) do not multiply") }
        var (values, shape, columns) = try IntegerProducts.matMul(a, inputs[2], b, inputs[5], node: node)
        if inputs.count > 6, let c = inputs[6] { try addBias(c, to: &values, shape: shape) }
        let scales = try outputScales(inputs, columns: columns)
        if inputs.count > 8, let zeroPoint = inputs[8] {
            return [try IntegerProducts.requantize(values, shape: shape, multipliers: scales, zeroPoint: zeroPoint) { $0 % columns }]
        }
        let output = Tensor(uninitialized: .float, shape: shape)
        let y = output.mutableElements(Float.self)
        for i in values.indices { y[i] = Float(values[i]) * scales[scales.count == 1 ? 0 : i % columns] }
        return [output]
    }

    /// Input `index` as an untransposed 2-D matrix.
    private func matrix(_ inputs: [Tensor?], _ index: Int, transposed: Bool, _ context: ExecutionContext) throws -> Tensor {
        let tensor = try Operands.required(inputs, index)
        guard tensor.rank == 2 else { throw node.failure("input \(index) must be 2-D, got \(tensor.shape)") }
        guard transposed else { return tensor }
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        return try ShapeOps.StridedCopy.gather(tensor, shape: [columns, rows], strides: [1, columns], threads: context.threads)
    }

    /// C broadcast to [M, N] (a scalar, [N], [1, N], [M, 1] or [M, N]) and added in int32,
    /// wrapping as the accumulators of the product do.
    private func addBias(_ c: Tensor, to values: inout [Int32], shape: [Int]) throws {
        guard c.type == .int32, Shapes.broadcast([c.shape, shape]) == shape else {
            throw node.failure("C must be int32 and broadcast to \(shape), got \(c.type) \(c.shape)")
        }
        let bias = c.elements(Int32.self), strides = Shapes.broadcastStrides(c.shape, to: shape)
        for row in 0..<shape[0] {
            for column in 0..<shape[1] {
                values[row * shape[1] + column] &+= bias[row * strides[0] + column * strides[1]]
            }
        }
    }

    /// alpha · a_scale · b_scale[column], divided by y_scale when present, in onnxruntime's order.
    private func outputScales(_ inputs: [Tensor?], columns: Int) throws -> [Float] {
        guard let aScale = try Operands.required(inputs, 1).scaleValues()?.first,
              let bScales = try Operands.required(inputs, 4).scaleValues() else { throw node.failure("scales must be float") }
        guard bScales.count == 1 || bScales.count == columns else { throw node.failure("b_scale must have 1 or \(columns) values") }
        let yScale = inputs.count > 7 ? inputs[7]?.scaleValues()?.first : nil
        return bScales.map { b in
            let scale = alpha * aScale * b
            return yScale.map { scale / $0 } ?? scale
        }
    }
}
