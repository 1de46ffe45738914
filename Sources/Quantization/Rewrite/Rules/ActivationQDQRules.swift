import ONNXModel
import Passes

extension QDQRules {
    /// Relu and Clip whose input is quantized are dropped when activations are asymmetric: the
    /// calibrated range of their output, given to their input, clamps as they would.
    static let activations: [String: QDQRule] = [
        "Relu": removableActivation,
        "Clip": removableActivation,
    ]

    private static func removableActivation(_ marker: QDQMarker, _ node: Node) {
        guard let input = node.input(0), marker.isQuantized(input) else { return }
        if marker.activationsAreSymmetric || marker.keepsRemovableActivations || !marker.foldActivation(node) {
            marker.quantizeActivation(input)
        }
        marker.quantizeActivation(node.outputs[0])
    }
}
