import ONNXModel

/// The checks every subcommand that works on a model makes first, so that a broken graph is
/// refused up front with the file and node named, rather than failing halfway through a
/// calibration or, worse, being passed through into an output.
public enum ModelAdmission {
    /// The model at `path`, decoded with its tensors checked, then admitted. `inspect` and
    /// `convert` load without admission: they report and round-trip whatever is there.
    public static func load(_ path: String) throws -> Model {
        let model = Model(try ModelFile.load(path))
        try admit(model, path: path)
        return model
    }

    /// Sorts every graph topologically (models out of order are common and harmless; a cycle is
    /// not), then refuses the first structural finding (a name nothing defines, a domain the
    /// model does not import, a name defined twice) and any op the ONNX standard does not have at
    /// the model's opset.
    public static func admit(_ model: Model, path: String) throws {
        do {
            try sortTopologically(model.graph)
        } catch let error as ModelError {
            throw ModelError.invalidGraph("\(path): \(error)")
        }
        if let finding = Validator.validate(model).first { throw ModelError.invalidGraph("\(path): \(finding)") }
        if let opset = model.opsetVersion(for: "ai.onnx"), Int(opset) <= OpsetHistory.newest,
           let node = firstNonStandardNode(in: model.graph, opset: Int(opset)) {
            throw ModelError.invalidGraph(
                "\(path): node '\(node.label)' (\(node.opType)): no ONNX operator of that name exists at opset \(opset)")
        }
    }

    private static func sortTopologically(_ graph: Graph) throws {
        try graph.sortTopologically()
        for node in graph.nodes {
            for subgraph in node.subgraphs { try sortTopologically(subgraph) }
        }
    }

    private static func firstNonStandardNode(in graph: Graph, opset: Int) -> Node? {
        for node in graph.nodes {
            if node.normalizedDomain == "ai.onnx" && OpsetHistory.version(of: node.opType, at: opset) == nil { return node }
            for subgraph in node.subgraphs {
                if let found = firstNonStandardNode(in: subgraph, opset: opset) { return found }
            }
        }
        return nil
    }
}
