import ONNXModel
import Passes
import Quantization

/// A float-model activation and where the quantized model has it.
public struct ActivationPair {
    /// The float model's tensor.
    public let name: String
    /// The float op that computes it ("input" for a graph input).
    public let op: String
    /// The quantized model's dequantized tensor at the same point; nil in QOperator form,
    /// where the integer tensor is dequantized here instead.
    public let dequantized: String?
    public let quantized: QuantizedForm?
    /// What the QuantizeLinear reads in the quantized model: the error the pair adds on its own
    /// is this against the dequantized value. nil where no QuantizeLinear made the tensor.
    public let quantizeInput: String?
    /// The float model's Relu or Clip that the quantizer folded into this pair's range (its
    /// QuantizeLinear reads the tensor before the activation): removing the pair must put it back.
    public let foldedActivation: FoldedActivation?
}

/// A Relu or Clip of the float model, with the constants it reads.
public struct FoldedActivation {
    public let op: String
    public let attributes: [Attribute]
    /// Clip's min and max (nil where absent).
    public let constants: [TensorProto?]

    /// The activation the float model computes `name` with, when the quantized model computes
    /// `quantizeInput` with another op.
    init?(float: ModelIndex, name: String, quantized: ModelIndex, quantizeInput: String?) {
        guard let quantizeInput, let node = float.producers[name]?.node, ["Relu", "Clip"].contains(node.opType),
              quantized.producers[quantizeInput]?.node.opType != node.opType else { return nil }
        var constants: [TensorProto?] = []
        for input in node.inputs.dropFirst() {
            if input.isEmpty { constants.append(nil); continue }
            guard let constant = float.constant(named: input) else { return nil }
            constants.append(constant)
        }
        op = node.opType
        attributes = node.attributes
        self.constants = constants
    }
}

/// A float initializer and its quantized form in the other model.
public struct WeightPair {
    public let name: String
    public let float: TensorProto
    public let quantized: QuantizedForm
    public let quantizedValue: TensorProto
    /// The DequantizeLinear output the quantized model's nodes read, when it has one.
    public let dequantized: String?
}

/// Which tensor of the quantized model stands for which tensor of the float model. From the
/// tensor map qtool writes when there is one; otherwise from the graph: a DequantizeLinear
/// reading a QuantizeLinear of a float tensor is that tensor's quantized copy, and one reading
/// an integer initializer is the weight its consumer reads in the float model. Never from
/// name suffixes.
public struct TensorPairing {
    public enum Source: String, Sendable { case tensorMap = "tensor map", graphStructure = "graph structure" }

    public var source: Source
    public var activations: [ActivationPair] = []
    public var weights: [WeightPair] = []
    /// Quantized tensors with no counterpart in the float model (renamed by a preprocess, say).
    public var unpaired: [String] = []

    public init(float: Model, quantized: Model) throws {
        let floatIndex = ModelIndex(float), quantizedIndex = ModelIndex(quantized)
        let map: [String: TensorMap.Entry]?
        do {
            map = try TensorMap.read(from: quantized)
        } catch {
            throw DebugError("metadata '\(TensorMap.metadataKey)' does not decode: \(error)")
        }
        if let map {
            source = .tensorMap
            pairFromMap(map, float: floatIndex, quantized: quantizedIndex)
        } else {
            source = .graphStructure
            pairFromGraph(float: floatIndex, quantized: quantizedIndex)
        }
        activations.sort { floatIndex.order[$0.name, default: .max] < floatIndex.order[$1.name, default: .max] }
        weights.sort { $0.name < $1.name }
    }

    // MARK: Tensor map

    private mutating func pairFromMap(_ map: [String: TensorMap.Entry], float: ModelIndex, quantized: ModelIndex) {
        for (name, entry) in map.sorted(by: { $0.key < $1.key }) {
            let form = QuantizedForm(name: entry.quantized, scale: entry.scale, zeroPoint: entry.zeroPoint, axis: entry.axis)
            let dequantized = entry.dequantized.isEmpty || !quantized.isActivation(entry.dequantized) ? nil : entry.dequantized
            if let value = quantized.constant(named: entry.quantized) {
                guard let floatValue = float.constant(named: name) else { unpaired.append(name); continue }
                weights.append(WeightPair(name: name, float: floatValue, quantized: form, quantizedValue: value, dequantized: dequantized))
            } else if float.isActivation(name), quantized.isActivation(entry.quantized) {
                let quantize = quantized.producers[entry.quantized]?.node
                let input = quantize?.opType == "QuantizeLinear" ? quantize?.inputs.first : nil
                activations.append(ActivationPair(name: name, op: float.opType(of: name), dequantized: dequantized, quantized: form,
                                                  quantizeInput: input,
                                                  foldedActivation: FoldedActivation(float: float, name: name, quantized: quantized,
                                                                                     quantizeInput: input)))
            } else {
                unpaired.append(name)
            }
        }
    }

    // MARK: Graph structure

    private mutating func pairFromGraph(float: ModelIndex, quantized: ModelIndex) {
        var seen = Set<String>()
        for graph in [quantized.model.graph] + quantized.model.graph.allSubgraphs {
            for node in graph.nodes where node.opType == "DequantizeLinear" && !node.inputs.isEmpty && !node.outputs.isEmpty {
                guard let form = QuantizedForm(dequantize: node, in: graph) else { continue }
                if let value = graph.constant(named: node.inputs[0]) {
                    pairWeight(node, graph: graph, form: form, value: value, float: float, seen: &seen)
                } else if let quantize = graph.producer(of: node.inputs[0]), quantize.opType == "QuantizeLinear",
                          let input = quantize.inputs.first, isFloat(input, in: graph, index: quantized) {
                    pairActivation(node, quantizeInput: input, form: form, float: float, quantized: quantized, seen: &seen)
                }
            }
        }
    }

    /// A float tensor: declared float, or at least not itself a dequantization's integer input.
    private func isFloat(_ name: String, in graph: Graph, index: ModelIndex) -> Bool {
        if let type = graph.declaredType(of: name)?.elemType, let dataType = DataType(rawValue: type) {
            return [.float, .float16, .bfloat16, .double].contains(dataType)
        }
        return index.producers[name]?.node.opType != "DequantizeLinear"
    }

    private mutating func pairActivation(_ dequantize: Node, quantizeInput: String, form: QuantizedForm, float: ModelIndex,
                                         quantized: ModelIndex, seen: inout Set<String>) {
        let output = dequantize.outputs[0]
        // The same tensor where the float model has it, else the name the dequantized copy
        // took over (a graph output keeps its name on the DequantizeLinear side), else the
        // same output of the node of the same name.
        var name: String? = float.isActivation(quantizeInput) ? quantizeInput : float.isActivation(output) ? output : nil
        if name == nil, let producer = quantized.producers[quantizeInput]?.node, let nodeName = producer.name,
           let twin = float.nodesByName[nodeName]?.node, twin.opType == producer.opType,
           let slot = producer.outputs.firstIndex(of: quantizeInput), slot < twin.outputs.count {
            name = twin.outputs[slot]
        }
        guard let name else { unpaired.append(quantizeInput); return }
        // onnxruntime gives a tensor one DequantizeLinear per consumer group: the first stands for all.
        guard seen.insert(name).inserted else { return }
        activations.append(ActivationPair(name: name, op: float.opType(of: name), dequantized: output, quantized: form,
                                          quantizeInput: quantizeInput,
                                          foldedActivation: FoldedActivation(float: float, name: name, quantized: quantized,
                                                                             quantizeInput: quantizeInput)))
    }

    /// The float weight is what the node reading the dequantized weight reads at the same input
    /// of the float model's node of the same name (or a float constant of the output's name,
    /// onnxruntime's layout for biases).
    private mutating func pairWeight(_ dequantize: Node, graph: Graph, form: QuantizedForm, value: TensorProto, float: ModelIndex,
                                     seen: inout Set<String>) {
        let output = dequantize.outputs[0]
        var floatName: String?
        for consumer in graph.consumers(of: output) {
            guard let nodeName = consumer.name, let twin = float.nodesByName[nodeName]?.node, twin.opType == consumer.opType,
                  let slot = consumer.inputs.firstIndex(of: output), slot < twin.inputs.count,
                  float.constant(named: twin.inputs[slot]) != nil else { continue }
            floatName = twin.inputs[slot]
            break
        }
        if floatName == nil, float.constant(named: output) != nil { floatName = output }
        guard let floatName, let floatValue = float.constant(named: floatName) else { unpaired.append(form.name); return }
        guard seen.insert("weight:" + floatName).inserted else { return }
        weights.append(WeightPair(name: floatName, float: floatValue, quantized: form, quantizedValue: value, dequantized: output))
    }
}
