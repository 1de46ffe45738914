import ONNXModel
import Passes

/// Name lookups over every graph of a model (subgraphs included), built once: who produces a
/// tensor, which graph holds it, and where it comes in the model's order.
struct ModelIndex {
    struct Produced {
        let node: Node
        let graph: Graph
    }

    let model: Model
    private(set) var producers: [String: Produced] = [:]
    private(set) var graphInputs: Set<String> = []
    /// Each name's position in graph order (inputs first, a subgraph's tensors right after the
    /// node that holds it): the order of the report's chart.
    private(set) var order: [String: Int] = [:]
    /// Nodes by name, for pairing a node of one model with the same node of the other.
    private(set) var nodesByName: [String: Produced] = [:]

    init(_ model: Model) {
        self.model = model
        for name in model.graph.inputs.compactMap(\.name) where model.graph.initializer(named: name) == nil {
            graphInputs.insert(name)
            order[name] = order.count
        }
        visit(model.graph)
    }

    private mutating func visit(_ graph: Graph) {
        for node in graph.nodes {
            for output in node.outputs where !output.isEmpty {
                producers[output] = Produced(node: node, graph: graph)
                if order[output] == nil { order[output] = order.count }
            }
            if let name = node.name, !name.isEmpty, nodesByName[name] == nil { nodesByName[name] = Produced(node: node, graph: graph) }
            for subgraph in node.subgraphs { visit(subgraph) }
        }
    }

    /// A tensor a run computes or is fed (not an initializer).
    func isActivation(_ name: String) -> Bool { producers[name] != nil || graphInputs.contains(name) }

    /// The op that computes `name`, "input" for a graph input.
    func opType(of name: String) -> String { producers[name]?.node.opType ?? "input" }

    /// The constant `name` stands for in any graph: an initializer, or a Constant node's value.
    func constant(named name: String) -> TensorProto? {
        if let produced = producers[name] {
            guard produced.node.opType == "Constant", var value = produced.node.attribute("value")?.tensor else { return nil }
            value.name = name
            return value
        }
        for graph in [model.graph] + model.graph.allSubgraphs {
            if let tensor = graph.initializer(named: name) { return tensor }
        }
        return nil
    }
}
