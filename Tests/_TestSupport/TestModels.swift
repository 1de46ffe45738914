import ONNXModel
import ProtoWire

/// Small hand-built protos. Deterministic values, no randomness.
public enum TestModels {
    /// A float tensor with its values in raw_data (little-endian).
    public static func floatTensor(_ name: String, dims: [Int64], values: [Float]) -> TensorProto {
        var tensor = TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = DataType.float.rawValue
        tensor.rawData = Bytes(Wire.floatBits(values))
        return tensor
    }

    /// A float tensor of `count` elements 0, 1, 2, ... (scaled), in raw_data.
    public static func rampTensor(_ name: String, dims: [Int64], scale: Float = 0.5) -> TensorProto {
        let count = dims.reduce(1) { $0 * Int($1) }
        return floatTensor(name, dims: dims, values: (0..<count).map { Float($0) * scale })
    }

    public static func int64Tensor(_ name: String, dims: [Int64], values: [Int64]) -> TensorProto {
        var tensor = TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = DataType.int64.rawValue
        tensor.int64Data = values
        return tensor
    }

    public static func value(_ name: String, _ type: DataType = .float,
                             _ dims: [TensorShapeProto.Dimension.Value?]? = nil) -> ValueInfoProto {
        ValueInfoProto(name: name, type: .tensor(type, dims: dims))
    }

    public static func graph(_ nodes: [NodeProto], inputs: [ValueInfoProto] = [], outputs: [ValueInfoProto],
                             initializers: [TensorProto] = [], valueInfo: [ValueInfoProto] = [], name: String? = nil) -> GraphProto {
        var graph = GraphProto()
        graph.name = name
        graph.node = nodes
        graph.input = inputs
        graph.output = outputs
        graph.initializer = initializers
        graph.valueInfo = valueInfo
        return graph
    }

    public static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
                            domain: String? = nil, attributes: [AttributeProto] = []) -> NodeProto {
        var node = NodeProto()
        node.opType = op
        node.input = inputs
        node.output = outputs
        node.name = name
        node.domain = domain
        node.attribute = attributes
        return node
    }

    public static func intAttribute(_ name: String, _ value: Int64) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.i = value
        attribute.type = AttributeProto.AttributeType.int.rawValue
        return attribute
    }

    public static func graphAttribute(_ name: String, _ graph: GraphProto) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.g = graph
        attribute.type = AttributeProto.AttributeType.graph.rawValue
        return attribute
    }

    public static func tensorAttribute(_ name: String, _ tensor: TensorProto) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.t = tensor
        attribute.type = AttributeProto.AttributeType.tensor.rawValue
        return attribute
    }

    public static func model(_ graph: GraphProto, opset: Int64 = 13, irVersion: Int64 = 8,
                             extraOpsets: [OperatorSetIdProto] = []) -> ModelProto {
        var model = ModelProto()
        model.irVersion = irVersion
        model.producerName = "qtool-tests"
        model.graph = graph
        model.opsetImport = [OperatorSetIdProto(domain: "", version: opset)] + extraOpsets
        return model
    }

    /// x[1,4] -> MatMul(w[4,3]) -> Add(b[3]) -> Relu -> y[1,3].
    public static func mlp(weightDims: [Int64] = [4, 3]) -> ModelProto {
        var graph = GraphProto()
        graph.name = "mlp"
        graph.node = [
            node("MatMul", ["x", "w"], ["mm"], name: "matmul"),
            node("Add", ["mm", "b"], ["sum"], name: "add"),
            node("Relu", ["sum"], ["y"], name: "relu"),
        ]
        graph.initializer = [rampTensor("w", dims: weightDims), rampTensor("b", dims: [weightDims[1]], scale: -1)]
        graph.input = [value("x", .float, [.value(1), .value(weightDims[0])])]
        graph.output = [value("y", .float, [.value(1), .value(weightDims[1])])]
        return model(graph)
    }

    /// An MLP with one large weight (`big`, 64x64 floats = 16 KiB), one medium (`mid`, 1 KiB)
    /// and one small bias (`bias`, 16 B): for external-data thresholds.
    public static func weighted() -> ModelProto {
        var graph = GraphProto()
        graph.name = "weighted"
        graph.node = [
            node("MatMul", ["x", "big"], ["h"], name: "mm1"),
            node("MatMul", ["h", "mid"], ["h2"], name: "mm2"),
            node("Add", ["h2", "bias"], ["y"], name: "add"),
        ]
        graph.initializer = [
            rampTensor("big", dims: [64, 64], scale: 0.25),
            rampTensor("mid", dims: [64, 4], scale: -0.5),
            rampTensor("bias", dims: [4], scale: 2),
        ]
        graph.input = [value("x", .float, [.value(1), .value(64)])]
        graph.output = [value("y", .float, [.value(1), .value(4)])]
        return model(graph)
    }
}

/// Attribute builders shared by the kernel tests.
extension TestModels {
    public static func intsAttribute(_ name: String, _ values: [Int]) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.ints = values.map(Int64.init)
        attribute.type = AttributeProto.AttributeType.ints.rawValue
        return attribute
    }

    public static func floatAttribute(_ name: String, _ value: Float) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.f = value
        attribute.type = AttributeProto.AttributeType.float.rawValue
        return attribute
    }

    public static func floatsAttribute(_ name: String, _ values: [Float]) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.floats = values
        attribute.type = AttributeProto.AttributeType.floats.rawValue
        return attribute
    }

    public static func stringAttribute(_ name: String, _ value: String) -> AttributeProto {
        var attribute = AttributeProto()
        attribute.name = name
        attribute.s = Bytes(Array(value.utf8))
        attribute.type = AttributeProto.AttributeType.string.rawValue
        return attribute
    }
}
