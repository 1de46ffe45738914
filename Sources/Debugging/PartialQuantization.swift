import ONNXModel
import Passes

/// The QDQ model with only some of its nodes quantized: every other node reads the float
/// tensor its Q/DQ pair was made from, and the float weight instead of the dequantized one.
/// Sensitivity builds it with one node kept, the exclusion search with all but a few.
struct PartialQuantization {
    /// The QDQ model as read; each variant is built from it afresh.
    let proto: ModelProto
    /// The float weight for a weight DequantizeLinear's output.
    let floatWeights: [String: TensorProto]
    /// The activations folded into a pair's range, by the tensor its QuantizeLinear reads.
    let foldedActivations: [String: FoldedActivation]
    /// Labels of the main graph's quantized nodes (ops reading a DequantizeLinear), in graph order.
    let quantizedNodes: [String]

    init(quantized: Model, pairing: TensorPairing) {
        proto = quantized.toProto()
        var folded: [String: FoldedActivation] = [:]
        for pair in pairing.activations {
            if let input = pair.quantizeInput, let activation = pair.foldedActivation { folded[input] = activation }
        }
        foldedActivations = folded
        let weights = pairing.weights
        var floatWeights: [String: TensorProto] = [:]
        for weight in weights { if let output = weight.dequantized { floatWeights[output] = weight.float } }
        self.floatWeights = floatWeights
        let graph = quantized.graph
        quantizedNodes = graph.nodes.filter { node in
            !Self.isQDQ(node) && node.inputs.contains { graph.producer(of: $0)?.opType == "DequantizeLinear" }
        }.map(\.label)
    }

    static func isQDQ(_ node: Node) -> Bool { ["QuantizeLinear", "DequantizeLinear"].contains(node.opType) }

    /// The model where only the nodes labelled in `kept` stay quantized.
    func model(keeping kept: Set<String>) -> Model {
        let model = Model(proto)
        for graph in [model.graph] + model.graph.allSubgraphs {
            var added: [String: String] = [:]
            for node in graph.nodes where !Self.isQDQ(node) && !kept.contains(node.label) {
                for (slot, input) in node.inputs.enumerated() {
                    guard let replacement = floatSource(of: input, in: graph, kept: kept, added: &added) else { continue }
                    graph.setInput(of: node, at: slot, to: replacement)
                }
            }
            bypassDequantizedOutputs(of: graph, kept: kept, added: &added)
            removeUnusedQDQ(from: graph)
        }
        return model
    }

    /// What a float node reads instead of `name` when `name` is a dequantized tensor: the
    /// pair's float input (unless a kept node produced it: its quantized output is part of
    /// that node), or the float weight.
    private func floatSource(of name: String, in graph: Graph, kept: Set<String>, added: inout [String: String]) -> String? {
        guard let dequantize = graph.producer(of: name), dequantize.opType == "DequantizeLinear" else { return nil }
        if let quantize = graph.producer(of: dequantize.inputs[0]), quantize.opType == "QuantizeLinear" {
            let input = quantize.inputs[0]
            if let producer = graph.producer(of: input), kept.contains(producer.label) { return nil }
            return floatValue(of: input, in: graph, added: &added)
        }
        guard let weight = floatWeights[name] else { return nil }
        if let existing = added[name] { return existing }
        var tensor = weight
        let fresh = "qtool_debug_float/" + name
        tensor.name = fresh
        graph.setInitializer(tensor)
        added[name] = fresh
        return fresh
    }

    /// The float value a pair was made from: its QuantizeLinear's input, through the Relu or
    /// Clip the quantizer folded into the pair's range (added once per graph).
    private func floatValue(of input: String, in graph: Graph, added: inout [String: String]) -> String {
        guard let activation = foldedActivations[input] else { return input }
        if let existing = added["activation:" + input] { return existing }
        let output = "qtool_debug_float/" + input + "/" + activation.op
        var inputs = [input]
        for (i, constant) in activation.constants.enumerated() {
            guard var constant else { inputs.append(""); continue }
            constant.name = output + "/\(i + 1)"
            graph.setInitializer(constant)
            inputs.append(constant.name!)
        }
        let node = Node(opType: activation.op, name: output, inputs: inputs, outputs: [output], attributes: activation.attributes)
        if let producer = graph.producer(of: input) { graph.insert(node, after: producer) } else { graph.insert(node, at: 0) }
        added["activation:" + input] = output
        return output
    }

    /// A graph output written by a DequantizeLinear (the layout for quantized outputs) takes
    /// the float value through an Identity when its producer is not kept.
    private func bypassDequantizedOutputs(of graph: Graph, kept: Set<String>, added: inout [String: String]) {
        for output in graph.outputs.compactMap(\.name) {
            guard let dequantize = graph.producer(of: output), dequantize.opType == "DequantizeLinear",
                  let quantize = graph.producer(of: dequantize.inputs[0]), quantize.opType == "QuantizeLinear" else { continue }
            let input = quantize.inputs[0]
            if let producer = graph.producer(of: input), kept.contains(producer.label) { continue }
            let source = floatValue(of: input, in: graph, added: &added)
            guard let position = graph.index(of: dequantize) else { continue }
            graph.remove(dequantize)
            graph.insert(Node(opType: "Identity", name: "qtool_debug_float/" + output, inputs: [source], outputs: [output]),
                         at: position)
        }
    }

    private func removeUnusedQDQ(from graph: Graph) {
        var changed = true
        while changed {
            changed = false
            for node in graph.nodes where Self.isQDQ(node) && !node.outputs.contains(where: { graph.isUsed($0) || graph.isGraphOutput($0) }) {
                graph.remove(node)
                changed = true
            }
        }
    }
}
