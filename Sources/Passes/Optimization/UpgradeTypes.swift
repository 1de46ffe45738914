import ONNXModel

/// The element types and ranks opset adapters need (a Clip bound is typed like its data, a
/// Softmax is rewritten by the rank of its input). What the model declares comes first; for
/// the rest shape inference runs once, on a copy, so the model gains no value_info from it.
final class UpgradeTypes {
    private let model: Model
    /// Original graph → the same graph in the inferred copy; built on first need.
    private var inferred: [ObjectIdentifier: Graph]?

    init(_ model: Model) { self.model = model }

    func elementType(of name: String, in graph: Graph) -> DataType? {
        lookup(in: graph) { $0.elementType(of: name) }
    }

    /// Each dim a size, a symbolic name or nil; nil when the rank is unknown.
    func dims(of name: String, in graph: Graph) -> [TensorShapeProto.Dimension.Value?]? {
        lookup(in: graph) { $0.dims(of: name) }
    }

    func rank(of name: String, in graph: Graph) -> Int? { dims(of: name, in: graph)?.count }

    private func lookup<Value>(in graph: Graph, _ read: (Graph) -> Value?) -> Value? {
        if let declared = read(graph) { return declared }
        return inferredGraph(for: graph).flatMap(read)
    }

    /// Graphs are matched by position: `allSubgraphs` lists a copy's graphs in the same order.
    private func inferredGraph(for graph: Graph) -> Graph? {
        if inferred == nil {
            let copy = Model(model.toProto())
            ShapeInference().run(on: copy)
            let originals = ([model.graph] + model.graph.allSubgraphs).map(ObjectIdentifier.init)
            inferred = Dictionary(uniqueKeysWithValues: zip(originals, [copy.graph] + copy.graph.allSubgraphs))
        }
        return inferred?[ObjectIdentifier(graph)]
    }
}
