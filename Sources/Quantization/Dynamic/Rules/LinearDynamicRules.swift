import ONNXModel
import Runtime

extension DynamicRules {
    /// Matrix products and convolutions: DynamicQuantizeLinear on the input, the weight
    /// quantized ahead of time, the integer op, then Cast and Mul by the product of the scales.
    static let linear: [Key: DynamicRule] = [
        onnx("MatMul"): matMul,
        onnx("Conv"): conv,
    ]

    /// onnxruntime's MatMulInteger. B is per channel along its last axis (B's columns) when asked,
    /// with the reduced range when asked; a computed B only without --matmul-const-b-only, and then
    /// quantized dynamically like A.
    private static func matMul(_ rewriter: DynamicRewriter, _ node: Node, _ graph: Graph) throws -> Bool {
        guard node.inputs.count == 2, let output = node.outputs.first,
              rewriter.isFloat(node.inputs[0], in: graph) || rewriter.isFloat(node.inputs[1], in: graph) else { return false }
        let bIsConstant = rewriter.isFloatConstant(node.inputs[1], in: graph)
        guard bIsConstant || !rewriter.options.matMulConstBOnly else { return false }
        guard rewriter.isFloat(node.inputs[0], in: graph), rewriter.isFloat(node.inputs[1], in: graph) else { return false }
        let a = try rewriter.activation(node.inputs[0], in: graph)
        let b = bIsConstant ? try rewriter.weight(node.inputs[1], in: graph, spec: rewriter.weightSpec(perChannelAxis: -1))
                            : try rewriter.activation(node.inputs[1], in: graph)
        let integerOutput = rewriter.names.fresh(output + "_output_quantized")
        rewriter.emit(Node(opType: "MatMulInteger", name: node.name.map { $0 + "_quant" },
                           inputs: [a.quantized, b.quantized, a.zeroPoint, b.zeroPoint], outputs: [integerOutput]))
        rewriter.scaleIntegerProduct(of: node, integerOutput: integerOutput, input: a, weight: b, output: output, in: graph)
        return true
    }

    /// onnxruntime's ConvInteger, the bias added after scaling through a Reshape to [1, -1, 1, ...].
    /// A computed weight keeps the Conv in float. Per channel (and symmetric) the weight gets one
    /// scale per output channel, shaped [M, 1, 1] so the scaling Mul broadcasts over the output's
    /// channels, and one shared zero point (onnxruntime's ConvInteger takes only a scalar):
    /// onnxruntime quantizes Conv weights per tensor even with per_channel, which costs the OCR
    /// recognizer nearly all its characters (README).
    private static func conv(_ rewriter: DynamicRewriter, _ node: Node, _ graph: Graph) throws -> Bool {
        guard node.inputs.count >= 2, let output = node.outputs.first, rewriter.isFloat(node.inputs[0], in: graph),
              rewriter.isFloatConstant(node.inputs[1], in: graph),
              let weightRank = graph.constant(named: node.inputs[1])?.dims.count, weightRank >= 3 else { return false }
        let x = try rewriter.activation(node.inputs[0], in: graph)
        let w = try convWeight(node.inputs[1], rank: weightRank, rewriter, graph)
        let integerOutput = rewriter.names.fresh(output + "_output_quantized")
        rewriter.emit(Node(opType: "ConvInteger", name: node.name.map { $0 + "_quant" },
                           inputs: [x.quantized, w.quantized, x.zeroPoint, w.zeroPoint], outputs: [integerOutput],
                           attributes: node.attributes))
        let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? node.inputs[2] : nil
        let scaled = bias == nil ? output : rewriter.names.fresh(output + "quant_scaled_output")
        rewriter.scaleIntegerProduct(of: node, integerOutput: integerOutput, input: x, weight: w, output: scaled, in: graph)
        if let bias { addBias(bias, to: scaled, output: output, rank: weightRank, rewriter, graph) }
        return true
    }

    private static func convWeight(_ name: String, rank: Int, _ rewriter: DynamicRewriter, _ graph: Graph) throws
        -> DynamicRewriter.Operand {
        let spec = rewriter.weightSpec(perChannelAxis: 0)
        guard spec.axis != nil, spec.symmetric else {
            return try rewriter.weight(name, in: graph, spec: rewriter.weightSpec(perChannelAxis: nil))
        }
        let layout = WeightLayout(name: "conv-output-channels", quantizedShape: { $0 }, stored: { quantized, _ in quantized },
                                  parameterShape: { shape, _ in [shape[0]] + Array(repeating: 1, count: rank - 2) },
                                  sharedZeroPoint: true)
        return try rewriter.weight(name, in: graph, spec: spec, layout: layout)
    }

    private static func addBias(_ bias: String, to scaled: String, output: String, rank: Int,
                                _ rewriter: DynamicRewriter, _ graph: Graph) {
        let shapeName = rewriter.names.fresh(output + "_bias_reshape_shape")
        let reshaped = rewriter.names.fresh(output + "_bias_reshape_output")
        var shape = [Int64](repeating: 1, count: rank)
        shape[1] = -1
        graph.setInitializer(Tensor(shape, shape: [rank]).toProto(name: shapeName))
        rewriter.emit(Node(opType: "Reshape", inputs: [bias, shapeName], outputs: [reshaped]))
        rewriter.emit(Node(opType: "Add", name: rewriter.names.fresh(output + "_bias_add"), inputs: [scaled, reshaped],
                           outputs: [output]))
    }
}
