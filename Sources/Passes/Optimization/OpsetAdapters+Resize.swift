import ONNXModel
import Runtime

/// Upsample (scales attribute before opset 9, input from 9, deprecated at 10) and Resize.
extension OpsetAdapters {
    /// Upsample and Resize-10 sample with asymmetric coordinates and legacy nearest rounding.
    /// Below opset 11 the target keeps that form (Upsample-9, or Resize-10); from 11 it is
    /// Resize-11 with asymmetric coordinates. Nearest picked floor when enlarging and ceil
    /// when shrinking: that becomes nearest_mode, so the scales must not do both.
    func legacyResize(_ node: Node, in graph: Graph) -> UpgradeStep {
        let mode = node.attribute("mode")?.string ?? "nearest"
        guard ["nearest", "linear", "bilinear"].contains(mode), let data = node.input(0) else {
            return .blocked("mode '\(mode)' has no Resize equivalent")
        }
        let attributeScales = node.opType == "Upsample" && from < 9 ? node.attribute("scales")?.floats : nil
        guard attributeScales != nil || node.input(1) != nil else { return .blocked("it has no scales") }
        let scalesInput: () -> String = { [self] in
            attributeScales.map { addConstant(Tensor($0, shape: [$0.count]), "scales", for: node, in: graph) } ?? node.inputs[1]
        }
        guard target >= 11 else { return legacyForm(node, in: graph, data: data, scales: scalesInput) }
        let scales = attributeScales ?? graph.floatConstant(named: node.input(1)!)
        var nearestMode = "floor"
        if mode == "nearest", let scales, !scales.allSatisfy({ $0 >= 1 }) {
            guard scales.allSatisfy({ $0 <= 1 }) else { return .blocked("scales \(scales) both enlarge and shrink") }
            nearestMode = "ceil"
        }
        return .rewrite("\(node.opType) as Resize-11") { [self] in
            let scales = scalesInput()
            node.opType = "Resize"
            node.removeAttribute(named: "scales")
            graph.setInputs(of: node, to: [data, emptyRoi(for: node, in: graph), scales])
            node.setAttribute(.string("mode", mode == "nearest" ? "nearest" : "linear"))
            node.setAttribute(.string("coordinate_transformation_mode", "asymmetric"))
            if mode == "nearest" { node.setAttribute(.string("nearest_mode", nearestMode)) }
        }
    }

    /// Resize-10 (deprecated Upsample's replacement) is Upsample-9 under another name.
    private func legacyForm(_ node: Node, in graph: Graph, data: String, scales: @escaping () -> String) -> UpgradeStep {
        let form = target >= 10 ? "Resize" : "Upsample"
        guard node.opType != form || node.attribute("scales") != nil else { return .unchanged }
        return .rewrite("\(node.opType) as \(form)-\(target >= 10 ? 10 : 9)") {
            let scalesName = scales()
            node.opType = form
            node.removeAttribute(named: "scales")
            graph.setInputs(of: node, to: [data, scalesName])
            if node.attribute("mode")?.string == "bilinear" { node.setAttribute(.string("mode", "linear")) }
        }
    }

    /// Resize-10 moves like Upsample. Resize-13 dropped tf_half_pixel_for_nn, which maps to
    /// (x + 0.5) / scale: half_pixel's coordinate plus 0.5. Rounding that half up or down is
    /// ceil or round_prefer_ceil of half_pixel's; floor and ceil of it have no counterpart.
    func resize(_ node: Node, in graph: Graph) -> UpgradeStep {
        guard from >= 11 else { return legacyResize(node, in: graph) }
        guard node.attribute("coordinate_transformation_mode")?.string == "tf_half_pixel_for_nn" else { return .unchanged }
        let nearest = node.attribute("nearest_mode")?.string ?? "round_prefer_floor"
        let equivalents = ["round_prefer_floor": "ceil", "floor": "round_prefer_ceil"]
        guard (node.attribute("mode")?.string ?? "nearest") == "nearest", let equivalent = equivalents[nearest] else {
            return .blocked("tf_half_pixel_for_nn with \(nearest) rounding has no Resize-13 equivalent")
        }
        return .rewrite("tf_half_pixel_for_nn as half_pixel with nearest_mode \(equivalent)") {
            node.setAttribute(.string("coordinate_transformation_mode", "half_pixel"))
            node.setAttribute(.string("nearest_mode", equivalent))
        }
    }

    private func addConstant(_ tensor: Tensor, _ role: String, for node: Node, in graph: Graph) -> String {
        graph.addConstant(tensor, names: names, base: "\(node.outputs.first ?? node.opType)_\(role)")
    }

    /// One empty roi tensor per graph, shared by its Resize nodes (Resize-11 requires the input).
    private func emptyRoi(for node: Node, in graph: Graph) -> String {
        if let name = emptyRois[ObjectIdentifier(graph)] { return name }
        let name = addConstant(Tensor([Float](), shape: [0]), "roi", for: node, in: graph)
        emptyRois[ObjectIdentifier(graph)] = name
        return name
    }
}
