import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationBiasFusionTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { BiasFusionPass(report: report) }

    private func addend(_ dims: [Int64], _ values: [Float]) -> TensorProto {
        TestModels.floatTensor("addend", dims: dims, values: values)
    }

    /// x[1,2,4,4] → Conv(w[3,2,3,3] [, b]) → Add(addend) → y.
    private func convModel(addend: TensorProto, bias: Bool = false) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("Conv", ["x", "w"] + (bias ? ["b"] : []), ["c"], name: "conv"),
            TestModels.node("Add", ["c", "addend"], ["y"], name: "add"),
        ], inputs: [TestModels.value("x", .float, [.value(1), .value(2), .value(4), .value(4)])], outputs: [TestModels.value("y")],
        initializers: [OptimizationTest.weights("w", dims: [3, 2, 3, 3], seed: 1), addend]
            + (bias ? [TestModels.floatTensor("b", dims: [3], values: [1, 2, 3])] : []))
        return TestModels.model(graph)
    }

    func testPerChannelAddBecomesTheConvBias() throws {
        let outcome = try OptimizationTest.apply(pass, to: convModel(addend: addend([1, 3, 1, 1], [0.5, -1, 2])))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Conv"])
        XCTAssertEqual(outcome.after.graph.nodes[0].inputs, ["x", "w", "w_bias"])
        XCTAssertEqual(outcome.after.graph.nodes[0].outputs, ["y"])
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "w_bias"), [0.5, -1, 2])
        XCTAssertEqual(outcome.report.messages, ["fused Add add into the bias of Conv conv"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// [C,1,1] joins an existing bias; a scalar is added to every channel.
    func testAddJoinsAnExistingBiasOrAddsAScalarToEveryChannel() throws {
        let perChannel = try OptimizationTest.apply(pass, to: convModel(addend: addend([3, 1, 1], [1, 1, -1]), bias: true))
        XCTAssertEqual(perChannel.after.graph.nodes[0].inputs, ["x", "w", "b"])
        XCTAssertEqual(try OptimizationTest.floats(perChannel.after.graph, "b"), [2, 3, 2])
        try OptimizationTest.assertSameOutputs(perChannel)
        let scalar = try OptimizationTest.apply(pass, to: convModel(addend: addend([], [0.25]), bias: true))
        XCTAssertEqual(try OptimizationTest.floats(scalar.after.graph, "b"), [1.25, 2.25, 3.25])
        try OptimizationTest.assertSameOutputs(scalar)
    }

    /// Varying along a spatial axis, or with more axes than the output: not a bias.
    func testAddThatIsNotPerChannelStays() throws {
        let spatial = convModel(addend: addend([1, 1, 1, 2], [1, 2]))
        XCTAssertFalse(try OptimizationTest.apply(pass, to: spatial).changed)
        let wider = convModel(addend: addend([1, 1, 3, 1, 1], [1, 2, 3]))
        XCTAssertFalse(try OptimizationTest.apply(pass, to: wider).changed)
    }

    /// x[2,4] → Gemm(w[4,3] [, C], beta) → Add(d) → y.
    private func gemmModel(addend: TensorProto, c: TensorProto?, beta: Float) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("Gemm", ["x", "w"] + (c == nil ? [] : ["c"]), ["g"], name: "gemm",
                            attributes: [TestModels.floatAttribute("beta", beta)]),
            TestModels.node("Add", ["addend", "g"], ["y"], name: "add"),
        ], inputs: [TestModels.value("x", .float, [.value(2), .value(4)])], outputs: [TestModels.value("y")],
        initializers: [OptimizationTest.weights("w", dims: [4, 3], seed: 2), addend] + (c.map { [$0] } ?? []))
        return TestModels.model(graph)
    }

    func testAddAlongTheLastAxisBecomesGemmC() throws {
        let outcome = try OptimizationTest.apply(pass, to: gemmModel(addend: addend([1, 3], [1, 2, 3]), c: nil, beta: 0.5))
        let gemm = try XCTUnwrap(outcome.after.graph.nodes.first)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Gemm"])
        XCTAssertEqual(gemm.inputs, ["x", "w", "addend"])
        XCTAssertEqual(gemm.attribute("beta")?.float, 1)
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// C' = beta * C + d, and beta becomes 1.
    func testAddJoinsAScaledGemmC() throws {
        let c = TestModels.floatTensor("c", dims: [3], values: [2, 4, 6])
        let outcome = try OptimizationTest.apply(pass, to: gemmModel(addend: addend([3], [1, 2, 3]), c: c, beta: 0.5))
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "c"), [2, 4, 6])
        XCTAssertEqual(outcome.after.graph.nodes[0].attribute("beta")?.float, 1)
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// An addend of 2 rows would broadcast the product's rows: not a bias.
    func testAddVaryingAlongRowsStays() throws {
        let rows = gemmModel(addend: addend([2, 1], [1, 2]), c: nil, beta: 1)
        XCTAssertFalse(try OptimizationTest.apply(pass, to: rows).changed)
    }
}
