import ONNXModel
import Passes
import Runtime

/// The state the dynamic rules share while one model is rewritten: quantized weights and
/// DynamicQuantizeLinear outputs already made (so every reader shares them, as onnxruntime's
/// quantized_value_map), the nodes a rule emits, and the names in use.
final class DynamicRewriter {
    /// A quantized operand: the integer tensor and its scale and zero point.
    struct Operand {
        var quantized: String
        var scale: String
        var zeroPoint: String
    }

    /// How an initializer is quantized: onnxruntime's quantize_initializer (axis nil) or
    /// quantize_weight_per_channel.
    struct WeightSpec: Hashable {
        var type: QuantType
        var axis: Int?
        var symmetric: Bool
        var reduceRange: Bool
    }

    let options: DynamicQuantizationOptions
    let names: NameAllocator
    let tensorMap: TensorMap
    /// MatMuls made from Gemms, with the Gemm's op type and name.
    let origins: [ObjectIdentifier: (opType: String, name: String)]

    private var weights: [WeightKey: Operand] = [:]
    private var activations: [ActivationKey: Operand] = [:]
    /// Outputs an integer op already gives in quantized form (a Gather of a quantized table):
    /// readers that quantize take them as they are, float readers get a DequantizeLinear.
    private var quantizedOutputs: [ActivationKey: Operand] = [:]
    /// Float initializers that were quantized, per owning graph: removed once nothing reads them.
    private(set) var replacedInitializers: [ObjectIdentifier: (graph: Graph, names: Set<String>)] = [:]
    /// Rewritten nodes per op type (for the report).
    private(set) var rewrites: [String: Int] = [:]
    private var pending: [Node] = []
    /// Called after each node that has a rule was offered to it.
    var visited: (() -> Void)?

    private struct WeightKey: Hashable {
        let graph: ObjectIdentifier
        let name: String
        let spec: WeightSpec
        let variant: String
    }

    private struct ActivationKey: Hashable {
        let graph: ObjectIdentifier
        let name: String
    }

    init(model: Model, options: DynamicQuantizationOptions, tensorMap: TensorMap,
         origins: [ObjectIdentifier: (opType: String, name: String)], names: NameAllocator) {
        self.options = options
        self.tensorMap = tensorMap
        self.origins = origins
        self.names = names
    }

    // MARK: Driving the rules

    /// Offers every node of `graph` to its rule, nested graphs first (as onnxruntime quantizes a
    /// node's subgraphs before the node). A rewritten node is replaced in place by what its
    /// rule emitted, so the graph stays in onnxruntime's order.
    func rewrite(_ graph: Graph) throws {
        for node in graph.nodes {
            for subgraph in node.subgraphs { try rewrite(subgraph) }
            guard let rule = DynamicRules.rule(for: node) else { continue }
            defer { visited?() }
            guard shouldQuantize(node) else { continue }
            pending = []
            guard try rule(self, node, graph) else {
                precondition(pending.isEmpty, "a dynamic rule emitted nodes for \(node.label) and then declined it")
                continue
            }
            var position = graph.index(of: node)!
            graph.remove(node)
            for emitted in pending {
                graph.insert(emitted, at: position)
                position += 1
            }
            rewrites[node.opType, default: 0] += 1
        }
        dequantizeReadOutputs(in: graph)
        // What a subgraph now reads from outside is recorded in this graph's consumer index.
        graph.reindex()
    }

    private func shouldQuantize(_ node: Node) -> Bool {
        options.shouldQuantize(node.opType, name: node.name ?? "", origin: origins[ObjectIdentifier(node)])
    }

    /// Adds a node in the place of the node being rewritten.
    func emit(_ node: Node) { pending.append(node) }

    // MARK: Operands

    /// A float32 tensor as value_info, an initializer or an enclosing graph declares it
    /// (onnxruntime's is_float_tensor: an unknown type does not count).
    func isFloat(_ name: String, in graph: Graph) -> Bool {
        !name.isEmpty && graph.elementType(of: name) == .float
    }

    /// A float32 constant of this graph or an enclosing one.
    func isFloatConstant(_ name: String, in graph: Graph) -> Bool {
        graph.constantOwner(of: name)?.initializer(named: name)?.dataType == DataType.float.rawValue
    }

    /// onnxruntime's quantize_activation: a constant is quantized ahead of time as uint8 (no
    /// reduced range, asymmetric); a computed tensor gets one DynamicQuantizeLinear shared by
    /// all its readers in this graph.
    func activation(_ name: String, in graph: Graph) throws -> Operand {
        if isFloatConstant(name, in: graph) { return try weight(name, in: graph, spec: activationSpec) }
        if let known = quantizedOutput(name, seenFrom: graph) { return known }
        let key = ActivationKey(graph: ObjectIdentifier(graph), name: name)
        if let known = activations[key] { return known }
        let operand = Operand(quantized: names.fresh(name + "_quantized"), scale: names.fresh(name + "_scale"),
                              zeroPoint: names.fresh(name + "_zero_point"))
        emit(Node(opType: "DynamicQuantizeLinear", name: names.fresh(name + "_QuantizeLinear"), inputs: [name],
                  outputs: [operand.quantized, operand.scale, operand.zeroPoint]))
        activations[key] = operand
        return operand
    }

    /// Records that `name` exists in quantized form (its float form is made only if read).
    func produceQuantized(_ name: String, as operand: Operand, in graph: Graph) {
        quantizedOutputs[ActivationKey(graph: ObjectIdentifier(graph), name: name)] = operand
    }

    private func quantizedOutput(_ name: String, seenFrom graph: Graph) -> Operand? {
        var scope: Graph? = graph
        while let current = scope {
            if let known = quantizedOutputs[ActivationKey(graph: ObjectIdentifier(current), name: name)] { return known }
            scope = current.parent
        }
        return nil
    }

    /// onnxruntime's _dequantize_value: a quantized output that a float op or the graph still
    /// reads gets a DequantizeLinear writing its float name, after its producer.
    func dequantizeReadOutputs(in graph: Graph) {
        for (key, operand) in quantizedOutputs.sorted(by: { $0.key.name < $1.key.name }) where key.graph == ObjectIdentifier(graph) {
            guard graph.isUsed(key.name), let producer = graph.producer(of: operand.quantized),
                  let position = graph.index(of: producer) else { continue }
            graph.insert(Node(opType: "DequantizeLinear", name: names.fresh(key.name + "_DequantizeLinear"),
                              inputs: [operand.quantized, operand.scale, operand.zeroPoint], outputs: [key.name]),
                         at: position + 1)
        }
    }

    /// Constants read as activations are uint8; symmetric only when that is the weight type and
    /// weights are symmetric (onnxruntime picks the weight's symmetry by type).
    private var activationSpec: WeightSpec {
        WeightSpec(type: .quint8, axis: nil,
                   symmetric: options.weightType == .quint8 ? options.weightsAreSymmetric(.quint8) : false, reduceRange: false)
    }

    /// The weight settings of MatMul, Conv and Attention: the weight type, per channel along
    /// `axis` when per-channel is on and the op supports it.
    func weightSpec(perChannelAxis axis: Int?) -> WeightSpec {
        WeightSpec(type: options.weightType, axis: options.perChannel ? axis : nil,
                   symmetric: options.weightsAreSymmetric(options.weightType), reduceRange: options.reduceRange)
    }

    /// A float32 constant quantized ahead of time, its initializers placed in the graph that
    /// owns it (so every subgraph below can share them). `layout` reshapes the values before
    /// the parameters are computed and rearranges the quantized tensor and parameter shapes
    /// after (LSTM's per-gate rows, stored transposed).
    func weight(_ name: String, in graph: Graph, spec: WeightSpec, layout: WeightLayout? = nil) throws -> Operand {
        guard let owner = graph.constantOwner(of: name), let proto = owner.initializer(named: name) else {
            throw QuantizeFailure("'\(name)' is not a constant: cannot quantize it ahead of time")
        }
        let key = WeightKey(graph: ObjectIdentifier(owner), name: name, spec: spec, variant: layout?.name ?? "")
        if let known = weights[key] { return known }
        let tensor = try Tensor(proto: proto)
        let values = layout.map { tensor.reshaped($0.quantizedShape(tensor.shape)) } ?? tensor
        let floats = values.elements(Float.self)
        let parameters = try QuantParameters.forWeight(floats, shape: values.shape, axis: spec.axis, type: spec.type,
                                                       symmetric: spec.symmetric, reduceRange: spec.reduceRange)
        var quantized = try parameters.quantize(floats, shape: values.shape)
        // The float weight has been read for the last time: a mapped model's pages go again, so
        // quantizing a model costs its quantized size in memory, not its float size.
        proto.rawData?.dropResidentPages()
        var scale = parameters.scaleTensor, zeroPoint = parameters.zeroPointTensor
        if let layout {
            quantized = layout.stored(quantized, tensor.shape)
            scale = scale.reshaped(layout.parameterShape(tensor.shape, parameters))
            zeroPoint = layout.sharedZeroPoint
                ? QuantParameters(scale: [1], zeroPoint: [parameters.zeroPoint[0]], type: parameters.type).zeroPointTensor
                : zeroPoint.reshaped(scale.shape)
        }
        let operand = Operand(quantized: names.fresh(name + "_quantized"), scale: names.fresh(name + "_scale"),
                              zeroPoint: names.fresh(name + "_zero_point"))
        owner.setInitializer(quantized.toProto(name: operand.quantized))
        owner.setInitializer(scale.toProto(name: operand.scale))
        owner.setInitializer(zeroPoint.toProto(name: operand.zeroPoint))
        replacedInitializers[ObjectIdentifier(owner), default: (owner, [])].names.insert(name)
        tensorMap.record(name, quantized: operand.quantized, dequantized: "", parameters: parameters)
        weights[key] = operand
        return operand
    }

    // MARK: Integer products

    /// onnxruntime's tail of MatMulInteger and ConvInteger: Cast of the int32 product to the
    /// output's float type, Mul of the two scales (one node per pair of scales), and Mul of the
    /// two into `output`.
    func scaleIntegerProduct(of original: Node, integerOutput: String, input: Operand, weight: Operand, output: String,
                             in graph: Graph) {
        let integerName = original.name.map { $0 + "_quant" }
        let cast = names.fresh(integerOutput + "_cast_output")
        let type = graph.elementType(of: original.outputs[0]) ?? .float
        emit(Node(opType: "Cast", name: names.fresh(integerOutput + "_cast"), inputs: [integerOutput], outputs: [cast],
                  attributes: [.int("to", Int64(type.rawValue))]))
        let scalesName = integerName.map { $0 + "_scales_mul" } ?? "\(input.scale)_\(weight.scale)_mul"
        let scales = sharedScalesProduct(scalesName, input.scale, weight.scale, in: graph)
        emit(Node(opType: "Mul", name: integerName.map { names.fresh($0 + "_output_scale_mul") }, inputs: [cast, scales],
                  outputs: [output]))
    }

    /// onnxruntime looks the scales' Mul up by name, so unnamed products of the same two scales
    /// share one.
    private func sharedScalesProduct(_ name: String, _ a: String, _ b: String, in graph: Graph) -> String {
        if let existing = (graph.nodes + pending).first(where: { $0.name == name && $0.opType == "Mul" && $0.inputs == [a, b] }) {
            return existing.outputs[0]
        }
        let output = names.fresh(name + ":0")
        emit(Node(opType: "Mul", name: names.fresh(name), inputs: [a, b], outputs: [output]))
        return output
    }
}

/// A weight stored in another layout than the op's float input (DynamicQuantizeLSTM).
struct WeightLayout {
    /// Told apart in the weight cache from the same tensor quantized plainly.
    var name: String
    /// The shape the parameters are computed on.
    var quantizedShape: ([Int]) -> [Int]
    /// The quantized tensor as the integer op reads it, given the float shape.
    var stored: (Tensor, [Int]) -> Tensor
    /// The scale's shape (and the zero point's, unless shared), given the float shape.
    var parameterShape: ([Int], QuantParameters) -> [Int]
    /// One scalar zero point for every channel (all equal: symmetric weights), for ops that
    /// take only one.
    var sharedZeroPoint = false
}
