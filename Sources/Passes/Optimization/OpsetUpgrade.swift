import ONNXModel
import Runtime

/// How one node moves from the model's opset (7...10) to opset 11.
enum UpgradeStep {
    /// The new schema reads the node the same way.
    case unchanged
    /// An edit that says the same thing in opset 11, and what it does.
    case rewrite(String, () -> Void)
    /// Why the node cannot move.
    case blocked(String)
}

/// The per-op adapters of an upgrade to opset 11: each says how a node whose schema changed
/// between the model's opset and 11 is written in opset 11, or why it cannot be. Nothing is
/// edited until the caller runs the rewrites, so a blocked node leaves the model untouched.
final class OpsetUpgrade {
    let from: Int64
    private let names: NameAllocator
    /// One empty roi tensor per graph, shared by its Resize nodes.
    private var emptyRoi: [ObjectIdentifier: String] = [:]

    /// Ops whose new versions up to 11 only add types, negative axes or optional attributes
    /// and outputs with the old defaults (the onnx version converter's "compatible" adapters).
    static let compatible: Set<String> = [
        "ArgMax", "ArgMin", "AveragePool", "Cast", "Compress", "Concat", "Constant", "Conv", "ConvTranspose",
        "DepthToSpace", "Equal", "Flatten", "Gather", "Gemm", "Greater", "Hardmax", "If", "Less", "LogSoftmax",
        "Loop", "LpPool", "MatMul", "Max", "MaxPool", "MaxUnpool", "Mean", "Min", "NonMaxSuppression", "OneHot",
        "PRelu", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
        "ReduceProd", "ReduceSum", "ReduceSumSquare", "Softmax", "Split", "Squeeze", "Sum", "Unsqueeze",
    ]

    init(from opset: Int64, names: NameAllocator) {
        from = opset
        self.names = names
    }

    func step(for node: Node, in graph: Graph) -> UpgradeStep {
        switch node.opType {
        case "Upsample", "Resize": return resize(node, in: graph)
        case "Slice": return from < 10 ? slice(node, in: graph) : .unchanged
        case "TopK": return from < 10 ? topK(node, in: graph) : .unchanged
        case "Pad": return pad(node, in: graph)
        case "Clip": return clip(node, in: graph)
        case "BatchNormalization": return batchNormalization(node)
        case "Dropout": return dropout(node, in: graph)
        case "Scatter": return .rewrite("Scatter as ScatterElements") { node.opType = "ScatterElements" }
        case "Scan": return from < 9 ? .blocked("Scan-8 has a batch axis that Scan-9 dropped") : .unchanged
        default:
            guard Self.compatible.contains(node.opType) else { return .blocked("no adapter for \(node.opType) from opset \(from)") }
            return .unchanged
        }
    }

    /// Upsample (scales attribute before opset 9, input from 9) and Resize-10 become Resize-11
    /// with asymmetric coordinates, as they sampled. Nearest picked floor when enlarging and
    /// ceil when shrinking: that becomes nearest_mode, so scales must not do both.
    private func resize(_ node: Node, in graph: Graph) -> UpgradeStep {
        let mode = node.attribute("mode")?.string ?? "nearest"
        guard ["nearest", "linear", "bilinear"].contains(mode), let data = node.input(0) else {
            return .blocked("mode '\(mode)' has no Resize-11 equivalent")
        }
        let attributeScales = node.opType == "Upsample" && from < 9 ? node.attribute("scales")?.floats : nil
        guard attributeScales != nil || node.input(1) != nil else { return .blocked("it has no scales") }
        let scales = attributeScales ?? graph.floatConstant(named: node.input(1)!)
        var nearestMode = "floor"
        if mode == "nearest", let scales, !scales.allSatisfy({ $0 >= 1 }) {
            guard scales.allSatisfy({ $0 <= 1 }) else { return .blocked("scales \(scales) both enlarge and shrink") }
            nearestMode = "ceil"
        }
        return .rewrite("\(node.opType) as Resize-11") { [self] in
            let scalesInput = attributeScales.map { addConstant(Tensor($0, shape: [$0.count]), "scales", for: node, in: graph) }
            let roi = roiInput(in: graph, for: node)
            node.opType = "Resize"
            node.removeAttribute(named: "scales")
            graph.setInputs(of: node, to: [data, roi, scalesInput ?? node.inputs[1]])
            node.setAttribute(.string("mode", mode == "nearest" ? "nearest" : "linear"))
            node.setAttribute(.string("coordinate_transformation_mode", "asymmetric"))
            if mode == "nearest" { node.setAttribute(.string("nearest_mode", nearestMode)) }
        }
    }

    /// Slice-1's starts/ends/axes attributes become int64 inputs.
    private func slice(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0), let starts = node.attribute("starts")?.ints, let ends = node.attribute("ends")?.ints
        else { return .blocked("Slice without starts and ends") }
        let axes = node.attribute("axes")?.ints
        return .rewrite("Slice attributes as inputs") { [self] in
            var inputs = [data, integers(starts, "starts", for: node, in: graph), integers(ends, "ends", for: node, in: graph)]
            if let axes { inputs.append(integers(axes, "axes", for: node, in: graph)) }
            ["starts", "ends", "axes"].forEach(node.removeAttribute)
            graph.setInputs(of: node, to: inputs)
        }
    }

    /// TopK-1's k attribute becomes the K input.
    private func topK(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0), let k = node.attribute("k")?.int else { return .blocked("TopK without k") }
        return .rewrite("TopK k as an input") { [self] in
            node.removeAttribute(named: "k")
            graph.setInputs(of: node, to: [data, integers([k], "k", for: node, in: graph)])
        }
    }

    /// Pad-2's pads and value attributes become inputs (the value typed like the data).
    private func pad(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0), let pads = node.attribute("pads")?.ints else { return .blocked("Pad without pads") }
        let value = node.attribute("value")?.float ?? 0
        let constantMode = (node.attribute("mode")?.string ?? "constant") == "constant"
        var padding: Tensor?
        if constantMode && value != 0 {
            guard let typed = typedScalar(value, like: data, in: graph) else { return .blocked("the type of '\(data)' is unknown") }
            padding = typed
        }
        return .rewrite("Pad attributes as inputs") { [self] in
            var inputs = [data, integers(pads, "pads", for: node, in: graph)]
            if let padding { inputs.append(addConstant(padding, "value", for: node, in: graph)) }
            ["pads", "value"].forEach(node.removeAttribute)
            graph.setInputs(of: node, to: inputs)
        }
    }

    /// Clip-6's min and max attributes become scalar inputs typed like the data.
    private func clip(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard let data = node.input(0) else { return .blocked("Clip without input") }
        let bounds = ["min", "max"].map { node.attribute($0)?.float }
        guard bounds.contains(where: { $0 != nil }) else { return .unchanged }
        var typed: [Tensor?] = []
        for bound in bounds {
            guard let bound else { typed.append(nil); continue }
            guard let value = typedScalar(bound, like: data, in: graph) else { return .blocked("the type of '\(data)' is unknown") }
            typed.append(value)
        }
        return .rewrite("Clip bounds as inputs") { [self] in
            var inputs = [data] + zip(["min", "max"], typed).map { name, value in
                value.map { addConstant($0, name, for: node, in: graph) } ?? ""
            }
            while inputs.last == "" { inputs.removeLast() }
            ["min", "max"].forEach(node.removeAttribute)
            graph.setInputs(of: node, to: inputs)
        }
    }

    /// BatchNormalization-9 always normalizes per channel, what spatial=1 (the default) said.
    private func batchNormalization(_ node: Node) -> UpgradeStep {
        guard let spatial = node.attribute("spatial")?.int else { return .unchanged }
        guard spatial == 1 else { return .blocked("spatial=0 (per-activation statistics) has no opset-9 form") }
        return .rewrite("BatchNormalization without spatial") { node.removeAttribute(named: "spatial") }
    }

    /// Dropout-10's mask is bool where Dropout-7's had the data's type: fine while unread.
    private func dropout(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard node.outputs.count > 1, graph.isUsed(node.outputs[1]) else { return .unchanged }
        return .blocked("its mask is read, and the mask's type changed to bool in opset 10")
    }

    // MARK: New inputs

    private func typedScalar(_ value: Float, like name: String, in graph: Graph) -> Tensor? {
        guard let type = graph.elementType(of: name) else { return nil }
        return try? ConstantArithmetic.cast(Tensor(scalar: value), to: type)
    }

    private func integers(_ values: [Int64], _ role: String, for node: Node, in graph: Graph) -> String {
        addConstant(Tensor(values, shape: [values.count]), role, for: node, in: graph)
    }

    private func addConstant(_ tensor: Tensor, _ role: String, for node: Node, in graph: Graph) -> String {
        graph.addConstant(tensor, names: names, base: "\(node.outputs.first ?? node.opType)_\(role)")
    }

    private func roiInput(in graph: Graph, for node: Node) -> String {
        if let name = emptyRoi[ObjectIdentifier(graph)] { return name }
        let name = addConstant(Tensor([Float](), shape: [0]), "roi", for: node, in: graph)
        emptyRoi[ObjectIdentifier(graph)] = name
        return name
    }
}
