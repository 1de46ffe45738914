import ONNXModel

/// Fresh tensor names for what passes add. Names must be unique across the whole model,
/// subgraphs included, since a subgraph sees every name of the graphs around it.
public final class NameAllocator {
    private var taken: Set<String> = []

    public init(_ model: Model) {
        for graph in [model.graph] + model.graph.allSubgraphs {
            taken.formUnion(graph.definedNames)
            taken.formUnion(graph.outputs.compactMap(\.name))
            taken.formUnion(graph.valueInfo.compactMap(\.name))
            for node in graph.nodes { taken.formUnion(node.inputs) }
        }
    }

    /// `base` itself when unused, else `base_1`, `base_2`, ...
    public func fresh(_ base: String) -> String {
        var name = base
        var suffix = 0
        while taken.contains(name) {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        taken.insert(name)
        return name
    }
}
