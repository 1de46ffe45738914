import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

/// The standard pass list, run as `qtool preprocess` runs it: through the PassManager (which
/// validates the graph after every pass in debug builds).
final class OptimizationPassesTests: XCTestCase {
    /// Weights in Constant nodes (as PP-OCR ships them): Conv → BatchNormalization → Add →
    /// Relu → Identity → Flatten → Reshape → MatMul → Add, the Reshape's target computed
    /// from Shape (and the same as its input's shape, which value_info says).
    private func exportedModel() -> ModelProto {
        func constant(_ name: String, _ tensor: TensorProto) -> NodeProto {
            OptimizationTest.constantNode(name, TestModels.tensorAttribute("value", tensor))
        }
        let statistics = ["gamma", "beta", "mean"].enumerated().map { i, name in
            constant(name, OptimizationTest.weights(name, dims: [3], seed: UInt64(10 + i)))
        } + [constant("variance", TestModels.floatTensor("variance", dims: [3], values: [0.5, 1, 2]))]
        let graph = TestModels.graph(statistics + [
            constant("w", OptimizationTest.weights("w", dims: [3, 2, 3, 3], seed: 1)),
            constant("shift", TestModels.floatTensor("shift", dims: [1, 3, 1, 1], values: [0.1, 0.2, 0.3])),
            constant("fc", OptimizationTest.weights("fc", dims: [48, 4], seed: 2)),
            constant("fc_bias", OptimizationTest.weights("fc_bias", dims: [4], seed: 3)),
            TestModels.node("Conv", ["x", "w"], ["conv"], name: "conv", attributes: [TestModels.intsAttribute("pads", [1, 1, 1, 1])]),
            TestModels.node("BatchNormalization", ["conv", "gamma", "beta", "mean", "variance"], ["bn"], name: "bn"),
            TestModels.node("Add", ["bn", "shift"], ["shifted"], name: "shift_add"),
            TestModels.node("Relu", ["shifted"], ["relu"]),
            TestModels.node("Identity", ["relu"], ["relu_copy"]),
            TestModels.node("Shape", ["relu_copy"], ["dims"]),
            TestModels.node("Gather", ["dims", "zero"], ["batch"], attributes: [TestModels.intAttribute("axis", 0)]),
            TestModels.node("Unsqueeze", ["batch", "zero_axes"], ["batch_1d"]),
            TestModels.node("Concat", ["batch_1d", "minus_one"], ["target"], attributes: [TestModels.intAttribute("axis", 0)]),
            TestModels.node("Flatten", ["relu_copy"], ["flat"]),
            TestModels.node("Reshape", ["flat", "target"], ["rows"]),
            TestModels.node("MatMul", ["rows", "fc"], ["product"], name: "fc"),
            TestModels.node("Add", ["product", "fc_bias"], ["y"], name: "fc_add"),
        ], inputs: [TestModels.value("x", .float, [.value(1), .value(2), .value(4), .value(4)])], outputs: [TestModels.value("y")],
        initializers: [TestModels.int64Tensor("zero", dims: [], values: [0]), TestModels.int64Tensor("zero_axes", dims: [1], values: [0]),
                       TestModels.int64Tensor("minus_one", dims: [1], values: [-1])],
        valueInfo: [TestModels.value("relu", .float, [.value(1), .value(3), .value(4), .value(4)]),
                    TestModels.value("flat", .float, [.value(1), .value(48)]), TestModels.value("rows", .float, [.value(1), .value(48)])])
        return TestModels.model(graph)
    }

    func testStandardPassesLeaveOnlyWhatComputes() throws {
        let report = PassReport()
        let after = Model(exportedModel())
        let changed = try PassManager(OptimizationPasses.standard(report: report)).run(on: after)
        XCTAssertEqual(OptimizationTest.ops(after.graph), ["Conv", "Relu", "Flatten", "Gemm"])
        XCTAssertEqual(Set(after.graph.initializers.compactMap(\.name)), ["w", "w_bn_bias", "fc", "fc_bias"])
        XCTAssertEqual(changed, ["constant-to-initializer", "identity-elimination", "constant-folding", "reshape-chain",
                                 "conv-batchnorm-fold", "matmul-add-to-gemm", "bias-fusion", "dead-code-elimination"])
        XCTAssertTrue(report.messages.contains("folded BatchNormalization bn into Conv conv"))
        let outcome = OptimizationTest.Outcome(before: Model(exportedModel()), after: after, changed: true, report: report)
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testStandardPassesChangeNothingTheSecondTime() throws {
        let model = Model(exportedModel())
        try PassManager(OptimizationPasses.standard()).run(on: model)
        XCTAssertEqual(try PassManager(OptimizationPasses.standard()).run(on: model), [])
    }
}
