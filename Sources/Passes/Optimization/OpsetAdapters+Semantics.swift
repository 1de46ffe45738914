import ONNXModel
import Runtime

/// Adapters for ops whose new versions compute differently unless the node says more: an
/// explicit attribute, a reshaped parameter, a wrapper, or a renamed op.
extension OpsetAdapters {
    /// Softmax, LogSoftmax and Hardmax before 13 flatten the input to 2-D at `axis` (default 1)
    /// and work on each row; from 13 they work along `axis` alone (default -1). The two agree
    /// when `axis` is the last one; otherwise Flatten → op → Reshape to the input's shape says
    /// the old thing. Only -1 is the last axis whatever the rank: any other needs the rank.
    func singleAxis(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let input = node.input(0), let output = node.outputs.first, !output.isEmpty else {
            return .blocked("\(node.opType) without input or output")
        }
        let axis = Int(node.attribute("axis")?.int ?? 1)
        guard axis != -1 else { return .unchanged }
        guard let rank = types.rank(of: input, in: graph) else { return .blocked("the rank of '\(input)' is unknown") }
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized != rank - 1 else {
            guard node.attribute("axis") == nil else { return .unchanged }
            return .rewrite("the default axis 1 made explicit") { node.setAttribute(.int("axis", 1)) }
        }
        return .rewrite("\(node.opType) over the axes from \(normalized) on as Flatten, \(node.opType), Reshape") { [self] in
            flattenAround(node, in: graph, input: input, output: output, axis: normalized)
        }
    }

    /// Shape(input) and Flatten(input) before the node, which then works on the rows; a Reshape
    /// after it restores the shape under the node's old output name.
    private func flattenAround(_ node: Node, in graph: Graph, input: String, output: String, axis: Int) {
        func named(_ suffix: String) -> String? { node.name.map { "\($0)_\(suffix)" } }
        let shape = Node(opType: "Shape", name: named("shape"), inputs: [input], outputs: [names.fresh("\(output)_shape")])
        let flatten = Node(opType: "Flatten", name: named("flatten"), inputs: [input], outputs: [names.fresh("\(output)_2d")],
                           attributes: [.int("axis", Int64(axis))])
        let rows = names.fresh("\(output)_rows")
        graph.insert(shape, before: node)
        graph.insert(flatten, before: node)
        graph.setInput(of: node, at: 0, to: flatten.outputs[0])
        graph.setOutput(of: node, at: 0, to: rows)
        node.setAttribute(.int("axis", -1))
        // allowzero (14): a zero-sized dim of the input is a size, not "copy this dim".
        let reshape = Node(opType: "Reshape", name: named("reshape"), inputs: [rows, shape.outputs[0]], outputs: [output],
                           attributes: target >= 14 ? [.int("allowzero", 1)] : [])
        graph.insert(reshape, after: node)
    }

    /// BatchNormalization-9 always normalizes per channel, what spatial=1 (the default) said.
    /// Before 14 the outputs said the mode: a node listing training outputs (mean, var, saved
    /// mean and variance) normalized with the batch's own statistics. BatchNormalization-14 says
    /// that with training_mode=1 and outputs Y and the running mean and variance, which are the
    /// old mean and var; the saved statistics are gone, so they must be unread.
    func batchNormalization(_ node: Node, in graph: Graph) -> UpgradeStep {
        var steps: [UpgradeStep] = []
        if crosses(9), let spatial = node.attribute("spatial")?.int {
            guard spatial == 1 else { return .blocked("spatial=0 (per-activation statistics) has no opset-9 form") }
            steps.append(dropAttributes(["spatial"], of: node))
        }
        if crosses(14), node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            let saved = node.outputs.dropFirst(3).filter { !$0.isEmpty }
            guard !saved.contains(where: graph.isUsed) else {
                return .blocked("its saved mean or variance is read, and BatchNormalization-14 has neither")
            }
            steps.append(.rewrite("training outputs as training_mode=1") { [self] in
                trainingMode(node, in: graph, dropping: saved)
            })
        }
        return .combining(steps)
    }

    /// onnxruntime needs both running statistics named in training mode, read or not.
    private func trainingMode(_ node: Node, in graph: Graph, dropping saved: [String]) {
        let y = node.outputs[0]
        let running = ["mean", "var"].enumerated().map { i, role in
            node.outputs.count > i + 1 && !node.outputs[i + 1].isEmpty ? node.outputs[i + 1] : names.fresh("\(y)_running_\(role)")
        }
        graph.setOutputs(of: node, to: [y] + running)
        saved.forEach(graph.removeValueInfo)
        node.setAttribute(.int("training_mode", 1))
    }

    /// GroupNormalization-21 reads scale and bias per channel where 18 read them per group, and
    /// computes its statistics in float32 unless stash_type says otherwise, where 18 used the
    /// input's type. Constant per-group values are repeated per channel.
    func groupNormalization(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let x = node.input(0), let scale = node.input(1).flatMap(graph.constantTensor(named:)),
              let bias = node.input(2).flatMap(graph.constantTensor(named:)) else {
            return .blocked("its scale and bias are not constants")
        }
        guard let channels = channelCount(of: x, in: graph), let type = types.elementType(of: x, in: graph) else {
            return .blocked("the type or channel count of '\(x)' is unknown")
        }
        let groups = scale.count
        guard groups > 0, bias.count == groups, channels % groups == 0,
              let perChannel = try? [scale, bias].map({ try repeated($0, times: channels / groups) }) else {
            return .blocked("\(groups) scales and \(bias.count) biases do not divide \(channels) channels into groups")
        }
        return .rewrite("scale and bias per channel" + (type == .float ? "" : ", stash_type \(type)")) { [self] in
            for (slot, (role, tensor)) in zip(["scale", "bias"], perChannel).enumerated() {
                graph.setConstantInput(of: node, at: slot + 1, to: tensor, names: names,
                                       base: "\(node.outputs.first ?? x)_\(role)")
            }
            if type != .float { node.setAttribute(.int("stash_type", Int64(type.rawValue))) }
        }
    }

    /// Each element `times` times in a row: [a, b] → [a, a, b, b] for 2.
    private func repeated(_ tensor: Tensor, times: Int) throws -> Tensor {
        let groups = tensor.count
        let shape = integers([Int64(groups), Int64(times)])
        let expanded = try ConstantArithmetic.evaluate("Expand", [tensor.reshaped([groups, 1]), shape])
        return expanded.reshaped([groups * times])
    }

    private func channelCount(of name: String, in graph: Graph) -> Int? {
        guard let dims = types.dims(of: name, in: graph), dims.count >= 2, case .value(let size)? = dims[1], size > 0 else {
            return nil
        }
        return Int(size)
    }

    /// ScatterElements-11 replaced the deprecated Scatter and computes the same thing.
    func scatter(_ node: Node, in graph: Graph) -> UpgradeStep {
        .rewrite("Scatter as ScatterElements") { node.opType = "ScatterElements" }
    }

    /// Scan-8 scans along a batch axis with per-batch sequence lengths; Scan-9 has neither.
    func scan(_ node: Node, in graph: Graph) -> UpgradeStep {
        .blocked("Scan-8 has a batch axis and sequence lengths that Scan-9 dropped")
    }

    /// Erf-13 and QuantizeLinear-19 take floating-point inputs only (QuantizeLinear-19 types its
    /// scale like the input; before, the scale was float whatever the input).
    func floatingInput(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let input = node.input(0) else { return .blocked("\(node.opType) without input") }
        guard let type = types.elementType(of: input, in: graph) else { return unknownType(of: input) }
        guard ![.float, .float16, .double, .bfloat16].contains(type) else { return .unchanged }
        return .blocked("its input '\(input)' is \(type), which newer versions of \(node.opType) do not take")
    }

    /// RoiAlign-16 shifts input coordinates by half a pixel unless told otherwise; 10 did not.
    func roiAlign(_ node: Node, in graph: Graph) -> UpgradeStep {
        .rewrite("coordinate_transformation_mode output_half_pixel, as RoiAlign-10 sampled") {
            node.setAttribute(.string("coordinate_transformation_mode", "output_half_pixel"))
        }
    }

    /// GridSample-20 calls the bilinear and bicubic modes linear and cubic (the defaults agree).
    func gridSample(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let mode = node.attribute("mode")?.string, let renamed = ["bilinear": "linear", "bicubic": "cubic"][mode] else {
            return .unchanged
        }
        return .rewrite("mode \(mode) as \(renamed)") { node.setAttribute(.string("mode", renamed)) }
    }
}
