import XCTest
import ONNXModel
import ProtoWire
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationConstantToInitializerTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { ConstantToInitializerPass(report: report) }

    /// y = Reshape((x · w + f) ⊙ fs, [4]) + float(i), every constant a Constant node of another kind.
    private func everyKind() -> ModelProto {
        let graph = TestModels.graph([
            OptimizationTest.constantNode("w", TestModels.tensorAttribute("value", OptimizationTest.weights("w_value", dims: [2, 2],
                                                                                                           seed: 1))),
            OptimizationTest.constantNode("f", TestModels.floatAttribute("value_float", 0.5)),
            OptimizationTest.constantNode("fs", TestModels.floatsAttribute("value_floats", [1, -2])),
            OptimizationTest.constantNode("i", TestModels.intAttribute("value_int", 3)),
            OptimizationTest.constantNode("shape", TestModels.intsAttribute("value_ints", [4])),
            TestModels.node("MatMul", ["x", "w"], ["product"]),
            TestModels.node("Add", ["product", "f"], ["shifted"]),
            TestModels.node("Mul", ["shifted", "fs"], ["scaled"]),
            TestModels.node("Reshape", ["scaled", "shape"], ["flat"]),
            TestModels.node("Cast", ["i"], ["i_float"], attributes: [OptimizationTest.castToFloat]),
            TestModels.node("Add", ["flat", "i_float"], ["y"]),
        ], inputs: [TestModels.value("x", .float, [.value(2), .value(2)])], outputs: [TestModels.value("y", .float, [.value(4)])])
        return TestModels.model(graph)
    }

    func testConstantsOfEveryKindBecomeInitializers() throws {
        let outcome = try OptimizationTest.apply(pass, to: everyKind())
        XCTAssertTrue(outcome.changed)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["MatMul", "Add", "Mul", "Reshape", "Cast", "Add"])
        XCTAssertEqual(outcome.after.graph.initializers.compactMap(\.name), ["w", "f", "fs", "i", "shape"])
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "fs"), [1, -2])
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "shape"), [4])
        XCTAssertEqual(outcome.after.graph.initializer(named: "i")?.dims, [])
        XCTAssertEqual(outcome.report.messages.count, 5)
        XCTAssertEqual(outcome.report.messages.first, "moved Constant const_w into initializer w")
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testConstantInsideSubgraphBecomesInitializerOfThatSubgraph() throws {
        let then = TestModels.graph([
            OptimizationTest.constantNode("k", TestModels.floatsAttribute("value_floats", [2, 3])),
            TestModels.node("Add", ["x", "k"], ["sum"]),
        ], inputs: [], outputs: [TestModels.value("sum")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Neg", ["x"], ["negated"])], inputs: [],
                                               outputs: [TestModels.value("negated")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [TestModels.value("x", .float, [.value(2)])],
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        let branch = try OptimizationTest.firstSubgraph(outcome.after)
        XCTAssertEqual(OptimizationTest.ops(branch), ["Add"])
        XCTAssertEqual(branch.initializers.compactMap(\.name), ["k"])
        XCTAssertTrue(outcome.after.graph.initializers.isEmpty)
        XCTAssertEqual(outcome.report.messages, ["moved Constant const_k into initializer k (in subgraph 'then')"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }

    func testStringConstantsAndConstantGraphOutputsStay() throws {
        let graph = TestModels.graph([
            OptimizationTest.constantNode("label", TestModels.stringAttribute("value_string", "cat")),
            OptimizationTest.constantNode("y", TestModels.floatAttribute("value_float", 1)),
        ], inputs: [], outputs: [TestModels.value("y", .float, []), TestModels.value("label", .string, [])])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Constant", "Constant"])
    }

    /// Before IR 4 an initializer had to be a graph input too; a constant is not one.
    func testOldIRVersionIsRaisedToFour() throws {
        var proto = everyKind()
        proto.irVersion = 3
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(outcome.after.proto.irVersion, 4)
        XCTAssertEqual(outcome.report.messages.last, "raised ir_version 3 to 4 (initializers that are not graph inputs)")
    }
}
