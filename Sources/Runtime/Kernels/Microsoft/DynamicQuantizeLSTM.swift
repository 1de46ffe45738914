import CKernels

/// DynamicQuantizeLSTM (com.microsoft): ONNX LSTM whose W ([directions, input, 4·hidden]) and
/// R ([directions, hidden, 4·hidden]) are pre-quantized with W_scale/W_zero_point and
/// R_scale/R_zero_point (inputs 8–11, [directions] per tensor or [directions, 4·hidden] per
/// gate unit). As in onnxruntime, each product quantizes its float operand to uint8 at run
/// time (X once over the steps that run, H at every step), multiplies in int32 and scales by
/// operand scale · weight scale; everything else is the float LSTM's gate loop.
struct DynamicQuantizeLSTMKernel: RecurrentCell {
    static let gates = 4
    static let hasCellState = true
    static let weightLayout = RecurrentWeightLayout.gateColumns
    let lstm: LSTMKernel
    var attributes: RecurrentAttributes { lstm.attributes }
    var node: KernelNode { lstm.node }

    init(_ node: KernelNode) throws {
        lstm = try LSTMKernel(node)
        // The contrib op has no layout attribute; onnxruntime reads X as [seq, batch, input].
        guard lstm.attributes.layout == 0 else { throw node.failure("DynamicQuantizeLSTM has no batch-major layout") }
    }

    func runDirection(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer?,
                      inputs: [Tensor?], outputs: RecurrentOutputs, threads: Int) throws {
        guard let cell else { return }
        let width = Self.gates * problem.hidden
        let input = try QuantizedWeights(inputs, weights: 1, scale: 8, names: ("W", "W_scale", "W_zero_point"),
                                         direction: d, rows: problem.inputSize, columns: width, node: node)
        let recurrent = try QuantizedWeights(inputs, weights: 2, scale: 10, names: ("R", "R_scale", "R_zero_point"),
                                             direction: d, rows: problem.hidden, columns: width, node: node)
        let products = QuantizedGateProducts(problem: problem, input: input, recurrent: recurrent,
                                             endedRowsKeepState: outputs.sequence == nil)
        try lstm.sweep(d, problem, hidden: hidden, cell: cell, peephole: lstm.peepholes(inputs, problem, direction: d),
                       products: products, outputs: outputs, threads: threads)
    }
}

/// One direction of a quantized weight matrix [rows, columns] (columns are gate units), its
/// codes widened to Int32 minus their zero point, and one scale per column.
struct QuantizedWeights {
    let centred: [Int32]
    let scales: [Float]
    let rows: Int, columns: Int

    /// Reads direction `d` of input `weights` and its scale / zero point (inputs `scale` and
    /// `scale` + 1), each [directions] or [directions, columns].
    init(_ inputs: [Tensor?], weights: Int, scale: Int, names: (String, String, String), direction d: Int,
         rows: Int, columns: Int, node: KernelNode) throws {
        let directions = try Operands.required(inputs, weights).shape[0]
        func perDirection(_ index: Int, _ name: String) throws -> (values: [Int32]?, floats: [Float]?, perColumn: Bool) {
            guard inputs.count > index, let tensor = inputs[index] else { throw node.failure("input \(name) is required") }
            guard tensor.shape == [directions] || tensor.shape == [directions, columns] else {
                throw node.failure("\(name) has shape \(tensor.shape), expected \([directions]) or \([directions, columns])")
            }
            return (tensor.type == .float ? nil : tensor.widenedToInt32(), tensor.scaleValues(), tensor.rank == 2)
        }
        let scaleInput = try perDirection(scale, names.1), zeroInput = try perDirection(scale + 1, names.2)
        guard let allScales = scaleInput.floats else { throw node.failure("\(names.1) must be float") }
        guard let zeros = zeroInput.values else { throw node.failure("\(names.2) must be int8 or uint8") }
        let count = scaleInput.perColumn ? columns : 1, zeroCount = zeroInput.perColumn ? columns : 1
        scales = Array(allScales[(d * count)..<((d + 1) * count)])
        let tensor = try Operands.required(inputs, weights)
        let codes = tensor.widenedToInt32()[(d * rows * columns)..<((d + 1) * rows * columns)]
        centred = codes.enumerated().map { index, code in
            let column = index % columns
            return code - zeros[d * zeroCount + (zeroCount == 1 ? 0 : column)]
        }
        self.rows = rows
        self.columns = columns
    }

    /// out[i, j] = operandScale · scale[j] · Σₖ a[i, k]·(w[k, j] − zero) for centred uint8
    /// operands a ([m, rows]); the multiplier is formed as onnxruntime's output processor does.
    func multiply(_ a: [Int32], m: Int, operandScale: Float, into out: UnsafeMutablePointer<Float>, threads: Int) {
        guard m > 0 else { return }
        let multipliers = scales.map { operandScale * $0 }
        var accumulators = [Int32](repeating: 0, count: m * columns)
        a.withUnsafeBufferPointer { pa in centred.withUnsafeBufferPointer { pw in accumulators.withUnsafeMutableBufferPointer { pc in
            let minimumRows = max(1, RecurrentProducts.workPerThread / max(rows * columns, 1))
            parallelRanges(m, threads: threads, minimumPerThread: minimumRows) { range in
                qt_igemm(Int32(range.count), Int32(columns), Int32(rows), pa.baseAddress! + range.lowerBound * rows, Int32(rows),
                         pw.baseAddress!, Int32(columns), pc.baseAddress! + range.lowerBound * columns, Int32(columns))
            }
        } } }
        for i in 0..<m {
            for j in 0..<columns {
                out[i * columns + j] = Float(accumulators[i * columns + j]) * multipliers[multipliers.count == 1 ? 0 : j]
            }
        }
    }
}

/// X·Wᵀ and H·Rᵀ with quantized weights, the float operand quantized per product.
struct QuantizedGateProducts: GateProducts {
    let problem: RecurrentProblem
    let input: QuantizedWeights
    let recurrent: QuantizedWeights
    /// Whether H's range includes the final states of entries whose sequence has ended, as
    /// onnxruntime's does when the node has no Y: its step reads H from Y_h then, where they
    /// stay, and from Y otherwise, where an entry that ended is read once more and then as
    /// zeros. (With several threads and more than 4 entries, or hidden ≤ 256, onnxruntime
    /// quantizes each thread's share of the batch with its own range: not reproduced.)
    let endedRowsKeepState: Bool

    func inputProducts(threads: Int) -> FloatBuffer {
        let rows = problem.sequence * problem.batch
        let x = problem.x.elements(Float.self)
        // onnxruntime takes the range over the steps the longest sequence runs (X is time-major).
        let quantization = DynamicQuantization(range: x[..<(problem.steps * problem.batch * problem.inputSize)])
        let projected = FloatBuffer(count: rows * input.columns)
        input.multiply(quantization.centredCodes(x), m: rows, operandScale: quantization.scale, into: projected.pointer,
                       threads: threads)
        return projected
    }

    func recurrentProducts(_ hidden: UnsafePointer<Float>, step: Int, times: [Int], into sums: UnsafeMutablePointer<Float>,
                           threads: Int) {
        let states = UnsafeBufferPointer(start: hidden, count: problem.batch * problem.hidden)
        var ranged: [Float] = []
        let lengths = problem.lengths
        for b in times.indices where times[b] >= 0 || lengths[b] == step || (endedRowsKeepState && lengths[b] > 0) {
            ranged += states[(b * problem.hidden)..<((b + 1) * problem.hidden)]
        }
        let quantization = DynamicQuantization(range: ranged[...])
        recurrent.multiply(quantization.centredCodes(states), m: problem.batch, operandScale: quantization.scale, into: sums,
                           threads: threads)
    }
}

/// uint8 quantization of a float operand from its own range widened to include zero, with
/// onnxruntime's GetQuantizationParameter arithmetic (also ONNX's DynamicQuantizeLinear).
struct DynamicQuantization {
    let scale: Float
    let zeroPoint: Float

    init<C: Collection>(range values: C) where C.Element == Float {
        var low: Float = 0, high: Float = 0
        for value in values {
            low = min(low, value)
            high = max(high, value)
        }
        scale = high == low ? 1 : (high - low) / 255
        zeroPoint = max(0, min(255, 0 - low / scale)).rounded(.toNearestOrEven)
    }

    /// The codes round(x / scale) + zero point, saturated to uint8, minus the zero point.
    func centredCodes<C: Collection>(_ values: C) -> [Int32] where C.Element == Float {
        let zero = Int32(zeroPoint)
        return values.map { saturatedRound(($0 / scale).rounded(.toNearestOrEven) + zeroPoint, 0, 255) - zero }
    }
}
