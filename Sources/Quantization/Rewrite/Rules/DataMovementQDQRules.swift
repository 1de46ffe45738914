import ONNXModel
import Passes

extension QDQRules {
    /// Ops that move or select values without computing new ones: their output reuses the
    /// input's scale and zero point, so no requantization happens across them.
    static let dataMovement: [String: QDQRule] = {
        var table: [String: QDQRule] = [:]
        for op in ["Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "AveragePool", "Slice", "TopK"] {
            table[op] = sameAsQuantizedInput
        }
        // MaxPool on 8-bit tensors exists from opset 12, Resize from 11.
        table["MaxPool"] = { marker, node in if marker.opset >= 12 { sameAsQuantizedInput(marker, node) } }
        table["Resize"] = { marker, node in if marker.opset >= 11 { sameAsQuantizedInput(marker, node) } }
        table["Pad"] = pad
        table["Split"] = split
        table["Gather"] = gather
        table["GatherElements"] = gather
        table["Where"] = whereRule
        return table
    }()

    private static func sameAsQuantizedInput(_ marker: QDQMarker, _ node: Node) {
        guard let input = node.input(0), marker.isQuantized(input) else { return }
        marker.quantizeOutputSameAsInput(node.outputs[0], input)
    }

    /// Padding with 0 (always inside a quantized range) or with existing values keeps the
    /// input's parameters; any other constant needs its own.
    private static func pad(_ marker: QDQMarker, _ node: Node) {
        for name in node.inputs where !name.isEmpty { marker.quantizeActivation(name) }
        guard let input = node.input(0) else { return }
        if padsWithInputValues(marker, node) {
            marker.quantizeOutputSameAsInput(node.outputs[0], input)
        } else {
            marker.quantizeActivation(node.outputs[0])
        }
    }

    private static func padsWithInputValues(_ marker: QDQMarker, _ node: Node) -> Bool {
        let mode = node.attribute("mode")?.string ?? "constant"
        if mode != "constant" { return true }
        if marker.opset < 11 { return (node.attribute("value")?.float ?? 0) == 0 }
        guard let value = node.input(2) else { return true }
        return marker.graph.floatConstant(named: value).map { $0.count == 1 && $0[0] == 0 } ?? false
    }

    private static func split(_ marker: QDQMarker, _ node: Node) {
        guard let input = node.input(0) else { return }
        marker.quantizeActivation(input)
        for output in node.outputs where !output.isEmpty { marker.quantizeOutputSameAsInput(output, input) }
    }

    /// Gathering from a float table (an embedding) quantizes the table; gathering from a
    /// quantized tensor keeps its parameters.
    private static func gather(_ marker: QDQMarker, _ node: Node) {
        guard let data = node.input(0) else { return }
        if marker.isInitializer(data) && marker.isFloat(data) {
            marker.quantizeActivation(data)
            marker.quantizeOutputSameAsInput(node.outputs[0], data)
        } else if marker.isQuantized(data) {
            marker.quantizeOutputSameAsInput(node.outputs[0], data)
        }
    }

    private static func whereRule(_ marker: QDQMarker, _ node: Node) {
        guard let x = node.input(1), let y = node.input(2), marker.isQuantized(x), marker.isQuantized(y) else { return }
        marker.quantizeActivation(node.outputs[0])
    }
}
