import ONNXModel
import Passes

/// Turns a QDQ graph into QOperator form: every float node whose quantized inputs come from
/// DequantizeLinear and whose output goes only to a QuantizeLinear becomes its integer op
/// (QLinearConv, QLinearMatMul, com.microsoft QGemm, QLinearAdd ...), or, for ops that only
/// move values (Reshape, MaxPool, Transpose ...), runs directly on the 8-bit tensor. What is
/// left of the pairs is QuantizeLinear where float enters and DequantizeLinear where it leaves.
public enum QOperatorConversion {
    /// One operand of a node in QDQ form: the integer tensor and its parameters.
    struct Operand {
        let quantized: String
        let scale: String
        let zeroPoint: String
    }

    /// What a converter sees: the node, its operands (nil where an input is not dequantized),
    /// and the QuantizeLinear of its output.
    struct Match {
        let node: Node
        let inputs: [Operand?]
        let output: Operand
        /// The QuantizeLinear that reads the node's output, replaced along with it.
        let quantize: Node
        /// The model's ai.onnx opset (QLinearSoftmax follows its Softmax semantics).
        let opset: Int
    }

    typealias Converter = (Match) -> Node?

    static let converters: [String: Converter] = {
        var table: [String: Converter] = [
            "Conv": qlinearConv, "MatMul": qlinearMatMul, "Gemm": qgemm,
            "Add": { binary($0, "QLinearAdd") }, "Mul": { binary($0, "QLinearMul") },
            "GlobalAveragePool": { unary($0, "QLinearGlobalAveragePool", extra: [.int("channels_last", 0)]) },
            "AveragePool": { unary($0, "QLinearAveragePool", keeping: true) },
            "Sigmoid": { unary($0, "QLinearSigmoid") },
            "LeakyRelu": { unary($0, "QLinearLeakyRelu", keeping: true) },
            "Softmax": qlinearSoftmax,
            "Concat": qlinearConcat,
        ]
        for op in ["Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "MaxPool", "Resize", "Gather", "Slice",
                   "GatherElements"] {
            table[op] = direct
        }
        return table
    }()

    /// Converts every graph of `model`; `tensorMap` (the rewrite's) is then brought in line
    /// with what is left: the DequantizeLinear outputs the integer ops replaced are no longer
    /// named, so `qtool debug` never looks for a tensor the model lacks.
    public static func convert(_ model: Model, tensorMap: TensorMap? = nil) throws {
        var usesMicrosoft = false
        var renamed: [String: String] = [:]
        let opset = Int(model.opsetVersion(for: "") ?? 13)
        for graph in [model.graph] + model.graph.allSubgraphs {
            usesMicrosoft = try convert(graph, opset: opset, renamed: &renamed) || usesMicrosoft
        }
        if usesMicrosoft && model.opsetVersion(for: "com.microsoft") == nil { model.setOpset("com.microsoft", version: 1) }
        tensorMap?.keepOnlyTensors(of: model, renamed: renamed)
    }

    /// Converts one graph; returns whether a com.microsoft op was emitted. `renamed` collects
    /// the quantized tensors a cancelled pair replaced (old name → the one now read instead).
    private static func convert(_ graph: Graph, opset: Int, renamed: inout [String: String]) throws -> Bool {
        var usesMicrosoft = false
        for node in graph.nodes where node.graph === graph && node.normalizedDomain == "ai.onnx" {
            guard let converter = converters[node.opType], let match = match(node, in: graph, opset: opset),
                  let replacement = converter(match) else { continue }
            graph.remove(match.quantize)
            graph.insert(replacement, before: node)
            graph.remove(node)
            usesMicrosoft = usesMicrosoft || replacement.domain == "com.microsoft"
        }
        cancelPairs(in: graph, renamed: &renamed)
        removeUnusedDequantization(in: graph)
        try graph.sortTopologically()
        return usesMicrosoft
    }

    /// The node in QDQ form: each float input read from a DequantizeLinear (or not at all), the
    /// single output read only by a QuantizeLinear.
    private static func match(_ node: Node, in graph: Graph, opset: Int) -> Match? {
        guard node.outputs.count == 1, let output = node.outputs.first, !graph.isGraphOutput(output) else { return nil }
        let readers = graph.consumers(of: output)
        guard readers.count == 1, readers[0].opType == "QuantizeLinear", readers[0].normalizedDomain == "ai.onnx",
              readers[0].inputs.first == output, let outputOperand = operand(of: readers[0], output: true) else { return nil }
        let inputs = node.inputs.map { name -> Operand? in
            guard !name.isEmpty, let producer = graph.producer(of: name), producer.opType == "DequantizeLinear" else { return nil }
            return operand(of: producer, output: false)
        }
        return Match(node: node, inputs: inputs, output: outputOperand, quantize: readers[0], opset: opset)
    }

    /// (integer tensor, scale, zero point) of a Q (its output) or DQ (its input) node.
    private static func operand(of node: Node, output: Bool) -> Operand? {
        guard node.inputs.count >= 3, !node.inputs[2].isEmpty else { return nil }
        return Operand(quantized: output ? node.outputs[0] : node.inputs[0], scale: node.inputs[1], zeroPoint: node.inputs[2])
    }

    // MARK: Converters

    private static func qlinearConv(_ match: Match) -> Node? {
        guard let x = match.inputs[0], let w = match.inputs[1] else { return nil }
        var inputs = [x.quantized, x.scale, x.zeroPoint, w.quantized, w.scale, w.zeroPoint, match.output.scale, match.output.zeroPoint]
        if match.node.inputs.count > 2, !match.node.inputs[2].isEmpty {
            guard let bias = match.inputs[2] else { return nil }
            inputs.append(bias.quantized)
        }
        return make("QLinearConv", match, inputs, attributes: match.node.attributes)
    }

    private static func qlinearMatMul(_ match: Match) -> Node? {
        guard let a = match.inputs[0], let b = match.inputs[1] else { return nil }
        return make("QLinearMatMul", match, [a.quantized, a.scale, a.zeroPoint, b.quantized, b.scale, b.zeroPoint,
                                             match.output.scale, match.output.zeroPoint])
    }

    /// QGemm adds C as int32 at scale alpha · s_a · s_b / beta (its definition), while the QDQ
    /// bias is at s_a · s_b · beta: the two agree when alpha = beta² (alpha = beta = 1 in
    /// exported models); any other Gemm with a bias stays in QDQ form.
    private static func qgemm(_ match: Match) -> Node? {
        guard let a = match.inputs[0], let b = match.inputs[1] else { return nil }
        var inputs = [a.quantized, a.scale, a.zeroPoint, b.quantized, b.scale, b.zeroPoint]
        if match.node.inputs.count > 2, !match.node.inputs[2].isEmpty {
            let alpha = match.node.attribute("alpha")?.float ?? 1, beta = match.node.attribute("beta")?.float ?? 1
            guard let bias = match.inputs[2], alpha == beta * beta else { return nil }
            inputs.append(bias.quantized)
        } else {
            inputs.append("")
        }
        inputs += [match.output.scale, match.output.zeroPoint]
        let kept = match.node.attributes.filter { ["transA", "transB", "alpha"].contains($0.name) }
        return make("QGemm", match, inputs, attributes: kept, domain: "com.microsoft")
    }

    private static func binary(_ match: Match, _ op: String) -> Node? {
        guard match.inputs.count == 2, let a = match.inputs[0], let b = match.inputs[1] else { return nil }
        return make(op, match, [a.quantized, a.scale, a.zeroPoint, b.quantized, b.scale, b.zeroPoint,
                                match.output.scale, match.output.zeroPoint], domain: "com.microsoft")
    }

    private static func unary(_ match: Match, _ op: String, keeping: Bool = false, extra: [Attribute] = []) -> Node? {
        guard let x = match.inputs.first ?? nil else { return nil }
        return make(op, match, [x.quantized, x.scale, x.zeroPoint, match.output.scale, match.output.zeroPoint],
                    attributes: (keeping ? match.node.attributes : []) + extra, domain: "com.microsoft")
    }

    /// QLinearSoftmax needs the opset its axis semantics come from.
    private static func qlinearSoftmax(_ match: Match) -> Node? {
        guard let x = match.inputs.first ?? nil else { return nil }
        let opset = Int64(match.opset)
        return make("QLinearSoftmax", match, [x.quantized, x.scale, x.zeroPoint, match.output.scale, match.output.zeroPoint],
                    attributes: match.node.attributes + [.int("opset", opset)], domain: "com.microsoft")
    }

    private static func qlinearConcat(_ match: Match) -> Node? {
        var inputs = [match.output.scale, match.output.zeroPoint]
        for operand in match.inputs {
            guard let operand else { return nil }
            inputs += [operand.quantized, operand.scale, operand.zeroPoint]
        }
        return make("QLinearConcat", match, inputs, attributes: match.node.attributes, domain: "com.microsoft")
    }

    /// Ops that move values run on the integer tensor when input and output share parameters.
    private static func direct(_ match: Match) -> Node? {
        guard let x = match.inputs.first ?? nil, x.scale == match.output.scale, x.zeroPoint == match.output.zeroPoint else {
            return nil
        }
        var inputs = match.node.inputs
        inputs[0] = x.quantized
        return make(match.node.opType, match, inputs, attributes: match.node.attributes, domain: match.node.domain)
    }

    private static func make(_ op: String, _ match: Match, _ inputs: [String], attributes: [Attribute] = [],
                             domain: String? = nil) -> Node {
        Node(opType: op, domain: domain, name: match.node.name.map { $0 + "_quant" }, inputs: inputs,
             outputs: [match.output.quantized], attributes: attributes)
    }

    // MARK: Clean-up

    /// QuantizeLinear(DequantizeLinear(x)) with the same parameters is x.
    private static func cancelPairs(in graph: Graph, renamed: inout [String: String]) {
        for node in graph.nodes where node.graph === graph && node.opType == "QuantizeLinear" {
            guard let dequantize = graph.producer(of: node.inputs[0]), dequantize.opType == "DequantizeLinear",
                  let q = operand(of: node, output: true), let dq = operand(of: dequantize, output: false),
                  q.scale == dq.scale, q.zeroPoint == dq.zeroPoint, !graph.isGraphOutput(q.quantized) else { continue }
            graph.replaceUses(of: q.quantized, with: dq.quantized)
            renamed[q.quantized] = dq.quantized
            graph.remove(node)
        }
    }

    private static func removeUnusedDequantization(in graph: Graph) {
        var changed = true
        while changed {
            changed = false
            for node in graph.nodes where node.graph === graph && ["DequantizeLinear", "QuantizeLinear"].contains(node.opType) {
                guard !graph.isUsed(node.outputs[0]) else { continue }
                graph.remove(node)
                changed = true
            }
        }
        let read = Set(([graph] + graph.allSubgraphs).flatMap { $0.nodes.flatMap { $0.inputs + $0.implicitInputs } })
        graph.removeInitializers(named: Set(graph.initializers.compactMap(\.name).filter { !read.contains($0) && !graph.isGraphOutput($0) }))
    }
}
