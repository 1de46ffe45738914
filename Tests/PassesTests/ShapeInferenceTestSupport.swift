import ONNXModel
import Passes
import _TestSupport

/// Runs shape inference on small hand-built graphs and reads back what it wrote.
enum ShapeTest {
    /// A dim as the tests spell it: "3", "batch", "batch*seq", or "?" when unknown.
    typealias Dims = [String]

    /// A graph input of `type` whose dims are written as in `Dims` ("?" for an unnamed dim).
    static func input(_ name: String, _ type: DataType = .float, _ dims: Dims?) -> ValueInfoProto {
        TestModels.value(name, type, dims?.map { dim -> TensorShapeProto.Dimension.Value? in
            if dim == "?" { return nil }
            if let size = Int64(dim) { return .value(size) }
            return .param(dim)
        })
    }

    /// Infers `nodes` (with graph inputs and initializers) and returns the model afterwards.
    static func infer(_ nodes: [NodeProto], inputs: [ValueInfoProto], initializers: [TensorProto] = [],
                      outputs: [String], opset: Int64 = 17, options: ShapeInference.Options = .init()) -> (Model, ShapeInference.Report) {
        let graph = TestModels.graph(nodes, inputs: inputs, outputs: outputs.map { ValueInfoProto(name: $0, type: nil) },
                                     initializers: initializers)
        let model = Model(TestModels.model(graph, opset: opset))
        let report = ShapeInference(options: options).run(on: model)
        return (model, report)
    }

    /// The type and dims inference gave `name` (graph outputs included); nil dims: rank unknown.
    static func result(_ model: Model, _ name: String, in graph: Graph? = nil) -> (type: DataType?, dims: Dims?) {
        let graph = graph ?? model.graph
        let info = graph.valueInfo.first { $0.name == name } ?? graph.outputs.first { $0.name == name }
        guard let tensorType = info?.type?.tensorType else { return (nil, nil) }
        let dims = tensorType.shape?.dim.map { dim -> String in
            switch dim.value {
            case .value(let size)?: return String(size)
            case .param(let name)?: return name
            case nil: return "?"
            }
        }
        return (tensorType.elemType.flatMap { DataType(rawValue: $0) }, dims)
    }

    /// Infers one node with the given inputs and returns the type and dims of its first output.
    static func single(_ node: NodeProto, inputs: [ValueInfoProto], initializers: [TensorProto] = [],
                       opset: Int64 = 17) -> (type: DataType?, dims: Dims?) {
        let output = node.output[0]
        let (model, _) = infer([node], inputs: inputs, initializers: initializers, outputs: [output], opset: opset)
        return result(model, output)
    }
}
