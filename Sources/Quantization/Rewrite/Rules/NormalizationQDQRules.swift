import ONNXModel
import Passes

extension QDQRules {
    /// Normalizations: input, scale (a weight when constant), bias (int32 from input and
    /// scale), output.
    static let normalization: [String: QDQRule] = [
        "InstanceNormalization": normalize,
        "LayerNormalization": normalize,
        "BatchNormalization": normalize,
    ]

    private static func normalize(_ marker: QDQMarker, _ node: Node) {
        guard let input = node.input(0), let scale = node.input(1) else { return }
        marker.quantizeActivation(input)
        // onnxruntime's default channel axis for normalization scales is 1.
        marker.quantizeWeight(scale, defaultAxis: 1)
        if let bias = node.input(2) { marker.quantizeBias(node: node, bias: bias, input: input, weight: scale) }
        for output in node.outputs where !output.isEmpty { marker.quantizeActivation(output) }
    }
}
