import ONNXModel
import Passes

/// What an op rule may ask and record while the planner visits a node: onnxruntime's
/// quantize_activation_tensor / quantize_output_same_as_input / quantize_weight_tensor /
/// quantize_bias_tensor, on one graph.
public struct QDQMarker {
    public let graph: Graph
    public let marks: QDQMarks
    let options: QuantizationOptions
    let names: NameAllocator

    /// Whether `name` is marked already (as a tensor or a bias).
    public func isQuantized(_ name: String) -> Bool { marks.marks[name] != nil || marks.biases[name] != nil }

    public func isInitializer(_ name: String) -> Bool { graph.constant(named: name) != nil }

    /// Only float tensors are quantized; the type comes from the initializer or shape inference.
    public func isFloat(_ name: String) -> Bool {
        guard !name.isEmpty, let type = graph.elementType(of: name) else { return false }
        return type == .float || type == .float16
    }

    public func quantizeActivation(_ name: String) {
        guard isFloat(name), marks.marks[name] == nil else { return }
        marks.mark(name, .init(role: .activation))
    }

    /// `output` is quantized with the scale and zero point of `input` (data movement ops).
    public func quantizeOutputSameAsInput(_ output: String, _ input: String) {
        guard isFloat(output) else { return }
        marks.mark(output, .init(role: .activation, sharedWith: input))
    }

    /// A weight initializer, per channel along `defaultAxis` when per-channel quantization is on
    /// (or the overrides ask for it); a computed tensor in a weight position is an activation.
    public func quantizeWeight(_ name: String, defaultAxis: Int?) {
        guard isFloat(name) else { return }
        guard let weight = graph.constant(named: name) else {
            quantizeActivation(name)
            return
        }
        marks.mark(name, .init(role: .weight(axis: channelAxis(of: weight, default: defaultAxis))))
    }

    /// A bias initializer, quantized to int32 with scale s_input · s_weight · beta.
    public func quantizeBias(node: Node, bias: String, input: String, weight: String, beta: Double = 1) {
        // Without bias quantization the bias stays float, as onnxruntime's QuantizeBias=False.
        guard options.quantizeBias else { return }
        guard let initializer = graph.constant(named: bias), let type = initializer.dataType,
              type == DataType.float.rawValue || type == DataType.float16.rawValue else { return }
        var name = bias
        if marks.biases[bias] != nil {
            // A bias read by two nodes needs a copy per node: its scale depends on each node's
            // input and weight scales.
            name = names.fresh(biasCopyName(bias))
            marks.copyBias(for: node, original: bias, copy: name)
        }
        marks.markBias(name, .init(node: node, input: input, weight: weight, beta: beta))
    }

    /// Drops a Relu/Clip by letting its input's producer write its output, when the input is
    /// read by nothing else (onnxruntime's try_replacing_upstream_output).
    public func foldActivation(_ node: Node) -> Bool {
        guard let upstream = node.input(0), let output = node.outputs.first, isFloat(output),
              graph.consumers(of: upstream).count == 1, !graph.isGraphOutput(upstream), !graph.isGraphInput(upstream),
              graph.producer(of: upstream) != nil, !isInitializer(upstream),
              marks.marks[upstream]?.sharedWith == nil else { return false }
        marks.unmark(upstream)
        marks.fold(.init(node: node, upstream: upstream))
        return true
    }

    public var activationsAreSymmetric: Bool { options.symmetricActivations }
    public var keepsRemovableActivations: Bool { options.keepRemovableActivations }
    public var opset: Int { options.opset }

    /// onnxruntime's name for a bias copy (`_dup_initializer`): the bias's name followed by one
    /// more than the largest number that already follows it in an initializer's name, so `b`
    /// gets `b0`, then `b1`.
    private func biasCopyName(_ bias: String) -> String {
        let taken = graph.initializers.compactMap(\.name) + marks.biasCopies.map(\.copy)
        let numbers = taken.filter { $0.hasPrefix(bias) }.compactMap { Int($0.dropFirst(bias.count)) }
        return bias + String((numbers.max() ?? -1) + 1)
    }

    private func channelAxis(of weight: TensorProto, default axis: Int?) -> Int? {
        let name = weight.name ?? ""
        if let override = options.overrides[name] { return override.axis.flatMap { normalize($0, rank: weight.dims.count) } }
        guard options.perChannel, let axis else { return nil }
        return normalize(axis, rank: weight.dims.count)
    }

    private func normalize(_ axis: Int, rank: Int) -> Int? {
        let normalized = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(normalized) ? normalized : nil
    }
}
