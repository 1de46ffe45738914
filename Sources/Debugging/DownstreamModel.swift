import ONNXModel
import Runtime

/// The part of a partially quantized model that one quantized node can change: the node, the
/// Q/DQ pairs of its inputs, and everything downstream of it. The rest is the float model's
/// and is fed from a run of it, so a sensitivity run costs only the nodes after the one
/// quantized.
struct DownstreamModel {
    let interpreter: Interpreter
    /// Tensors computed upstream, fed from the float run.
    let boundary: [String]
    /// How many of the main graph's nodes it runs, against the whole.
    let nodeCount: Int, totalNodes: Int

    /// nil when the node reaches no graph output.
    init?(_ model: Model, node label: String, threads: Int) throws {
        let graph = model.graph
        totalNodes = graph.nodes.count
        guard let start = graph.nodes.first(where: { $0.label == label }) else {
            throw DebugError("node '\(label)' is not in the quantized model")
        }
        let kept = Self.affected(by: start, in: graph)
        let outputs = graph.outputs.filter { output in graph.producer(of: output.name ?? "").map { kept.contains(ObjectIdentifier($0)) } ?? false }
        guard !outputs.isEmpty else { return nil }
        graph.remove(graph.nodes.filter { !kept.contains(ObjectIdentifier($0)) })
        var produced = Set<String>(), boundary: [String] = [], seen = Set<String>()
        for node in graph.nodes { produced.formUnion(node.outputs) }
        for node in graph.nodes {
            for name in node.inputs + node.implicitInputs where !name.isEmpty && !produced.contains(name)
                && graph.initializer(named: name) == nil && seen.insert(name).inserted {
                boundary.append(name)
            }
        }
        graph.inputs = boundary.map { ValueInfoProto(name: $0, type: nil) }
        graph.outputs = outputs
        graph.reindex()
        self.boundary = boundary
        nodeCount = graph.nodes.count
        interpreter = try Interpreter(model: model, options: InterpreterOptions(threads: threads))
    }

    /// The node, the Q/DQ nodes that feed it, and every node reading what they produce, transitively.
    private static func affected(by start: Node, in graph: Graph) -> Set<ObjectIdentifier> {
        var kept: Set<ObjectIdentifier> = [ObjectIdentifier(start)]
        for input in start.inputs {
            guard let dequantize = graph.producer(of: input), dequantize.opType == "DequantizeLinear" else { continue }
            kept.insert(ObjectIdentifier(dequantize))
            if let quantize = graph.producer(of: dequantize.inputs[0]), quantize.opType == "QuantizeLinear" {
                kept.insert(ObjectIdentifier(quantize))
            }
        }
        var frontier = [start]
        while let node = frontier.popLast() {
            for output in node.outputs where !output.isEmpty {
                for consumer in graph.consumers(of: output) where kept.insert(ObjectIdentifier(consumer)).inserted {
                    frontier.append(consumer)
                }
            }
        }
        return kept
    }

    func run(_ values: [String: Tensor]) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for name in boundary {
            guard let value = values[name] else {
                throw DebugError("tensor '\(name)' was not computed by the float run the sensitivity pass reuses")
            }
            feeds[name] = value
        }
        return try interpreter.run(feeds)
    }
}
