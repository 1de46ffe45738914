import ONNXModel

extension DynamicRules {
    static let attention: [Key: DynamicRule] = [
        microsoft("Attention"): qAttention,
    ]

    /// onnxruntime's AttentionQuant → com.microsoft QAttention: the input quantized dynamically,
    /// the packed QKV weight like a MatMul's B (per column with per-channel). QAttention has no
    /// form for different q, k, v sizes, so an Attention with qkv_hidden_sizes stays float, as
    /// does one whose weight is computed.
    private static func qAttention(_ rewriter: DynamicRewriter, _ node: Node, _ graph: Graph) throws -> Bool {
        guard node.inputs.count >= 3, node.attribute("qkv_hidden_sizes") == nil, rewriter.isFloat(node.inputs[0], in: graph),
              rewriter.isFloatConstant(node.inputs[1], in: graph) else { return false }
        let input = try rewriter.activation(node.inputs[0], in: graph)
        let weight = try rewriter.weight(node.inputs[1], in: graph, spec: rewriter.weightSpec(perChannelAxis: -1))
        func optional(_ i: Int) -> String { node.inputs.count > i ? node.inputs[i] : "" }
        let inputs = [input.quantized, weight.quantized, node.inputs[2], input.scale, weight.scale, optional(3),
                      input.zeroPoint, weight.zeroPoint, optional(4)]
        rewriter.emit(Node(opType: "QAttention", domain: "com.microsoft", name: node.name.map { $0 + "_quant" },
                           inputs: inputs, outputs: node.outputs, attributes: node.attributes))
        return true
    }
}
