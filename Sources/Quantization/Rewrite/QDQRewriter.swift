import ONNXModel
import Passes
import Runtime

/// Applies a QDQ plan with calibrated ranges: weights become quantized initializers behind
/// DequantizeLinear, activations get one QuantizeLinear → DequantizeLinear pair shared by all
/// their consumers, biases become int32 with scale s_input · s_weight (· beta). Names follow
/// onnxruntime's (`x_QuantizeLinear_Output`, `w_quantized`, `x_scale`), made unique when taken.
public struct QDQRewriter {
    let options: QuantizationOptions
    let ranges: [String: TensorRange]
    let names: NameAllocator
    let tensorMap: TensorMap
    let main: Graph

    public init(model: Model, options: QuantizationOptions, ranges: [String: TensorRange], tensorMap: TensorMap) {
        self.options = options
        self.ranges = ranges
        self.tensorMap = tensorMap
        names = NameAllocator(model)
        main = model.graph
    }

    /// Rewrites every graph of the plan.
    public func apply(_ plan: QDQPlan) throws {
        for marks in plan.graphs {
            try GraphRewrite(marks: marks, rewriter: self).run()
        }
        removeUnreadFloatInitializers(plan)
    }

    /// A weight or bias of an enclosing graph quantized inside a subgraph (If branches reading
    /// the main graph's initializers) stays behind in float once its readers are rewired: it
    /// goes when no graph reads it any more.
    private func removeUnreadFloatInitializers(_ plan: QDQPlan) {
        let graphs = [main] + main.allSubgraphs
        let read = Set(graphs.flatMap { $0.nodes.flatMap(\.inputs) + $0.outputs.compactMap(\.name) })
        let quantized = Set(plan.graphs.flatMap { Array($0.marks.keys) + $0.biasOrder })
        for graph in graphs { graph.removeInitializers(named: quantized.subtracting(read)) }
    }
}

/// The rewrite of one graph.
private struct GraphRewrite {
    let marks: QDQMarks
    let rewriter: QDQRewriter
    var graph: Graph { marks.graph }
    var options: QuantizationOptions { rewriter.options }

    /// Per quantized tensor: the names of its scale and zero point initializers and their values.
    final class Emitted {
        var parameters: [String: (scale: String, zeroPoint: String, values: QuantParameters)] = [:]
        /// Tensors an enclosing graph quantized first (their readers here were rewired to its
        /// DequantizeLinear): only their values, for the biases and shared tensors that need them.
        var outer: [String: QuantParameters] = [:]

        func values(of name: String) -> QuantParameters? { parameters[name]?.values ?? outer[name] }
    }

    func run() throws {
        copyBiases()
        let parameters = try allParameters(ranges: adjustedRanges())
        foldActivations(quantized: parameters)
        let emitted = Emitted()
        try emitOwnParameters(parameters, emitted)
        emitSharedParameters(emitted)
        if options.quantizeBias {
            for name in marks.biasOrder { try quantizeBias(name, emitted: emitted) }
        }
        try graph.sortTopologically()
    }

    /// Tensors with parameters of their own: initializers quantized in place, activations
    /// given a Q/DQ pair unless an enclosing graph's pair already serves every reader here.
    private func emitOwnParameters(_ parameters: [String: QuantParameters], _ emitted: Emitted) throws {
        for name in marks.order where marks.marks[name]?.sharedWith == nil {
            guard let values = parameters[name] else { continue }
            if graph.constant(named: name) != nil {
                try quantizeInitializer(name, parameters: values, emitted: emitted)
            } else if graph.isUsed(name) {
                emitActivation(name, parameters: values, emitted: emitted)
            } else {
                emitted.outer[name] = values
            }
        }
    }

    /// Shared tensors after the ones they borrow from, repeatedly: a chain (Reshape after
    /// Transpose after Conv) resolves one link per sweep.
    private func emitSharedParameters(_ emitted: Emitted) {
        var pending = marks.order.filter { marks.marks[$0]?.sharedWith != nil }
        while !pending.isEmpty {
            let before = pending.count
            pending.removeAll { name in
                guard let provider = marks.marks[name]?.sharedWith, let shared = sharedParameters(provider, emitted) else {
                    return false
                }
                addPair(for: name, scale: shared.scale, zeroPoint: shared.zeroPoint, parameters: shared.values)
                emitted.parameters[name] = shared
                return true
            }
            if pending.count == before { break }
        }
    }

    // MARK: Structure

    private func copyBiases() {
        for copy in marks.biasCopies {
            guard var tensor = graph.constant(named: copy.original) else { continue }
            tensor.name = copy.copy
            graph.setInitializer(tensor)
            if let slot = copy.node.inputs.firstIndex(of: copy.original) { graph.setInput(of: copy.node, at: slot, to: copy.copy) }
        }
    }

    /// A folded Relu/Clip disappears; its input's producer writes its output. Only when that
    /// output is quantized: the clamp lives in its range, so an output left float (no range, or
    /// one reaching the float limits) keeps its Relu/Clip.
    private func foldActivations(quantized parameters: [String: QuantParameters]) {
        for fold in marks.folded {
            guard let producer = graph.producer(of: fold.upstream), let slot = producer.outputs.firstIndex(of: fold.upstream),
                  let output = fold.node.outputs.first, parameters[output] != nil else { continue }
            graph.remove(fold.node)
            graph.setOutput(of: producer, at: slot, to: output)
            graph.removeValueInfo(named: fold.upstream)
            removeUnreadInitializers(Set(fold.node.inputs.dropFirst()))
        }
    }

    /// A folded Clip's min and max initializers, once nothing reads them (onnxruntime's
    /// clean_initializers drops every unread one).
    private func removeUnreadInitializers(_ names: Set<String>) {
        let unread = names.filter { graph.initializer(named: $0) != nil && !graph.isUsed($0) && !graph.isGraphInput($0) }
        graph.removeInitializers(named: unread)
    }

    /// onnxruntime's adjust_tensor_ranges: a kept Relu/Clip's input takes the output's range
    /// (when nothing else reads it); Softmax outputs are [0, 1].
    private func adjustedRanges() -> [String: TensorRange] {
        var ranges = rewriter.ranges
        for node in graph.nodes where options.shouldQuantize(node.opType, name: node.name ?? "") {
            guard let input = node.input(0), let output = node.outputs.first else { continue }
            switch node.opType {
            case "Relu", "Clip":
                if graph.consumers(of: input).count == 1, let range = ranges[output], ranges[input] != nil { ranges[input] = range }
            case "Softmax":
                ranges[output] = TensorRange(min: 0, max: 1)
            default:
                break
            }
        }
        for (name, override) in options.overrides {
            var range = ranges[name] ?? TensorRange(min: 0, max: 0)
            if let min = override.min { range.min = min }
            if let max = override.max { range.max = max }
            if override.min != nil || override.max != nil || ranges[name] != nil { ranges[name] = range }
        }
        return ranges
    }

    // MARK: Parameters

    /// Scale and zero point of every marked tensor that does not borrow them: initializers from
    /// their values, activations from their ranges; weight scales are then widened where an
    /// int32 bias would otherwise saturate.
    private func allParameters(ranges: [String: TensorRange]) throws -> [String: QuantParameters] {
        var result: [String: QuantParameters] = [:]
        for name in marks.order {
            guard let mark = marks.marks[name], mark.sharedWith == nil else { continue }
            if let tensor = graph.constant(named: name) {
                result[name] = try initializerParameters(name, tensor, role: mark.role)
                if options.overrides[name] == nil, let values = result[name], Self.reachesFloatLimits(values) {
                    result[name] = nil
                }
            } else if let range = ranges[name], options.overrides[name] != nil || !Self.reachesFloatLimits(range) {
                result[name] = try activationParameters(name, range: range)
            }
        }
        // As onnxruntime: only for a bias whose input has parameters of its own.
        for name in marks.biasOrder {
            guard let bias = marks.biases[name], let weight = result[bias.weight], graph.constant(named: bias.input) == nil,
                  let input = result[bias.input], let values = graph.floatConstant(named: name) else { continue }
            let adjusted = try values.withUnsafeBufferPointer {
                try Int32BiasAdjustment.adjusted(weight, inputScale: input.scale[0], bias: $0, format: .qdq)
            }
            if let adjusted { result[bias.weight] = adjusted }
        }
        return result
    }

    /// A range reaching the float limits holds sentinels, not data (exported attention masks
    /// use torch.finfo(float32).min as -inf): any integer grid over it would round every real
    /// value to zero, so the tensor stays float.
    static func reachesFloatLimits(_ range: TensorRange) -> Bool {
        // A NaN bound (a histogram over such a range) counts as reaching them too.
        !(max(abs(range.min), abs(range.max)) < sentinelMagnitude)
    }

    /// The same test on parameters computed from an initializer's values: a step this large
    /// means the values reach the float limits (dequantizing them could even overflow to -inf).
    static func reachesFloatLimits(_ parameters: QuantParameters) -> Bool {
        parameters.scale.contains { !$0.isFinite || $0 * 255 >= sentinelMagnitude / 2 }
    }

    static let sentinelMagnitude: Float = 1e30

    private func initializerParameters(_ name: String, _ tensor: TensorProto, role: QDQMarks.Role) throws -> QuantParameters {
        let value = try Tensor(proto: tensor)
        let floats = try value.converted(to: .float).scalars(Float.self)
        let override = options.overrides[name]
        var axis: Int?
        var type = options.activationType
        if case .weight(let weightAxis) = role { (axis, type) = (weightAxis, options.weightType) }
        if let name = override?.type { type = try QuantType(option: name) }
        if let scale = override?.scale, let zeroPoint = override?.zeroPoint, axis == nil {
            return QuantParameters(scale: [scale], zeroPoint: [Int32(zeroPoint)], type: type, axis: nil)
        }
        let isWeight = role != .activation
        // Per-channel weights are always symmetric: QLinear ops need one zero point for all channels.
        let symmetric = override?.symmetric
            ?? (axis != nil || (isWeight ? options.weightsAreSymmetric(type) : options.symmetricActivations))
        return try floats.withUnsafeBufferPointer {
            try QuantParameters.forWeight($0, shape: value.shape, axis: axis, type: type, symmetric: symmetric,
                                          reduceRange: options.reduceRange, minRealRange: options.minimumRealRange.map(Double.init))
        }
    }

    private func activationParameters(_ name: String, range: TensorRange) throws -> QuantParameters {
        let override = options.overrides[name]
        let type = try override?.type.map(QuantType.init(option:)) ?? options.activationType
        if let scale = override?.scale, let zeroPoint = override?.zeroPoint {
            return QuantParameters(scale: [scale], zeroPoint: [Int32(zeroPoint)], type: type, axis: nil)
        }
        return try QuantParameters(rmin: range.min, rmax: range.max, type: type,
                                   symmetric: override?.symmetric ?? options.symmetricActivations,
                                   minRealRange: options.minimumRealRange.map(Double.init))
    }

    // MARK: Emitting

    private func quantizeInitializer(_ name: String, parameters: QuantParameters, emitted: Emitted) throws {
        guard let tensor = graph.constant(named: name) else { return }
        let floats = try Tensor(proto: tensor).converted(to: .float)
        let quantized = try floats.scalars(Float.self).withUnsafeBufferPointer { try parameters.quantize($0, shape: floats.shape) }
        let quantizedName = rewriter.names.fresh(name + "_quantized")
        graph.setInitializer(quantized.toProto(name: quantizedName))
        let (scale, zeroPoint) = addParameterInitializers(for: name, parameters)
        let output = rewriter.names.fresh(name + "_DequantizeLinear_Output")
        graph.replaceUses(of: name, with: output)
        graph.append(dequantize(quantizedName, scale, zeroPoint, output: output, node: name + "_DequantizeLinear", axis: parameters.axis))
        if !graph.isUsed(name) && !graph.isGraphInput(name) { graph.removeInitializer(named: name) }
        emitted.parameters[name] = (scale, zeroPoint, parameters)
        rewriter.tensorMap.record(name, quantized: quantizedName, dequantized: output, parameters: parameters)
    }

    /// The provider's initializers; for a tensor an enclosing graph quantized, made here on
    /// first use.
    private func sharedParameters(_ provider: String, _ emitted: Emitted) -> (scale: String, zeroPoint: String, values: QuantParameters)? {
        if let shared = emitted.parameters[provider] { return shared }
        guard let values = emitted.outer[provider] else { return nil }
        let (scale, zeroPoint) = addParameterInitializers(for: provider, values)
        emitted.parameters[provider] = (scale, zeroPoint, values)
        return emitted.parameters[provider]
    }

    private func emitActivation(_ name: String, parameters: QuantParameters, emitted: Emitted) {
        let (scale, zeroPoint) = addParameterInitializers(for: name, parameters)
        addPair(for: name, scale: scale, zeroPoint: zeroPoint, parameters: parameters)
        emitted.parameters[name] = (scale, zeroPoint, parameters)
    }

    /// producer → Q → DQ → every consumer. A graph output keeps its name on the DQ side.
    private func addPair(for name: String, scale: String, zeroPoint: String, parameters: QuantParameters) {
        let quantized = rewriter.names.fresh(name + "_QuantizeLinear_Output")
        var input = name, output = rewriter.names.fresh(name + "_DequantizeLinear_Output")
        if graph.isGraphOutput(name), let producer = graph.producer(of: name), let slot = producer.outputs.firstIndex(of: name) {
            input = rewriter.names.fresh(name + "_QuantizeLinear_Input")
            output = name
            graph.setOutput(of: producer, at: slot, to: input)
        } else {
            graph.replaceUses(of: name, with: output)
        }
        graph.append(Node(opType: "QuantizeLinear", name: rewriter.names.fresh(name + "_QuantizeLinear"),
                          inputs: [input, scale, zeroPoint], outputs: [quantized]))
        graph.append(dequantize(quantized, scale, zeroPoint, output: output, node: name + "_DequantizeLinear", axis: nil))
        rewriter.tensorMap.record(name, quantized: quantized, dequantized: output, parameters: parameters)
    }

    private func quantizeBias(_ name: String, emitted: Emitted) throws {
        guard let bias = marks.biases[name], let input = emitted.values(of: bias.input),
              let weight = emitted.values(of: bias.weight), let values = graph.floatConstant(named: name) else { return }
        let shape = graph.constant(named: name)!.dims.map { Int($0) }
        let quantized = try values.withUnsafeBufferPointer {
            try QuantizedBias($0, shape: shape, inputScale: input.scale[0], weightScale: weight.scale,
                              beta: Float(bias.beta))
        }
        let quantizedName = rewriter.names.fresh(name + "_quantized")
        let output = dequantizedBiasName(name)
        graph.removeInitializer(named: name)
        graph.setInitializer(quantized.tensor.toProto(name: quantizedName))
        let scale = rewriter.names.fresh(quantizedName + "_scale"), zeroPoint = rewriter.names.fresh(quantizedName + "_zero_point")
        graph.setInitializer(quantized.scaleTensor.toProto(name: scale))
        graph.setInitializer(quantized.zeroPointTensor.toProto(name: zeroPoint))
        graph.append(dequantize(quantizedName, scale, zeroPoint, output: output, node: name + "_DequantizeLinear",
                                axis: quantized.axis))
        rewriter.tensorMap.record(name, quantized: quantizedName, dequantized: output, type: "int32", axis: quantized.axis,
                                  scale: quantized.scale, zeroPoint: Array(repeating: 0, count: quantized.scale.count))
    }

    /// The bias's DequantizeLinear writes the bias's own name (onnxruntime's layout), except
    /// for an enclosing graph's initializer: a subgraph may not define an outer name again
    /// (SSA across scopes), so its readers here are rewired to a fresh name.
    private func dequantizedBiasName(_ name: String) -> String {
        guard graph.initializer(named: name) == nil else { return name }
        let output = rewriter.names.fresh(name + "_DequantizeLinear_Output")
        graph.replaceUses(of: name, with: output)
        return output
    }

    private func addParameterInitializers(for name: String, _ parameters: QuantParameters) -> (String, String) {
        let scale = rewriter.names.fresh(name + "_scale"), zeroPoint = rewriter.names.fresh(name + "_zero_point")
        graph.setInitializer(parameters.scaleTensor.toProto(name: scale))
        graph.setInitializer(parameters.zeroPointTensor.toProto(name: zeroPoint))
        return (scale, zeroPoint)
    }

    private func dequantize(_ input: String, _ scale: String, _ zeroPoint: String, output: String, node: String,
                            axis: Int?) -> Node {
        let dequantize = Node(opType: "DequantizeLinear", name: rewriter.names.fresh(node), inputs: [input, scale, zeroPoint],
                              outputs: [output])
        if let axis { dequantize.setAttribute(.int("axis", Int64(axis))) }
        return dequantize
    }
}
