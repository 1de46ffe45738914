import ONNXModel
import Passes
import _TestSupport

/// Shorthands for the per-family rule tests: every output of one node, and whether inference
/// rejected it.
extension ShapeTest {
    typealias Output = (type: DataType?, dims: Dims?)

    /// Infers one node and returns each of its outputs (empty output names give (nil, nil)).
    static func outputs(_ node: NodeProto, inputs: [ValueInfoProto], initializers: [TensorProto] = [],
                        opset: Int64 = 17) -> [Output] {
        let names = node.output.filter { !$0.isEmpty }
        let (model, _) = infer([node], inputs: inputs, initializers: initializers, outputs: names, opset: opset)
        return node.output.map { $0.isEmpty ? (nil, nil) : result(model, $0) }
    }

    /// The warnings inference gives for one node (a rule that threw, or no rule).
    /// Everything inference found wrong with the node: contradictions and warnings alike.
    static func warnings(_ node: NodeProto, inputs: [ValueInfoProto], initializers: [TensorProto] = [],
                         opset: Int64 = 17) -> [String] {
        let report = infer([node], inputs: inputs, initializers: initializers, outputs: node.output, opset: opset).1
        return report.contradictions + report.warnings
    }

    /// Only the findings that make the model invalid (preprocess refuses these).
    static func contradictions(_ node: NodeProto, inputs: [ValueInfoProto], initializers: [TensorProto] = [],
                               opset: Int64 = 17) -> [String] {
        infer([node], inputs: inputs, initializers: initializers, outputs: node.output, opset: opset).1.contradictions
    }
}
