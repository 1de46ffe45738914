import ONNXModel
import Runtime

extension DynamicRules {
    static let recurrent: [Key: DynamicRule] = [
        onnx("LSTM"): lstm,
    ]

    /// onnxruntime's LSTMQuant → com.microsoft DynamicQuantizeLSTM: W and R always int8 (whatever
    /// the weight type), one scale per direction, or per gate row with per-channel, stored
    /// transposed to [directions, input, 4·hidden]. The activations are quantized inside the op.
    /// layout = 1 (batch first) has no DynamicQuantizeLSTM form, so such an LSTM stays float.
    private static func lstm(_ rewriter: DynamicRewriter, _ node: Node, _ graph: Graph) throws -> Bool {
        guard node.inputs.count >= 3, rewriter.isFloat(node.inputs[0], in: graph),
              (node.attribute("layout")?.int ?? 0) == 0,
              node.inputs[1...2].allSatisfy({ rewriter.isFloatConstant($0, in: graph) && graph.constant(named: $0)?.dims.count == 3 })
        else { return false }
        let perChannel = rewriter.options.perChannel
        let spec = DynamicRewriter.WeightSpec(type: .qint8, axis: 0, symmetric: rewriter.options.weightsAreSymmetric(.qint8),
                                              reduceRange: rewriter.options.reduceRange)
        let layout = gateLayout(perChannel: perChannel)
        let w = try rewriter.weight(node.inputs[1], in: graph, spec: spec, layout: layout)
        let r = try rewriter.weight(node.inputs[2], in: graph, spec: spec, layout: layout)
        let optional = (3...7).map { node.inputs.count > $0 ? node.inputs[$0] : "" }
        let inputs = [node.inputs[0], w.quantized, r.quantized] + optional + [w.scale, w.zeroPoint, r.scale, r.zeroPoint]
        rewriter.emit(Node(opType: "DynamicQuantizeLSTM", domain: "com.microsoft", name: node.name.map { $0 + "_quant" },
                           inputs: inputs, outputs: node.outputs, attributes: node.attributes.filter { $0.name != "layout" }))
        return true
    }

    /// [D, 4H, I]: channels are directions, or with per-channel the D·4H gate rows.
    private static func gateLayout(perChannel: Bool) -> WeightLayout {
        WeightLayout(
            name: perChannel ? "lstm-rows" : "lstm-directions",
            quantizedShape: { shape in perChannel ? [shape[0] * shape[1], shape[2]] : shape },
            stored: { quantized, shape in transposeLastTwo(quantized.reshaped(shape)) },
            parameterShape: { shape, _ in perChannel ? [shape[0], shape[1]] : [shape[0]] })
    }

    /// [D, M, N] → [D, N, M] for the one-byte quantized values.
    private static func transposeLastTwo(_ tensor: Tensor) -> Tensor {
        let (d, m, n) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        let result = Tensor(uninitialized: tensor.type, shape: [d, n, m])
        let source = tensor.elements(Int8.self), target = result.mutableElements(Int8.self)
        for k in 0..<d {
            for i in 0..<m {
                for j in 0..<n { target[k * m * n + j * m + i] = source[k * m * n + i * n + j] }
            }
        }
        return result
    }
}
