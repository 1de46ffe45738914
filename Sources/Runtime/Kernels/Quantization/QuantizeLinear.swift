import ONNXModel

/// QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point), per tensor, per axis
/// or per block; the output type is the zero point's (uint8 by default, output_dtype at 21).
struct QuantizeLinearKernel: OpKernel {
    let node: KernelNode
    let axis: Int, blockSize: Int
    let outputType: DataType?

    init(_ node: KernelNode) throws {
        self.node = node
        axis = node.int("axis", default: 1)
        blockSize = node.int("block_size", default: 0)
        let declared = node.int("output_dtype", default: 0)
        outputType = declared == 0 ? nil : DataType(rawValue: Int32(declared))
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], let scale = inputs[1] else { throw node.failure("needs x and y_scale") }
        guard x.type == .float, scale.type == .float else { throw node.failure("supports float x and scale, got \(x.type), \(scale.type)") }
        let zeroPoint = inputs.count > 2 ? inputs[2] : nil
        let type = zeroPoint?.type ?? outputType ?? .uint8
        guard let (lo, hi) = QuantizedType.range(type), type != .int32 else { throw RuntimeError.unsupported("QuantizeLinear to \(type) is not supported") }
        let layout = try QuantizationLayout(x: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize, node: node)
        let scales = scale.elements(Float.self), zeros = zeroPoint?.widenedToInt32()
        let values = x.elements(Float.self)
        var result = [Int32](repeating: 0, count: x.count)
        layout.forEachRun { parameter, range in
            let s = scales[parameter], z = Float(zeros?[parameter] ?? 0)
            for i in range { result[i] = saturatedRound((values[i] / s).rounded(.toNearestOrEven) + z, lo, hi) }
        }
        return [Tensor.narrowed(result, to: type, shape: x.shape)]
    }
}

/// DequantizeLinear: y = (x - zero_point) · scale.
struct DequantizeLinearKernel: OpKernel {
    let node: KernelNode
    let axis: Int, blockSize: Int

    init(_ node: KernelNode) throws {
        self.node = node
        axis = node.int("axis", default: 1)
        blockSize = node.int("block_size", default: 0)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], let scale = inputs[1] else { throw node.failure("needs x and x_scale") }
        guard QuantizedType.range(x.type) != nil, scale.type == .float else {
            throw RuntimeError.unsupported("DequantizeLinear from \(x.type) with \(scale.type) scale is not supported")
        }
        let zeroPoint = inputs.count > 2 ? inputs[2] : nil
        let layout = try QuantizationLayout(x: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize, node: node)
        let scales = scale.elements(Float.self), zeros = zeroPoint?.widenedToInt32()
        let values = x.widenedToInt32()
        let output = Tensor(uninitialized: .float, shape: x.shape)
        let y = output.mutableElements(Float.self)
        layout.forEachRun { parameter, range in
            let s = scales[parameter], z = zeros?[parameter] ?? 0
            for i in range { y[i] = Float(values[i] - z) * s }
        }
        return [output]
    }
}

/// DynamicQuantizeLinear: uint8 quantization with scale and zero point from x's own range
/// (always including zero), as onnx's reference computes them.
struct DynamicQuantizeLinearKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], x.type == .float else { throw RuntimeError.invalidModel("DynamicQuantizeLinear needs a float input") }
        let values = x.elements(Float.self)
        let maximum = max(0, values.max() ?? 0), minimum = min(0, values.min() ?? 0)
        let scale = (maximum == minimum ? 1 : maximum - minimum) / 255
        let zeroPoint = max(0, min(255, 0 - minimum / scale)).rounded(.toNearestOrEven)
        var result = [Int32](repeating: 0, count: x.count)
        for i in values.indices { result[i] = saturatedRound((values[i] / scale).rounded(.toNearestOrEven) + zeroPoint, 0, 255) }
        return [Tensor.narrowed(result, to: .uint8, shape: x.shape), Tensor(scalar: scale),
                Tensor([UInt8(zeroPoint)], shape: [])]
    }
}
