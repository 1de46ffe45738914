import ONNXModel
import Passes

/// A QDQ op rule marks what quantizing one node needs (onnxruntime's QDQ operator classes).
public typealias QDQRule = (QDQMarker, Node) -> Void

/// Every op the QDQ rewrite quantizes: each family lists its rules in its file; adding an op
/// is a rule and a line.
public enum QDQRules {
    static let table: [String: QDQRule] = [weighted, activations, dataMovement, normalization, elementwise]
        .reduce(into: [:]) { table, family in table.merge(family) { first, _ in first } }

    public static func rule(for node: Node) -> QDQRule? {
        node.normalizedDomain == "ai.onnx" ? table[node.opType] : nil
    }

    public static var supportedOps: [String] { table.keys.sorted() }

    /// Every float input and output gets its own Q/DQ pair (onnxruntime's QDQOperatorBase).
    static func allInputsAndOutputs(_ marker: QDQMarker, _ node: Node) {
        for name in node.inputs where !name.isEmpty { marker.quantizeActivation(name) }
        for name in node.outputs where !name.isEmpty { marker.quantizeActivation(name) }
    }
}
