import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceControlFlowTests: XCTestCase {
    func graph(_ nodes: [NodeProto], inputs: [ValueInfoProto] = [], outputs: [String]) -> GraphProto {
        TestModels.graph(nodes, inputs: inputs, outputs: outputs.map { ValueInfoProto(name: $0, type: nil) })
    }

    /// then: Relu(x) [n, 4]; else: x + y, y [1, 4] → agree on [n, 4]; a second output where
    /// the branches disagree on a dim keeps the rank only.
    func testIfKeepsWhatBothBranchesAgreeOn() {
        let then = graph([TestModels.node("Relu", ["x"], ["r"]), TestModels.node("Identity", ["x"], ["t2"])], outputs: ["r", "t2"])
        let otherwise = graph([TestModels.node("Add", ["x", "y"], ["s"]), TestModels.node("Identity", ["z"], ["e2"])], outputs: ["s", "e2"])
        let node = TestModels.node("If", ["c"], ["out", "out2"], attributes: [TestModels.graphAttribute("then_branch", then),
                                                                             TestModels.graphAttribute("else_branch", otherwise)])
        let (model, report) = ShapeTest.infer([node], inputs: [ShapeTest.input("c", .bool, []), ShapeTest.input("x", .float, ["n", "4"]),
                                                               ShapeTest.input("y", .float, ["1", "4"]), ShapeTest.input("z", .float, ["n", "5"])],
                                              outputs: ["out", "out2"])
        XCTAssertEqual(report.warnings, [])
        XCTAssertEqual(ShapeTest.result(model, "out").dims, ["n", "4"])
        XCTAssertEqual(ShapeTest.result(model, "out2").dims, ["n", "?"])
        let branch = model.graph.nodes[0].attribute("then_branch")!.graph!
        XCTAssertEqual(ShapeTest.result(model, "r", in: branch).dims, ["n", "4"], "branch outputs are written in the branch")
    }

    /// Loop(M=5) carrying acc [3] and emitting acc·2 per iteration: scan output [5, 3].
    func testLoopStacksScanOutputsAlongTheTripCount() {
        let body = graph([TestModels.node("Add", ["acc", "x"], ["acc_out"]), TestModels.node("Mul", ["acc_out", "two"], ["scan"]),
                          TestModels.node("Identity", ["cond_in"], ["cond_out"])],
                         inputs: [ShapeTest.input("i", .int64, []), ShapeTest.input("cond_in", .bool, []), ShapeTest.input("acc", .float, nil)],
                         outputs: ["cond_out", "acc_out", "scan"])
        let node = TestModels.node("Loop", ["M", "", "acc0"], ["final", "stacked"], attributes: [TestModels.graphAttribute("body", body)])
        let (model, _) = ShapeTest.infer([node], inputs: [ShapeTest.input("x", .float, ["3"]), ShapeTest.input("acc0", .float, ["3"])],
                                         initializers: [TestModels.int64Tensor("M", dims: [], values: [5]),
                                                        TestModels.floatTensor("two", dims: [], values: [2])],
                                         outputs: ["final", "stacked"])
        XCTAssertEqual(ShapeTest.result(model, "final").dims, ["3"])
        XCTAssertEqual(ShapeTest.result(model, "stacked").dims, ["5", "3"])
    }

    /// A carried value that grows each iteration keeps its rank, its changing dim unknown.
    func testLoopCarriedValueThatGrowsLosesOnlyThatDim() {
        let body = graph([TestModels.node("Concat", ["acc", "x"], ["acc_out"], attributes: [TestModels.intAttribute("axis", 1)]),
                          TestModels.node("Identity", ["cond_in"], ["cond_out"])],
                         inputs: [ShapeTest.input("i", .int64, []), ShapeTest.input("cond_in", .bool, []), ShapeTest.input("acc", .float, nil)],
                         outputs: ["cond_out", "acc_out"])
        let node = TestModels.node("Loop", ["M", "cond", "acc0"], ["final"], attributes: [TestModels.graphAttribute("body", body)])
        let (model, _) = ShapeTest.infer([node], inputs: [ShapeTest.input("M", .int64, []), ShapeTest.input("cond", .bool, []),
                                                          ShapeTest.input("x", .float, ["2", "1"]), ShapeTest.input("acc0", .float, ["2", "1"])],
                                         outputs: ["final"])
        XCTAssertEqual(ShapeTest.result(model, "final").dims, ["2", "?"])
    }

    /// Scan over axis 1 of [2, 7, 4] with a running sum [2, 4]: scan output stacked on axis 0.
    func testScanSlicesInputsAndStacksOutputs() {
        let body = graph([TestModels.node("Add", ["s", "a"], ["s_out"]), TestModels.node("Identity", ["s_out"], ["y"])],
                         inputs: [ShapeTest.input("s", .float, nil), ShapeTest.input("a", .float, nil)], outputs: ["s_out", "y"])
        let node = TestModels.node("Scan", ["s0", "xs"], ["final", "ys"], attributes: [
            TestModels.graphAttribute("body", body), TestModels.intAttribute("num_scan_inputs", 1),
            TestModels.intsAttribute("scan_input_axes", [1]),
        ])
        let (model, _) = ShapeTest.infer([node], inputs: [ShapeTest.input("s0", .float, ["2", "4"]), ShapeTest.input("xs", .float, ["2", "T", "4"])],
                                         outputs: ["final", "ys"])
        XCTAssertEqual(ShapeTest.result(model, "final").dims, ["2", "4"])
        XCTAssertEqual(ShapeTest.result(model, "ys").dims, ["T", "2", "4"])
    }
}
