import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationReshapeChainTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { ReshapeChainPass(report: report) }
    private typealias Dims = [TensorShapeProto.Dimension.Value?]

    /// x → Flatten(axis 1) → Unsqueeze(axes [1]) → Reshape(target) → Relu → y, with value_info
    /// for the chain's output (`outputDims`) and the Reshape target given.
    private func chainModel(input: Dims, outputDims: Dims?, target: [Int64]) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("Flatten", ["x"], ["flat"], name: "flatten", attributes: [TestModels.intAttribute("axis", 1)]),
            TestModels.node("Unsqueeze", ["flat", "axes"], ["lifted"], name: "unsqueeze"),
            TestModels.node("Reshape", ["lifted", "target"], ["shaped"], name: "reshape"),
            TestModels.node("Relu", ["shaped"], ["y"]),
        ], inputs: [TestModels.value("x", .float, input)], outputs: [TestModels.value("y")],
        initializers: [TestModels.int64Tensor("axes", dims: [1], values: [1]), TestModels.int64Tensor("target", dims: [3], values: target)],
        valueInfo: outputDims.map { [TestModels.value("shaped", .float, $0)] } ?? [])
        return TestModels.model(graph)
    }

    func testChainCollapsesIntoOneReshapeToTheKnownShape() throws {
        let outcome = try OptimizationTest.apply(pass, to: chainModel(input: [.value(2), .value(3), .value(4)],
                                                                      outputDims: [.value(2), .value(12), .value(1)], target: [2, 12, 1]))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Reshape", "Relu"])
        let reshape = outcome.after.graph.nodes[0]
        XCTAssertEqual(reshape.inputs, ["x", "shaped_shape"])
        XCTAssertEqual(reshape.outputs, ["shaped"])
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "shaped_shape"), [2, 12, 1])
        XCTAssertEqual(outcome.report.messages, ["collapsed Flatten flatten → Unsqueeze unsqueeze → Reshape reshape into one Reshape"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// The batch dim the input shares at the same position becomes 0 ("copy"), one other
    /// unknown dim -1.
    func testSymbolicDimsBecomeZeroAndMinusOne() throws {
        let outcome = try OptimizationTest.apply(pass, to: chainModel(input: [.param("batch"), .value(3), .value(4)],
                                                                      outputDims: [.param("batch"), .param("features"), .value(1)],
                                                                      target: [0, -1, 1]))
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "shaped_shape"), [0, -1, 1])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testChainWithoutAWritableShapeStays() throws {
        let unknown = chainModel(input: [.value(2), .value(3), .value(4)], outputDims: nil, target: [2, 12, 1])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: unknown).changed)
        let twoUnknown = chainModel(input: [.param("a"), .value(3), .value(4)], outputDims: [.param("b"), .param("c"), .value(1)],
                                    target: [2, 12, 1])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: twoUnknown).changed)
    }

    /// A link another node reads must stay computed.
    func testChainStopsAtALinkReadElsewhere() throws {
        var proto = chainModel(input: [.value(2), .value(3), .value(4)], outputDims: [.value(2), .value(12), .value(1)], target: [2, 12, 1])
        proto.graph!.output.append(TestModels.value("flat"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Flatten", "Reshape", "Relu"])
        XCTAssertEqual(outcome.after.graph.nodes[1].inputs[0], "flat")
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// A Squeeze with nothing to squeeze and a Reshape to the same shape go; the one writing
    /// the graph output hands its name to the Relu before it.
    func testShapePreservingNodesAreRemoved() throws {
        let rows: Dims = [.param("n"), .value(3)]
        let graph = TestModels.graph([
            TestModels.node("Reshape", ["x", "same"], ["kept_shape"], name: "noop_reshape"),
            TestModels.node("Relu", ["kept_shape"], ["r"]),
            TestModels.node("Squeeze", ["r"], ["y"], name: "noop_squeeze"),
        ], inputs: [TestModels.value("x", .float, rows)], outputs: [TestModels.value("y", .float, rows)],
        initializers: [TestModels.int64Tensor("same", dims: [2], values: [0, 3])],
        valueInfo: [TestModels.value("kept_shape", .float, rows), TestModels.value("r", .float, rows)])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Relu"])
        XCTAssertEqual(outcome.after.graph.nodes[0].inputs, ["x"])
        XCTAssertEqual(outcome.after.graph.nodes[0].outputs, ["y"])
        XCTAssertEqual(outcome.report.messages.count, 2)
        try OptimizationTest.assertSameOutputs(outcome)
    }
}
