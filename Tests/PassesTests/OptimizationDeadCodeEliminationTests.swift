import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationDeadCodeEliminationTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { DeadCodeEliminationPass(report: report) }

    func testUnreadNodesInitializersAndValueInfoGo() throws {
        let graph = TestModels.graph([
            TestModels.node("Relu", ["x"], ["y"]),
            TestModels.node("Mul", ["x", "unused_weight"], ["scaled"], name: "dead_mul"),
            TestModels.node("Sigmoid", ["scaled"], ["squashed"], name: "dead_sigmoid"),
        ], inputs: [TestModels.value("x", .float, [.value(3)]), TestModels.value("unread_input", .float, [.value(1)])],
        outputs: [TestModels.value("y")],
        initializers: [TestModels.floatTensor("unused_weight", dims: [3], values: [1, 2, 3]),
                       TestModels.floatTensor("never_read", dims: [1], values: [1])],
        valueInfo: [TestModels.value("scaled"), TestModels.value("y")])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Relu"])
        XCTAssertTrue(outcome.after.graph.initializers.isEmpty)
        XCTAssertEqual(outcome.after.graph.valueInfo.map(\.name), ["y"])
        XCTAssertEqual(outcome.after.graph.inputs.map(\.name), ["x", "unread_input"])
        XCTAssertEqual(outcome.report.messages, [
            "removed unused Mul dead_mul", "removed unused Sigmoid dead_sigmoid", "removed unused initializer unused_weight",
            "removed unused initializer never_read", "dropped 1 value_info entries of names that no longer exist",
        ])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// An initializer only a branch reads is used; a default for a graph input stays.
    func testInitializersReadByBranchesOrListedAsInputsStay() throws {
        let then = TestModels.graph([TestModels.node("Add", ["x", "bias"], ["sum"])], inputs: [],
                                          outputs: [TestModels.value("sum")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Neg", ["x"], ["negated"])], inputs: [],
                                               outputs: [TestModels.value("negated")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise,
                                             inputs: [TestModels.value("x", .float, [.value(2)]),
                                                      TestModels.value("default", .float, [.value(1)])],
                                             initializers: [TestModels.floatTensor("bias", dims: [2], values: [1, 2]),
                                                            TestModels.floatTensor("default", dims: [1], values: [0])],
                                             output: TestModels.value("y"))
        XCTAssertFalse(try OptimizationTest.apply(pass, to: proto).changed)
    }

    /// A dead node in a branch goes first, and the outer weight only it read goes after it.
    func testDeadBranchNodeFreesTheOuterValueItRead() throws {
        let then = TestModels.graph([
            TestModels.node("Add", ["x", "x"], ["doubled"]),
            TestModels.node("Mul", ["x", "outer_weight"], ["unread"], name: "dead_in_branch"),
        ], inputs: [], outputs: [TestModels.value("doubled")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Neg", ["x"], ["negated"])], inputs: [],
                                               outputs: [TestModels.value("negated")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [TestModels.value("x", .float, [.value(2)])],
                                             initializers: [TestModels.floatTensor("outer_weight", dims: [2], values: [1, 2])],
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(OptimizationTest.ops(try OptimizationTest.firstSubgraph(outcome.after)), ["Add"])
        XCTAssertTrue(outcome.after.graph.initializers.isEmpty)
        XCTAssertEqual(outcome.report.messages, ["removed unused Mul dead_in_branch (in subgraph 'then')",
                                                 "removed unused initializer outer_weight"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }
}
