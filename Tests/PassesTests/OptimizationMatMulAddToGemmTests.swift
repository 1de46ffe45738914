import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationMatMulAddToGemmTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { MatMulAddToGemmPass(report: report) }

    /// x[dims] → MatMul(w[4,5]) → Add(b[biasDims]) → y.
    private func model(inputDims: [Int64] = [3, 4], biasDims: [Int64] = [5], extraOutput: Bool = false) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("MatMul", ["x", "w"], ["product"], name: "fc"),
            TestModels.node("Add", ["product", "b"], ["y"], name: "fc_bias"),
        ], inputs: [TestModels.value("x", .float, inputDims.map { .value($0) })],
        outputs: [TestModels.value("y")] + (extraOutput ? [TestModels.value("product")] : []),
        initializers: [OptimizationTest.weights("w", dims: [4, 5], seed: 4), OptimizationTest.weights("b", dims: biasDims, seed: 5)])
        return TestModels.model(graph)
    }

    func testMatMulAndBiasAddBecomeOneGemm() throws {
        let outcome = try OptimizationTest.apply(pass, to: model())
        let gemm = try XCTUnwrap(outcome.after.graph.nodes.first)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Gemm"])
        XCTAssertEqual(gemm.name, "fc")
        XCTAssertEqual(gemm.inputs, ["x", "w", "b"])
        XCTAssertEqual(gemm.outputs, ["y"])
        XCTAssertEqual(outcome.report.messages, ["merged MatMul fc and Add fc_bias into Gemm"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testRowVectorBiasIsAccepted() throws {
        let outcome = try OptimizationTest.apply(pass, to: model(biasDims: [1, 5]))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Gemm"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Gemm multiplies matrices only; a product read elsewhere must stay computed.
    func testBatchedInputOrAProductReadElsewhereStays() throws {
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model(inputDims: [2, 3, 4])).changed)
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model(extraOutput: true)).changed)
    }

    /// A bias of another shape would broadcast the product up.
    func testBiasOfAnotherShapeStays() throws {
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model(biasDims: [3, 5])).changed)
    }
}
