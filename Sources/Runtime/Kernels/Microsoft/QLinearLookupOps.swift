import ONNXModel

/// Each output code of an 8-bit quantized element-wise op, for each of the 256 input bytes,
/// built the way onnxruntime builds its tables (QlinearBuildLookupTable): the 256 codes
/// dequantized, transformed in float, then quantized with MlasQuantizeLinear. Running the op is
/// then one table read per element, so qtool and onnxruntime agree whenever their tables do.
struct ByteTable {
    /// Indexed by the raw byte (an int8 code's bit pattern).
    let entries: [UInt8]

    init(_ range: QuantizedRange, input: QuantizedScalar, output: QuantizedScalar, transform: ([Float]) -> [Float]) {
        let values = transform(range.codes.map(input.dequantize))
        entries = Mlas.quantize(values, output, range).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// Operand `index` of QLinearConcat or QLinearWhere (its scale and zero point follow it)
    /// requantized to the output's parameters; copied as it is when they are equal, as
    /// onnxruntime does.
    static func requantize(_ inputs: [Tensor?], operand index: Int, to output: QuantizedScalar, _ range: QuantizedRange,
                           node: KernelNode, threads: Int) throws -> Tensor {
        let x = try Operands.required(inputs, index)
        guard x.type == range.type else { throw node.failure("input \(index) is \(x.type), the output is \(range.type)") }
        let parameters = try QuantizedScalar(inputs, scale: index + 1, zeroPoint: index + 2, node: node)
        if parameters == output { return x }
        return ByteTable(range, input: parameters, output: output) { $0 }.apply(x, threads: threads)
    }

    /// A tensor of the same shape with every byte replaced by its entry.
    func apply(_ x: Tensor, threads: Int) -> Tensor {
        let output = Tensor(uninitialized: x.type, shape: x.shape)
        let source = Operands.pointer(x, UInt8.self), target = Operands.pointer(output, UInt8.self)
        entries.withUnsafeBufferPointer { table in
            parallelRanges(x.count, threads: threads, minimumPerThread: ElementwiseGrain.cheap) { range in
                for i in range { target[i] = table[Int(source[i])] }
            }
        }
        return output
    }
}

/// QLinearSigmoid and QLinearLeakyRelu (com.microsoft): the float activation between
/// dequantized input and quantized output, applied through a ByteTable.
struct QLinearLookupKernel: OpKernel {
    let node: KernelNode
    let activation: ([Float]) -> [Float]

    init(_ node: KernelNode) throws {
        self.node = node
        switch node.opType {
        case "QLinearSigmoid":
            activation = { $0.map(Mlas.logistic) }
        default:
            let alpha = node.float("alpha", default: 0.01)
            activation = { $0.map { $0 >= 0 ? $0 : alpha * $0 } }
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = try Operands.required(inputs, 0)
        let range = try QuantizedRange(x.type, node: node)
        let table = ByteTable(range, input: try QuantizedScalar(inputs, scale: 1, zeroPoint: 2, node: node),
                              output: try QuantizedScalar(inputs, scale: 3, zeroPoint: 4, node: node), transform: activation)
        return [table.apply(x, threads: context.threads)]
    }
}

/// QLinearConcat (com.microsoft): inputs are y_scale, y_zero_point, then (tensor, scale, zero
/// point) per tensor; each tensor is requantized to the output's parameters by a ByteTable, then
/// concatenated along `axis` as Concat does.
struct QLinearConcatKernel: OpKernel {
    let node: KernelNode
    let concat: ConcatKernel

    init(_ node: KernelNode) throws {
        self.node = node
        concat = try ConcatKernel(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard inputs.count >= 5, (inputs.count - 2) % 3 == 0 else {
            throw node.failure("each input must be a (tensor, scale, zero point) triple")
        }
        let output = try QuantizedScalar(inputs, scale: 0, zeroPoint: 1, node: node)
        let range = try QuantizedRange(try Operands.required(inputs, 1).type, node: node)
        let parts = try stride(from: 2, to: inputs.count, by: 3).map {
            try ByteTable.requantize(inputs, operand: $0, to: output, range, node: node, threads: context.threads)
        }
        return try concat.run(parts, context)
    }
}

/// QLinearWhere (com.microsoft): condition ? X : Y with X and Y each requantized to the output's
/// scale and zero point by a ByteTable. onnxruntime selects X where the condition holds and Y
/// elsewhere into two zero-filled tensors and merges them ("X unless its byte is zero"): where
/// the condition holds Y's byte is zero, so even a zero X byte survives, and the merge equals
/// this plain selection.
struct QLinearWhereKernel: OpKernel {
    let node: KernelNode
    let select: WhereKernel

    init(_ node: KernelNode) throws {
        self.node = node
        select = WhereKernel(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard inputs.count == 9 else {
            throw node.failure("needs 9 inputs: condition, X and Y each with scale and zero point, the output's scale and zero point")
        }
        let output = try QuantizedScalar(inputs, scale: 7, zeroPoint: 8, node: node)
        let range = try QuantizedRange(try Operands.required(inputs, 8).type, node: node)
        let branches = try [1, 4].map {
            try ByteTable.requantize(inputs, operand: $0, to: output, range, node: node, threads: context.threads)
        }
        return try select.run([try Operands.required(inputs, 0)] + branches, context)
    }
}
