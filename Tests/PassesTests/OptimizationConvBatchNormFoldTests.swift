import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationConvBatchNormFoldTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { ConvBatchNormFoldPass(report: report) }

    private let padding = TestModels.intsAttribute("pads", [1, 1, 1, 1])

    /// BatchNormalization parameters for `channels` channels, variances positive.
    private func normalization(_ channels: Int64, seed: UInt64) -> [TensorProto] {
        var variance = OptimizationTest.weights("variance", dims: [channels], seed: seed + 3)
        let values = try! Tensor(proto: variance).scalars(Float.self).map { abs($0) + 0.1 }
        variance = TestModels.floatTensor("variance", dims: [channels], values: values)
        let gamma = OptimizationTest.weights("gamma", dims: [channels], seed: seed)
        let beta = OptimizationTest.weights("beta", dims: [channels], seed: seed + 1)
        return [gamma, beta, OptimizationTest.weights("mean", dims: [channels], seed: seed + 2), variance]
    }

    private func batchNorm(_ input: String, _ output: String, attributes: [AttributeProto] = []) -> NodeProto {
        TestModels.node("BatchNormalization", [input, "gamma", "beta", "mean", "variance"], [output], name: "bn",
                        attributes: [TestModels.floatAttribute("epsilon", 1e-3)] + attributes)
    }

    /// x[1,2,5,5] → Conv(w[3,2,3,3], pads 1 [, b]) → BatchNormalization → y.
    private func convModel(bias: TensorProto? = nil, weight: TensorProto? = nil, attributes: [AttributeProto] = []) -> ModelProto {
        let conv = TestModels.node("Conv", ["x", "w"] + (bias == nil ? [] : ["b"]), ["c"], name: "conv",
                                   attributes: [padding])
        let graph = TestModels.graph([conv, batchNorm("c", "y", attributes: attributes)],
                                           inputs: [TestModels.value("x", .float, [.value(1), .value(2), .value(5), .value(5)])],
                                           outputs: [TestModels.value("y")],
                                           initializers: [weight ?? OptimizationTest.weights("w", dims: [3, 2, 3, 3], seed: 11)]
                                               + (bias.map { [$0] } ?? []) + normalization(3, seed: 20),
                                           valueInfo: [TestModels.value("c", .float, [.value(1), .value(3), .value(5), .value(5)])])
        return TestModels.model(graph)
    }

    func testBatchNormFoldsIntoAConvWithoutBias() throws {
        let outcome = try OptimizationTest.apply(pass, to: convModel())
        let conv = try XCTUnwrap(outcome.after.graph.nodes.first)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Conv"])
        XCTAssertEqual(conv.inputs, ["x", "w", "w_bn_bias"])
        XCTAssertEqual(conv.outputs, ["y"])
        XCTAssertTrue(outcome.after.graph.valueInfo.isEmpty)
        XCTAssertEqual(outcome.report.messages, ["folded BatchNormalization bn into Conv conv"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Weights in float_data and an existing bias: both read through Tensor(proto:).
    func testBatchNormFoldsIntoAConvWithBiasAndFloatDataWeights() throws {
        let weight = OptimizationTest.floatDataTensor("w", dims: [3, 2, 3, 3], values: (0..<54).map { Float($0 % 7) * 0.25 - 0.5 })
        let outcome = try OptimizationTest.apply(pass, to: convModel(bias: TestModels.floatTensor("b", dims: [3], values: [0.5, -1, 2]),
                                                                     weight: weight))
        XCTAssertEqual(outcome.after.graph.nodes.first?.inputs, ["x", "w", "b"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// ConvTranspose weights are [C_in, M/group, k...]: with 2 groups of 3, input channels 0-1
    /// feed outputs 0-2 and input channels 2-3 feed outputs 3-5.
    func testBatchNormFoldsIntoAGroupedConvTranspose() throws {
        let conv = TestModels.node("ConvTranspose", ["x", "w"], ["c"], name: "deconv", attributes: [
            TestModels.intAttribute("group", 2), TestModels.intsAttribute("strides", [2, 2]),
        ])
        let weight = OptimizationTest.weights("w", dims: [4, 3, 2, 2], seed: 5)
        let graph = TestModels.graph([conv, batchNorm("c", "y")],
                                           inputs: [TestModels.value("x", .float, [.value(1), .value(4), .value(3), .value(3)])],
                                           outputs: [TestModels.value("y")], initializers: [weight] + normalization(6, seed: 30))
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["ConvTranspose"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// A weight another Conv reads too is left as it is; the folded one gets a new name.
    func testSharedWeightIsNotOverwritten() throws {
        var proto = convModel()
        proto.graph!.node.append(TestModels.node("Conv", ["x", "w"], ["other"], attributes: [padding]))
        proto.graph!.output.append(TestModels.value("other"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(outcome.after.graph.nodes[0].inputs, ["x", "w_bn", "w_bn_bias"])
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "w"), try OptimizationTest.floats(outcome.before.graph, "w"))
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testTrainingModeOrSharedOutputStays() throws {
        let training = try OptimizationTest.apply(pass, to: convModel(attributes: [TestModels.intAttribute("training_mode", 1)]))
        XCTAssertFalse(training.changed)
        var proto = convModel()
        proto.graph!.output.append(TestModels.value("c"))
        XCTAssertFalse(try OptimizationTest.apply(pass, to: proto).changed)
    }

    /// Inside a branch, with weights and statistics from the main graph: the folded weights
    /// become initializers of the branch, the outer ones stay for whoever else reads them.
    func testFoldsInsideABranchReadingOuterWeights() throws {
        let then = TestModels.graph([
            TestModels.node("Conv", ["x", "w"], ["c"], name: "conv", attributes: [padding]),
            batchNorm("c", "then_out"),
        ], inputs: [], outputs: [TestModels.value("then_out")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Conv", ["x", "w"], ["else_out"], attributes: [padding])],
                                               inputs: [], outputs: [TestModels.value("else_out")], name: "else")
        let weight = OptimizationTest.weights("w", dims: [3, 2, 3, 3], seed: 9)
        let proto = OptimizationTest.ifModel(then: then, else: otherwise,
                                             inputs: [TestModels.value("x", .float, [.value(1), .value(2), .value(4), .value(4)])],
                                             initializers: [weight] + normalization(3, seed: 40),
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        let branch = try OptimizationTest.firstSubgraph(outcome.after)
        XCTAssertEqual(OptimizationTest.ops(branch), ["Conv"])
        XCTAssertEqual(branch.initializers.compactMap(\.name), ["w_bn", "w_bn_bias"])
        XCTAssertEqual(outcome.report.messages, ["folded BatchNormalization bn into Conv conv (in subgraph 'then')"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }
}
