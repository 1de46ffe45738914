import ONNXModel
import Runtime

/// Turns `Constant` nodes into initializers of the graph they are in. Exporters such as
/// PaddlePaddle's (PP-OCR) and silero's keep every weight in a Constant node; as initializers
/// the later passes and the quantizer see them as the weights they are.
public struct ConstantToInitializerPass: GraphPass {
    public let name = "constant-to-initializer"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        let changed = GraphTraversal.apply(to: model, order: .enclosingFirst) { graph in
            var moved: [Node] = []
            for node in graph.nodes where node.isDefault("Constant") {
                guard let tensor = Self.value(of: node) else { continue }
                moved.append(node)
                graph.setInitializer(tensor)
                report?.note("moved \(node.described) into initializer \(tensor.name ?? "")", in: graph)
            }
            // In one sweep: removing nodes one by one costs a pass over the graph each.
            graph.remove(moved)
            return !moved.isEmpty
        }
        if changed { IRVersion.allowConstantInitializers(model, report: report) }
        return changed
    }

    /// The node's value as a tensor named after its output, or nil for what stays a node: string
    /// and sparse values, and an output the graph returns (a graph output that is an
    /// initializer is not accepted everywhere, in subgraphs least of all).
    static func value(of node: Node) -> TensorProto? {
        guard node.outputs.count == 1, let name = node.outputs.first, !name.isEmpty,
              let graph = node.graph, !graph.isGraphOutput(name), graph.initializer(named: name) == nil,
              node.attributes.count == 1, let attribute = node.attributes.first else { return nil }
        var tensor: TensorProto
        switch attribute.name {
        case "value":
            guard let value = attribute.tensor else { return nil }
            tensor = value
        case "value_float":
            guard let value = attribute.float else { return nil }
            tensor = Tensor(scalar: value).toProto(name: name)
        case "value_floats":
            tensor = Tensor(attribute.floats, shape: [attribute.floats.count]).toProto(name: name)
        case "value_int":
            guard let value = attribute.int else { return nil }
            tensor = Tensor(scalar: value).toProto(name: name)
        case "value_ints":
            tensor = Tensor(attribute.ints, shape: [attribute.ints.count]).toProto(name: name)
        default:
            return nil
        }
        tensor.name = name
        return tensor
    }
}
