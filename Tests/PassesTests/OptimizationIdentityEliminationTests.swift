import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationIdentityEliminationTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { IdentityEliminationPass(report: report) }

    private func chain(_ nodes: [NodeProto], initializers: [TensorProto] = [], opset: Int64 = 13) -> ModelProto {
        TestModels.model(TestModels.graph(nodes, inputs: [TestModels.value("x", .float, [.value(2), .value(3)])],
                                                outputs: [TestModels.value("y")], initializers: initializers), opset: opset)
    }

    func testIdentityBetweenNodesIsRemoved() throws {
        let outcome = try OptimizationTest.apply(pass, to: chain([
            TestModels.node("Relu", ["x"], ["r"]),
            TestModels.node("Identity", ["r"], ["copy"], name: "copy"),
            TestModels.node("Sigmoid", ["copy"], ["y"]),
        ]))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Relu", "Sigmoid"])
        XCTAssertEqual(outcome.after.graph.nodes[1].inputs, ["r"])
        XCTAssertEqual(outcome.report.messages, ["removed Identity copy"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// The graph output keeps its name: the Relu writes it directly.
    func testIdentityWritingAGraphOutputRenamesItsProducer() throws {
        var proto = chain([TestModels.node("Relu", ["x"], ["r"]), TestModels.node("Identity", ["r"], ["y"])])
        proto.graph!.valueInfo = [TestModels.value("r", .float, [.value(2), .value(3)])]
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Relu"])
        XCTAssertEqual(outcome.after.graph.nodes[0].outputs, ["y"])
        XCTAssertEqual(outcome.after.graph.outputs.map(\.name), ["y"])
        XCTAssertEqual(outcome.after.graph.valueInfo.map(\.name), ["y"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Graph inputs and outputs are never renamed, and an initializer has no producer to rename.
    func testIdentityFromAGraphInputOrInitializerToAGraphOutputStays() throws {
        let fromInput = try OptimizationTest.apply(pass, to: chain([TestModels.node("Identity", ["x"], ["y"])]))
        XCTAssertFalse(fromInput.changed)
        let weight = TestModels.floatTensor("w", dims: [1], values: [1])
        let identity = TestModels.node("Identity", ["w"], ["y"])
        let fromInitializer = try OptimizationTest.apply(pass, to: chain([identity], initializers: [weight]))
        XCTAssertFalse(fromInitializer.changed)
    }

    func testInferenceDropoutIsRemovedUnlessItsMaskIsRead() throws {
        let outcome = try OptimizationTest.apply(pass, to: chain([
            TestModels.node("Dropout", ["x"], ["dropped"], name: "plain"),
            TestModels.node("Dropout", ["dropped", "ratio"], ["kept", "mask"], name: "masked"),
            TestModels.node("Cast", ["mask"], ["mask_float"], attributes: [OptimizationTest.castToFloat]),
            TestModels.node("Mul", ["kept", "mask_float"], ["y"]),
        ], initializers: [TestModels.floatTensor("ratio", dims: [], values: [0.5])]))
        XCTAssertEqual(outcome.after.graph.nodes.map(\.label), ["masked", "Cast(mask_float)", "Mul(y)"])
        XCTAssertEqual(outcome.after.graph.nodes[0].inputs, ["x", "ratio"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testDropoutInTrainingModeStays() throws {
        var training = TensorProto()
        training.name = "training"
        training.dataType = DataType.bool.rawValue
        training.int32Data = [1]
        let outcome = try OptimizationTest.apply(pass, to: chain([TestModels.node("Dropout", ["x", "", "training"], ["y"])],
                                                                 initializers: [training]))
        XCTAssertFalse(outcome.changed)
    }

    /// In a branch: the Identity after a local Relu goes (the Relu writes the branch output);
    /// the one passing an outer value through stays.
    func testIdentitiesInsideBranches() throws {
        let then = TestModels.graph([TestModels.node("Relu", ["x"], ["r"]), TestModels.node("Identity", ["r"], ["then_out"])],
                                          inputs: [], outputs: [TestModels.value("then_out")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Identity", ["x"], ["else_out"])], inputs: [],
                                               outputs: [TestModels.value("else_out")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [TestModels.value("x", .float, [.value(3)])],
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(OptimizationTest.ops(try OptimizationTest.firstSubgraph(outcome.after, 0)), ["Relu"])
        XCTAssertEqual(OptimizationTest.ops(try OptimizationTest.firstSubgraph(outcome.after, 1)), ["Identity"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }
}
