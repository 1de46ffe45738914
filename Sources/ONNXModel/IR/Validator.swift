/// Structural checks of the IR: the rules every pass must keep. Each finding is one line that
/// names the graph and node.
public enum Validator {
    public static func validate(_ model: Model) -> [String] {
        var findings: [String] = []
        let declared = Set(model.opsets.keys)
        if model.proto.opsetImport.isEmpty { findings.append("model: no opset_import") }
        check(model.graph, path: "graph", outer: [], declared: declared, into: &findings)
        return findings
    }

    static func check(_ graph: Graph, path: String, outer: Set<String>, declared: Set<String>,
                      outerProduced: Set<String> = [], into findings: inout [String]) {
        var visible = outer
        var seen = Set<String>()
        func define(_ name: String, _ what: String) {
            guard !name.isEmpty else { return }
            if seen.contains(name) { findings.append("\(path): '\(name)' is defined more than once (\(what))") }
            seen.insert(name)
            visible.insert(name)
        }
        for input in graph.inputs { define(input.name ?? "", "graph input") }
        for tensor in graph.initializers where !graph.isGraphInput(tensor.name ?? "") {
            define(tensor.name ?? "", "initializer")
        }
        for sparse in graph.sparseInitializers { define(sparse.values?.name ?? "", "sparse initializer") }
        let produced = Set(graph.nodes.flatMap(\.outputs))
        for node in graph.nodes {
            let where_ = "\(path): node '\(node.label)' (\(node.opType))"
            for input in node.inputs where !input.isEmpty && !visible.contains(input) {
                findings.append(produced.contains(input) || outerProduced.contains(input)
                    ? "\(where_) reads '\(input)' before it is produced (not in topological order, or a cycle)"
                    : "\(where_) reads '\(input)', which nothing defines")
            }
            let domain = node.normalizedDomain
            if !declared.contains(domain) {
                findings.append("\(where_) uses domain '\(domain)', which the model does not import")
            }
            if node.opType.isEmpty { findings.append("\(where_) has no op_type") }
            for (i, subgraph) in node.subgraphs.enumerated() {
                check(subgraph, path: "\(path).\(node.label).subgraph[\(i)]", outer: visible,
                      declared: declared, outerProduced: outerProduced.union(produced), into: &findings)
            }
            for output in node.outputs { define(output, "output of node '\(node.label)'") }
        }
        for output in graph.outputs where !visible.contains(output.name ?? "") {
            findings.append("\(path): graph output '\(output.name ?? "")' is never produced")
        }
    }
}
