import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationConstantFoldingTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { ConstantFoldingPass(report: report) }

    /// y = x + Concat(Slice(w, 2:4), Slice(w, 0:2)), where w may also be a graph input.
    private func slicedWeights(weightsAreInput: Bool = false) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("Slice", ["w", "s0", "s2"], ["low"], name: "low"),
            TestModels.node("Slice", ["w", "s2", "s4"], ["high"], name: "high"),
            TestModels.node("Concat", ["high", "low"], ["swapped"], name: "concat", attributes: [TestModels.intAttribute("axis", 0)]),
            TestModels.node("Add", ["x", "swapped"], ["y"]),
        ], inputs: [TestModels.value("x", .float, [.value(4)])] + (weightsAreInput ? [TestModels.value("w", .float, [.value(4)])] : []),
        outputs: [TestModels.value("y", .float, [.value(4)])],
        initializers: [TestModels.floatTensor("w", dims: [4], values: [1, 2, 3, 4]),
                       TestModels.int64Tensor("s0", dims: [1], values: [0]), TestModels.int64Tensor("s2", dims: [1], values: [2]),
                       TestModels.int64Tensor("s4", dims: [1], values: [4])])
        return TestModels.model(graph)
    }

    func testConstantSubexpressionBecomesAnInitializer() throws {
        let outcome = try OptimizationTest.apply(pass, to: slicedWeights())
        XCTAssertTrue(outcome.changed)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Add"])
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "swapped"), [3, 4, 1, 2])
        XCTAssertEqual(outcome.report.messages, ["folded Slice low into initializer low", "folded Slice high into initializer high",
                                                 "folded Concat concat into initializer swapped"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// A feed may replace an initializer that is also a graph input: nothing read from it folds.
    func testInitializerThatIsAGraphInputIsNotFolded() throws {
        let outcome = try OptimizationTest.apply(pass, to: slicedWeights(weightsAreInput: true))
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(outcome.after.graph.nodes.count, 4)
    }

    /// Shape-15 with start (and Size) fold from x's declared shape; what they fed folds after them.
    func testShapeAndSizeOfAKnownShapeFold() throws {
        let graph = TestModels.graph([
            TestModels.node("Shape", ["x"], ["tail"], attributes: [TestModels.intAttribute("start", 1)]),
            TestModels.node("Concat", ["minus_one", "tail"], ["target"], attributes: [TestModels.intAttribute("axis", 0)]),
            TestModels.node("Reshape", ["x", "target"], ["y"]),
            TestModels.node("Size", ["x"], ["count"]),
            TestModels.node("Cast", ["count"], ["count_float"], attributes: [OptimizationTest.castToFloat]),
            TestModels.node("Mul", ["x", "count_float"], ["z"]),
        ], inputs: [TestModels.value("x", .float, [.value(2), .value(3), .value(4)])],
        outputs: [TestModels.value("y"), TestModels.value("z")],
        initializers: [TestModels.int64Tensor("minus_one", dims: [1], values: [-1])])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph, opset: 15))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Reshape", "Mul"])
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "tail"), [3, 4])
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "target"), [-1, 3, 4])
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "count_float"), [24])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    func testShapeWithASymbolicDimStays() throws {
        let graph = TestModels.graph([TestModels.node("Shape", ["x"], ["y"])],
                                           inputs: [TestModels.value("x", .float, [.param("batch"), .value(3)])],
                                           outputs: [TestModels.value("y", .int64, [.value(2)])])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: TestModels.model(graph)).changed)
    }

    /// The quantizer reads QuantizeLinear/DequantizeLinear on weights as they are.
    func testQuantizeDequantizeOfWeightsStay() throws {
        let graph = TestModels.graph([
            TestModels.node("QuantizeLinear", ["w", "scale", "zero"], ["w_q"]),
            TestModels.node("DequantizeLinear", ["w_q", "scale", "zero"], ["w_dq"]),
            TestModels.node("MatMul", ["x", "w_dq"], ["y"]),
        ], inputs: [TestModels.value("x", .float, [.value(1), .value(2)])], outputs: [TestModels.value("y")],
        initializers: [OptimizationTest.weights("w", dims: [2, 2], seed: 3), TestModels.floatTensor("scale", dims: [], values: [0.01]),
                       Tensor(scalar: UInt8(128)).toProto(name: "zero")])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["QuantizeLinear", "DequantizeLinear", "MatMul"])
    }

    /// Expand to 16 floats (64 bytes) from 20 bytes of inputs, over a 16-byte limit: stays.
    func testOutputsMuchLargerThanInputsStay() throws {
        let graph = TestModels.graph([
            TestModels.node("Expand", ["one", "shape"], ["ones"]),
            TestModels.node("Add", ["x", "ones"], ["y"]),
        ], inputs: [TestModels.value("x", .float, [.value(4), .value(4)])], outputs: [TestModels.value("y")],
        initializers: [TestModels.floatTensor("one", dims: [], values: [1]), TestModels.int64Tensor("shape", dims: [2], values: [4, 4])])
        let small = try OptimizationTest.apply({ ConstantFoldingPass(report: $0, outputBytesLimit: 16) }, to: TestModels.model(graph))
        XCTAssertFalse(small.changed)
        let large = try OptimizationTest.apply({ ConstantFoldingPass(report: $0, outputBytesLimit: 64) }, to: TestModels.model(graph))
        XCTAssertEqual(OptimizationTest.ops(large.after.graph), ["Add"])
        try OptimizationTest.assertSameOutputs(large)
    }

    /// A branch node reading only outer constants folds into an initializer of the branch.
    func testBranchNodeReadingOuterConstantsFolds() throws {
        let then = TestModels.graph([
            TestModels.node("Mul", ["w", "two"], ["doubled"], name: "double"),
            TestModels.node("Add", ["x", "doubled"], ["sum"]),
        ], inputs: [], outputs: [TestModels.value("sum")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Sub", ["x", "w"], ["difference"])], inputs: [],
                                               outputs: [TestModels.value("difference")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [TestModels.value("x", .float, [.value(2)])],
                                             initializers: [TestModels.floatTensor("w", dims: [2], values: [1, 2]),
                                                            TestModels.floatTensor("two", dims: [], values: [2])],
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        let branch = try OptimizationTest.firstSubgraph(outcome.after)
        XCTAssertEqual(OptimizationTest.ops(branch), ["Add"])
        XCTAssertEqual(try OptimizationTest.floats(branch, "doubled"), [2, 4])
        XCTAssertEqual(outcome.report.messages, ["folded Mul double into initializer doubled (in subgraph 'then')"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }

    /// Evaluation failing (ranks that do not concatenate) leaves the node to fail at run time.
    func testNodeThatFailsToEvaluateStays() throws {
        let graph = TestModels.graph([
            TestModels.node("Concat", ["a", "b"], ["joined"], attributes: [TestModels.intAttribute("axis", 0)]),
            TestModels.node("Add", ["x", "joined"], ["y"]),
        ], inputs: [TestModels.value("x")], outputs: [TestModels.value("y")],
        initializers: [TestModels.floatTensor("a", dims: [2], values: [1, 2]), TestModels.floatTensor("b", dims: [1, 1], values: [3])])
        let outcome = try OptimizationTest.apply(pass, to: TestModels.model(graph))
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Concat", "Add"])
    }
}
