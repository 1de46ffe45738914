import ONNXModel
import Runtime

/// Adapters for ops whose attributes became inputs: the values move into initializers and the
/// op computes the same thing.
extension OpsetAdapters {
    /// Slice-10 reads starts, ends and axes as int64 inputs.
    func slice(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let starts = node.attribute("starts")?.ints, let ends = node.attribute("ends")?.ints else {
            return .blocked("Slice without starts and ends")
        }
        var moves: [Move] = [("starts", 1, integers(starts)), ("ends", 2, integers(ends))]
        if let axes = node.attribute("axes")?.ints { moves.append(("axes", 3, integers(axes))) }
        return attributesAsInputs(node, in: graph, moves)
    }

    /// TopK-10 reads k as the K input.
    func topK(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let k = node.attribute("k")?.int else { return .blocked("TopK without k") }
        return attributesAsInputs(node, in: graph, [("k", 1, integers([k]))])
    }

    /// Pad-11 reads pads and the constant value as inputs, the value typed like the data. A
    /// zero value is the input's default, and other modes ignore it.
    func pad(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0), let pads = node.attribute("pads")?.ints else { return .blocked("Pad without pads") }
        var moves: [Move] = [("pads", 1, integers(pads))]
        let value = node.attribute("value")?.float ?? 0
        if (node.attribute("mode")?.string ?? "constant") == "constant" && value != 0 {
            guard let typed = scalar(value, typedLike: data, in: graph) else { return unknownType(of: data) }
            moves.append(("value", 2, typed))
        }
        let unused = moves.count == 1 ? dropAttributes(["value"], of: node) : .unchanged
        return .combining([attributesAsInputs(node, in: graph, moves), unused])
    }

    /// Clip-11 reads min and max as optional scalar inputs typed like the data.
    func clip(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0) else { return .blocked("Clip without input") }
        var moves: [Move] = []
        for (slot, bound) in ["min", "max"].enumerated() {
            guard let value = node.attribute(bound)?.float else { continue }
            guard let typed = scalar(value, typedLike: data, in: graph) else { return unknownType(of: data) }
            moves.append((bound, slot + 1, typed))
        }
        return attributesAsInputs(node, in: graph, moves)
    }

    /// Dropout-10's mask is bool where Dropout-7's had the data's type: fine while nothing reads
    /// it. Dropout-12 reads the ratio as an input (inference ignores it either way).
    func dropout(_ node: Node, in graph: Graph) -> UpgradeStep {
        if crosses(10), node.outputs.count > 1, graph.isUsed(node.outputs[1]) {
            return .blocked("its mask is read, and the mask's type changed to bool in opset 10")
        }
        guard crosses(12), let ratio = node.attribute("ratio")?.float else { return .unchanged }
        return attributesAsInputs(node, in: graph, [("ratio", 1, Tensor(scalar: ratio))])
    }

    /// Squeeze and Unsqueeze (13), ReduceSum (13) and the other reductions (18) read axes as an
    /// input. An empty axes list meant what an absent axes input means, so it is only dropped.
    func axesAsInput(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let axes = node.attribute("axes")?.ints else { return .unchanged }
        guard !axes.isEmpty else { return dropAttributes(["axes"], of: node) }
        return attributesAsInputs(node, in: graph, [("axes", 1, integers(axes))])
    }

    /// Split-13 reads the part lengths as an input. Split-18 wants num_outputs when no lengths
    /// are given; equal parts were all the older versions allowed then, and num_outputs equal
    /// to the output count splits the same way.
    func split(_ node: Node, in graph: Graph) -> UpgradeStep {
        let lengths = node.attribute("split")?.ints ?? []
        var steps: [UpgradeStep] = []
        if crosses(13) {
            steps.append(lengths.isEmpty ? dropAttributes(["split"], of: node)
                                         : attributesAsInputs(node, in: graph, [("split", 1, integers(lengths))]))
        }
        if crosses(18), lengths.isEmpty, node.input(1) == nil, node.attribute("num_outputs") == nil {
            steps.append(.rewrite("num_outputs set to its output count") {
                node.setAttribute(.int("num_outputs", Int64(node.outputs.count)))
            })
        }
        return .combining(steps)
    }

    /// DFT-20 reads the axis as an input whose default is -2; DFT-17's attribute defaulted to 1,
    /// so the axis is always given.
    func dft(_ node: Node, in graph: Graph) -> UpgradeStep {
        let axis = node.attribute("axis")?.int ?? 1
        return attributesAsInputs(node, in: graph, [("axis", 2, Tensor(scalar: axis))])
    }

    /// Removes attributes the new schema no longer has, when the node carries them.
    func dropAttributes(_ attributes: [String], of node: Node) -> UpgradeStep {
        let present = attributes.filter { node.attribute($0) != nil }
        guard !present.isEmpty else { return .unchanged }
        return .rewrite("dropped " + present.joined(separator: ", ")) { present.forEach(node.removeAttribute) }
    }
}
