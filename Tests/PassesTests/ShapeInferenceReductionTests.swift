import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceReductionTests: XCTestCase {
    private let x = ShapeTest.input("x", .float, ["batch", "1", "4"])

    private func reduce(_ op: String, opset: Int64, axesInput: [Int64]? = nil, _ attributes: [AttributeProto] = []) -> ShapeTest.Output {
        let inputs = axesInput == nil ? ["x"] : ["x", "axes"]
        let initializers = axesInput.map { [TestModels.int64Tensor("axes", dims: [Int64($0.count)], values: $0)] } ?? []
        return ShapeTest.single(TestModels.node(op, inputs, ["y"], attributes: attributes), inputs: [x], initializers: initializers, opset: opset)
    }

    private let dropDims = TestModels.intAttribute("keepdims", 0)

    func testAxesAttributeBeforeOpset18() {
        let kept = reduce("ReduceMean", opset: 13, [TestModels.intsAttribute("axes", [-1])])
        XCTAssertEqual(kept.type, .float)
        XCTAssertEqual(kept.dims, ["batch", "1", "1"])
        XCTAssertEqual(reduce("ReduceMean", opset: 13, [TestModels.intsAttribute("axes", [0, 2]), dropDims]).dims, ["1"])
        XCTAssertEqual(reduce("ReduceMax", opset: 13, [dropDims]).dims, [], "no axes: all of them")
    }

    func testAxesInputFromOpset18AndForReduceSumFrom13() {
        XCTAssertEqual(reduce("ReduceMean", opset: 18, axesInput: [0], [dropDims]).dims, ["1", "4"])
        XCTAssertEqual(reduce("ReduceSum", opset: 13, axesInput: [2]).dims, ["batch", "1", "1"])
        // At 13 ReduceMean still reads the attribute, so the same node reduces what the attribute says.
        let attribute = [TestModels.intsAttribute("axes", [0]), dropDims]
        XCTAssertEqual(reduce("ReduceMean", opset: 13, attribute).dims, ["1", "4"])
        XCTAssertEqual(reduce("ReduceMean", opset: 18, attribute).dims, [], "axes as an attribute is not read at 18")
    }

    func testNoopWithEmptyAxes() {
        let noop = TestModels.intAttribute("noop_with_empty_axes", 1)
        XCTAssertEqual(reduce("ReduceSum", opset: 13, [noop, dropDims]).dims, ["batch", "1", "4"])
        XCTAssertEqual(reduce("ReduceSum", opset: 13, axesInput: [], [noop]).dims, ["batch", "1", "4"])
        XCTAssertEqual(reduce("ReduceSum", opset: 13, axesInput: []).dims, ["1", "1", "1"])
        XCTAssertEqual(reduce("ReduceL2", opset: 18, [noop]).dims, ["batch", "1", "4"])
        XCTAssertEqual(reduce("ReduceL2", opset: 17, [noop]).dims, ["1", "1", "1"], "no such attribute before 18")
    }

    func testAxesOnlyKnownAtRunTime() {
        let axes = ShapeTest.input("axes", .int64, ["2"])
        let kept = ShapeTest.single(TestModels.node("ReduceSum", ["x", "axes"], ["y"]), inputs: [x, axes])
        XCTAssertEqual(kept.dims, ["?", "1", "?"], "a dim already 1 stays 1")
        let dropped = ShapeTest.single(TestModels.node("ReduceSum", ["x", "axes"], ["y"], attributes: [dropDims]), inputs: [x, axes])
        XCTAssertEqual(dropped.dims, ["?"])
        let uncounted = ShapeTest.single(TestModels.node("ReduceSum", ["x", "axes"], ["y"], attributes: [dropDims]),
                                         inputs: [x, ShapeTest.input("axes", .int64, nil)])
        XCTAssertNil(uncounted.dims)
    }

    func testAllReducedOps() {
        for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare",
                   "ReduceLogSum", "ReduceLogSumExp", "ReduceL1", "ReduceL2"] {
            XCTAssertEqual(reduce(op, opset: 18, axesInput: [1], [dropDims]).dims, ["batch", "4"], op)
            XCTAssertEqual(reduce(op, opset: 11, [TestModels.intsAttribute("axes", [1]), dropDims]).dims, ["batch", "4"], op)
        }
    }

    func testOutOfRangeAxisIsRejected() {
        let node = TestModels.node("ReduceMean", ["x"], ["y"], attributes: [TestModels.intsAttribute("axes", [3])])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [x], opset: 13).count, 1)
    }

    func testReduceProdOfAShapeVectorStaysSymbolic() throws {
        let batch = SymbolicDim(symbol: "batch"), seq = SymbolicDim(symbol: "seq")
        let node = Node(opType: "ReduceProd", inputs: ["shape"], outputs: ["size"],
                        attributes: [Attribute(TestModels.intAttribute("keepdims", 0))])
        var context = ShapeContext(node: node, opset: 17, inputs: [.int64Vector([batch, seq, 64])], outputs: [.unknown],
                                   symbols: SymbolSource(), inferSubgraph: { _, _ in [] }, options: .init())
        try XCTUnwrap(ShapeRules.rule(op: "ReduceProd", domain: "ai.onnx"))(&context)
        XCTAssertEqual(context.outputs[0].shape, [])
        XCTAssertEqual(context.outputs[0].elements, [SymbolicDim(64) * batch * seq])
    }

    func testArgMaxAndArgMinGiveInt64() {
        let last = ShapeTest.single(TestModels.node("ArgMax", ["x"], ["y"], attributes: [TestModels.intAttribute("axis", -1), dropDims]),
                                    inputs: [x])
        XCTAssertEqual(last.type, .int64)
        XCTAssertEqual(last.dims, ["batch", "1"])
        let first = ShapeTest.single(TestModels.node("ArgMin", ["x"], ["y"]), inputs: [x])
        XCTAssertEqual(first.type, .int64)
        XCTAssertEqual(first.dims, ["1", "1", "4"], "axis 0, kept")
        let bad = TestModels.node("ArgMax", ["x"], ["y"], attributes: [TestModels.intAttribute("axis", 3)])
        XCTAssertEqual(ShapeTest.warnings(bad, inputs: [x]).count, 1)
    }

    func testSoftmaxDefaultAxisChangesAtOpset13() {
        let vector = ShapeTest.input("v", .float, ["n"])
        for op in ["Softmax", "LogSoftmax", "Hardmax"] {
            let node = TestModels.node(op, ["v"], ["y"])
            // Before 13 the default axis is 1, which a vector does not have.
            XCTAssertEqual(ShapeTest.warnings(node, inputs: [vector], opset: 11).count, 1, op)
            XCTAssertEqual(ShapeTest.single(node, inputs: [vector], opset: 13).dims, ["n"], op)
            XCTAssertEqual(ShapeTest.single(TestModels.node(op, ["x"], ["y"]), inputs: [x], opset: 11).dims, ["batch", "1", "4"], op)
        }
    }
}
