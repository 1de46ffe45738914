import ONNXModel
import Passes

extension QDQRules {
    /// Ops with a weight (per channel along the output-channel axis their semantics give) and
    /// an int32 bias.
    static let weighted: [String: QDQRule] = [
        "Conv": { convolution($0, $1, weightAxis: 0) },
        "ConvTranspose": { convolution($0, $1, weightAxis: 1) },
        "Gemm": gemm,
        "MatMul": matMul,
    ]

    private static func convolution(_ marker: QDQMarker, _ node: Node, weightAxis: Int) {
        guard let input = node.input(0), let weight = node.input(1) else { return }
        marker.quantizeActivation(input)
        marker.quantizeActivation(node.outputs[0])
        marker.quantizeWeight(weight, defaultAxis: weightAxis)
        if let bias = node.input(2) { marker.quantizeBias(node: node, bias: bias, input: input, weight: weight) }
    }

    /// B's output-feature axis is 0 when transposed, 1 otherwise; C is a bias scaled by beta.
    private static func gemm(_ marker: QDQMarker, _ node: Node) {
        guard let input = node.input(0), let weight = node.input(1) else { return }
        marker.quantizeActivation(input)
        marker.quantizeActivation(node.outputs[0])
        let transposed = (node.attribute("transB")?.int ?? 0) != 0
        marker.quantizeWeight(weight, defaultAxis: transposed ? 0 : 1)
        if let bias = node.input(2), marker.isInitializer(bias) {
            let beta = Double(node.attribute("beta")?.float ?? 1)
            marker.quantizeBias(node: node, bias: bias, input: input, weight: weight, beta: beta)
        }
    }

    /// An initializer operand is a weight, per channel along its last axis (the output
    /// features of B); computed operands are activations.
    private static func matMul(_ marker: QDQMarker, _ node: Node) {
        for name in node.inputs where !name.isEmpty {
            if let weight = marker.graph.constant(named: name) {
                marker.quantizeWeight(name, defaultAxis: max(weight.dims.count - 1, 0))
            } else {
                marker.quantizeActivation(name)
            }
        }
        marker.quantizeActivation(node.outputs[0])
    }
}
