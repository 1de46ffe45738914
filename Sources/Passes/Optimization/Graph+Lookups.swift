import ONNXModel
import Runtime

/// What passes ask of a graph about a name, looking through enclosing graphs where a subgraph
/// reads an outer value.
extension Graph {
    /// The initializer `name` stands for here: one of this graph or an enclosing graph that no
    /// graph input of the same scope overrides (a feed may replace such an initializer) and that
    /// nothing nearer defines. nil for anything computed or fed.
    public func constant(named name: String) -> TensorProto? {
        var scope: Graph? = self
        while let graph = scope {
            if graph.isGraphInput(name) || graph.producer(of: name) != nil { return nil }
            if let tensor = graph.initializer(named: name) { return tensor }
            scope = graph.parent
        }
        return nil
    }

    /// The decoded value of `constant(named:)`; nil when there is none or it does not decode
    /// (string tensors, say).
    public func constantTensor(named name: String) -> Tensor? {
        constant(named: name).flatMap { try? Tensor(proto: $0) }
    }

    /// The float elements of a float32 constant.
    public func floatConstant(named name: String) -> [Float]? {
        guard let tensor = constantTensor(named: name), tensor.type == .float else { return nil }
        return tensor.scalars(Float.self)
    }

    /// The declared tensor type of `name`: value_info, graph inputs and outputs of this graph
    /// and the enclosing ones, or an initializer's own type and dims.
    public func declaredType(of name: String) -> TypeProto.Tensor? {
        var scope: Graph? = self
        while let graph = scope {
            if let tensor = graph.valueInfo(named: name)?.type?.tensorType { return tensor }
            if let initializer = graph.initializer(named: name), let type = initializer.dataType {
                return TypeProto.Tensor(elemType: type, shape: TensorShapeProto(dims: initializer.dims.map { .value($0) }))
            }
            scope = graph.parent
        }
        return nil
    }

    /// The declared dims of `name` (each a size, a symbolic name or nil); nil when the rank is
    /// unknown.
    public func dims(of name: String) -> [TensorShapeProto.Dimension.Value?]? {
        declaredType(of: name)?.shape.map { $0.dim.map(\.value) }
    }

    /// The shape of `name` when every dim is a known size.
    public func concreteShape(of name: String) -> [Int]? {
        guard let dims = dims(of: name) else { return nil }
        var shape: [Int] = []
        for dim in dims {
            guard case .value(let size) = dim, size >= 0 else { return nil }
            shape.append(Int(size))
        }
        return shape
    }

    public func elementType(of name: String) -> DataType? {
        declaredType(of: name)?.elemType.flatMap(DataType.init(rawValue:))
    }

    /// Whether a node of this graph (or a subgraph of one) reads `name`, or the graph returns it.
    public func isUsed(_ name: String) -> Bool {
        isGraphOutput(name) || !consumers(of: name).isEmpty
    }

    /// The one node reading `name` when the graph does not return it either: then `name` may
    /// be fused away into what that node computes.
    public func soleConsumer(of name: String) -> Node? {
        let readers = consumers(of: name)
        guard readers.count == 1, !isGraphOutput(name) else { return nil }
        return readers[0]
    }

    public func removeValueInfo(named name: String) {
        valueInfo.removeAll { $0.name == name }
    }
}

extension Node {
    /// Whether the node is an op of the default (ai.onnx) domain with this type.
    public func isDefault(_ op: String) -> Bool { opType == op && normalizedDomain == "ai.onnx" }

    /// The node for messages: "Conv conv1", or "Conv writing y" when it has no name.
    public var described: String {
        if let name, !name.isEmpty { return "\(opType) \(name)" }
        return "\(opType) writing \(outputs.first ?? "nothing")"
    }

    /// The input at `slot`, nil when the node has no such input or it is left empty.
    public func input(_ slot: Int) -> String? {
        slot < inputs.count && !inputs[slot].isEmpty ? inputs[slot] : nil
    }
}
