import ONNXModel

/// MatMulInteger: int32 (A - a_zero_point)·(B - b_zero_point).
struct MatMulIntegerKernel: OpKernel {
    let node: KernelNode
    init(_ node: KernelNode) throws { self.node = node }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let a = inputs[0], let b = inputs[1] else { throw node.failure("needs A and B") }
        let (values, shape, _) = try IntegerProducts.matMul(a, inputs.count > 2 ? inputs[2] : nil, b,
                                                            inputs.count > 3 ? inputs[3] : nil, node: node)
        return [Tensor(values, shape: shape)]
    }
}

/// QLinearMatMul: quantized A·B requantized to y's scale and zero point; b's scale and zero
/// point may be per column.
struct QLinearMatMulKernel: OpKernel {
    let node: KernelNode
    init(_ node: KernelNode) throws { self.node = node }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard inputs.count >= 8, let a = inputs[0], let aScale = inputs[1], let b = inputs[3], let bScale = inputs[4],
              let yScale = inputs[6] else { throw node.failure("needs 8 inputs") }
        let (values, shape, columns) = try IntegerProducts.matMul(a, inputs[2], b, inputs[5], node: node)
        let multipliers = try scales(aScale, bScale, yScale, count: columns)
        return [try IntegerProducts.requantize(values, shape: shape, multipliers: multipliers, zeroPoint: inputs[7]) { $0 % columns }]
    }

    func scales(_ a: Tensor, _ b: Tensor, _ y: Tensor, count: Int) throws -> [Float] {
        guard let aValue = a.scaleValues()?.first, let yValue = y.scaleValues()?.first, let bValues = b.scaleValues() else {
            throw node.failure("scales must be float, float16 or double")
        }
        guard bValues.count == 1 || bValues.count == count else { throw node.failure("b_scale must have 1 or \(count) values") }
        return bValues.map { aValue * $0 / yValue }
    }
}

/// ConvInteger: int32 convolution of (x - x_zero_point) with (w - w_zero_point).
struct ConvIntegerKernel: OpKernel {
    let node: KernelNode
    let geometry: WindowGeometry
    var group: Int { geometry.group }

    init(_ node: KernelNode) throws {
        self.node = node
        geometry = try WindowGeometry(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], let w = inputs[1] else { throw node.failure("needs x and w") }
        let (values, shape) = try IntegerProducts.conv(x, inputs.count > 2 ? inputs[2] : nil, w, inputs.count > 3 ? inputs[3] : nil,
                                                       geometry: geometry, group: group, threads: context.threads, node: node)
        return [Tensor(values, shape: shape)]
    }
}

/// QLinearConv: quantized convolution plus int32 bias, requantized per output channel.
struct QLinearConvKernel: OpKernel {
    let node: KernelNode
    let geometry: WindowGeometry
    var group: Int { geometry.group }

    init(_ node: KernelNode) throws {
        self.node = node
        geometry = try WindowGeometry(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard inputs.count >= 8, let x = inputs[0], let xScale = inputs[1], let w = inputs[3], let wScale = inputs[4],
              let yScale = inputs[6] else { throw node.failure("needs at least 8 inputs") }
        var (values, shape) = try IntegerProducts.conv(x, inputs[2], w, inputs[5], geometry: geometry, group: group,
                                                       threads: context.threads, node: node)
        let filters = shape[1], plane = Shapes.count(Array(shape.dropFirst(2)))
        if inputs.count > 8, let bias = inputs[8] {
            let b = bias.widenedToInt32()
            guard b.count == filters else { throw node.failure("B must have \(filters) values") }
            for i in values.indices { values[i] = values[i] &+ b[(i / plane) % filters] }
        }
        guard let wScales = wScale.scaleValues(), let xValue = xScale.scaleValues()?.first, let yValue = yScale.scaleValues()?.first else {
            throw node.failure("scales must be float, float16 or double")
        }
        guard wScales.count == 1 || wScales.count == filters else { throw node.failure("w_scale must have 1 or \(filters) values") }
        let multipliers = wScales.map { xValue * $0 / yValue }
        return [try IntegerProducts.requantize(values, shape: shape, multipliers: multipliers, zeroPoint: inputs[7]) {
            ($0 / plane) % filters
        }]
    }
}
