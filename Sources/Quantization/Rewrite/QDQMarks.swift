import ONNXModel
import Passes

/// What the rewrite will quantize in one graph, as onnxruntime's QDQ quantizer records it while
/// visiting the nodes (its tensors_to_quantize and bias_to_quantize), in marking order so the
/// output is deterministic.
public final class QDQMarks {
    public enum Role: Equatable {
        /// Calibrated range; initializers read by elementwise ops also land here (quantized
        /// with the activation type from their own values).
        case activation
        /// A weight: the weight type, per channel along `axis` when given.
        case weight(axis: Int?)
    }

    public struct Mark {
        public var role: Role
        /// The input whose scale and zero point this tensor reuses (Transpose, Reshape, MaxPool...).
        public var sharedWith: String?
    }

    public struct Bias {
        public let node: Node
        public let input: String
        public let weight: String
        /// Gemm's beta: the bias scale is s_input · s_weight · beta.
        public let beta: Double
    }

    /// A Relu or Clip dropped because its range is folded into the tensor before it: the
    /// producer of `upstream` writes the activation's output instead.
    public struct FoldedActivation {
        public let node: Node
        public let upstream: String
    }

    public let graph: Graph
    public private(set) var order: [String] = []
    public private(set) var marks: [String: Mark] = [:]
    public private(set) var biasOrder: [String] = []
    public private(set) var biases: [String: Bias] = [:]
    public private(set) var folded: [FoldedActivation] = []
    /// Bias initializers read by several nodes, copied so each node gets its own (its scale
    /// depends on that node's input and weight): (node, slot, new name, source initializer).
    public private(set) var biasCopies: [(node: Node, original: String, copy: String)] = []

    init(graph: Graph) { self.graph = graph }

    func mark(_ name: String, _ mark: Mark) {
        if marks[name] == nil { order.append(name) }
        marks[name] = mark
    }

    func unmark(_ name: String) {
        guard marks.removeValue(forKey: name) != nil else { return }
        order.removeAll { $0 == name }
    }

    func markBias(_ name: String, _ bias: Bias) {
        if biases[name] == nil { biasOrder.append(name) }
        biases[name] = bias
    }

    func fold(_ activation: FoldedActivation) { folded.append(activation) }

    func copyBias(for node: Node, original: String, copy: String) { biasCopies.append((node, original, copy)) }

    /// Tensors whose range calibration must measure: marked activations that are computed
    /// (not initializers) and do not borrow another tensor's parameters.
    public var calibratedTensors: [String] {
        order.filter { name in
            guard let mark = marks[name], mark.role == .activation, mark.sharedWith == nil else { return false }
            return graph.constant(named: name) == nil
        }
    }
}
