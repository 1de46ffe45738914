import ONNXModel

extension DynamicRules {
    static let embedding: [Key: DynamicRule] = [
        onnx("Gather"): gather,
    ]

    /// onnxruntime's GatherQuant: a constant table is quantized ahead of time (as an activation:
    /// uint8, asymmetric, per tensor) and the Gather picks integer rows into `<Y>_quantized`,
    /// which a quantized reader takes as it is; a DequantizeLinear writes Y if a float op reads it.
    private static func gather(_ rewriter: DynamicRewriter, _ node: Node, _ graph: Graph) throws -> Bool {
        guard node.inputs.count == 2, let output = node.outputs.first, rewriter.isFloatConstant(node.inputs[0], in: graph)
        else { return false }
        let table = try rewriter.activation(node.inputs[0], in: graph)
        let quantized = rewriter.names.fresh(output + "_quantized")
        rewriter.emit(Node(opType: "Gather", name: node.name, inputs: [table.quantized, node.inputs[1]], outputs: [quantized],
                           attributes: node.attributes))
        rewriter.produceQuantized(output, as: .init(quantized: quantized, scale: table.scale, zeroPoint: table.zeroPoint), in: graph)
        if let parameters = rewriter.tensorMap.entries[node.inputs[0]] {
            rewriter.tensorMap.record(output, quantized: quantized, dequantized: output, type: parameters.type,
                                      axis: nil, scale: parameters.scale, zeroPoint: parameters.zeroPoint)
        }
        return true
    }
}
