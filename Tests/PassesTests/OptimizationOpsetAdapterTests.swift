import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

/// One tiny model per adapter whose attributes become inputs: built at the old opset, upgraded,
/// and run on the interpreter before and after (the outputs must agree).
final class OptimizationOpsetAdapterTests: XCTestCase {
    static let x = TestModels.value("x", .float, [.value(2), .value(3), .value(4)])

    static func model(_ nodes: [NodeProto], opset: Int64, inputs: [ValueInfoProto] = [x], initializers: [TensorProto] = [],
                      outputs: [String] = ["y"]) -> ModelProto {
        TestModels.model(TestModels.graph(nodes, inputs: inputs, outputs: outputs.map { TestModels.value($0) },
                                          initializers: initializers), opset: opset)
    }

    /// Upgrades, asserts the upgrade happened and computes the same, and returns the new graph.
    static func upgraded(_ proto: ModelProto, to target: Int,
                         file: StaticString = #filePath, line: UInt = #line) throws -> Graph {
        let (outcome, result) = try OptimizationTest.upgrade(proto, to: target)
        XCTAssertEqual(result, .upgraded(from: Int(proto.opsetImport[0].version!)), file: file, line: line)
        try OptimizationTest.assertSameOutputs(outcome, file: file, line: line)
        return outcome.after.graph
    }

    static func node(_ graph: Graph, writing output: String) throws -> Node { try XCTUnwrap(graph.producer(of: output)) }

    func testSqueezeAndUnsqueezeReadAxesAsInputs() throws {
        let x = TestModels.value("x", .float, [.value(1), .value(3), .value(1), .value(2)])
        let nodes = [TestModels.node("Squeeze", ["x"], ["s"], attributes: [TestModels.intsAttribute("axes", [0, 2])]),
                     TestModels.node("Unsqueeze", ["s"], ["y"], attributes: [TestModels.intsAttribute("axes", [1])])]
        let graph = try Self.upgraded(Self.model(nodes, opset: 11, inputs: [x]), to: 13)
        XCTAssertEqual(graph.nodes.map(\.inputs), [["x", "s_axes"], ["s", "y_axes"]])
        XCTAssertEqual(try OptimizationTest.integers(graph, "s_axes"), [0, 2])
        XCTAssertTrue(graph.nodes.allSatisfy { $0.attributes.isEmpty })
    }

    /// ReduceSum reads axes as an input from 13, the other reductions from 18. Without axes (or
    /// with an empty list) every axis is reduced, then as now.
    func testReductionsReadAxesAsInputs() throws {
        let others = ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceProd",
                      "ReduceSumSquare"]
        // Abs first: the logarithm of a negative sum would be NaN, which equals nothing.
        let nodes = [TestModels.node("Abs", ["x"], ["a"]),
                     TestModels.node("ReduceSum", ["a"], ["sum"], attributes: [TestModels.intsAttribute("axes", [1]),
                                                                               TestModels.intAttribute("keepdims", 0)]),
                     TestModels.node("ReduceMin", ["a"], ["all"], attributes: [TestModels.intsAttribute("axes", [])])]
            + others.map { TestModels.node($0, ["a"], [$0], attributes: [TestModels.intsAttribute("axes", [-1])]) }
        let proto = Self.model(nodes, opset: 12, outputs: ["sum", "all"] + others)
        let at13 = try Self.upgraded(proto, to: 13)
        XCTAssertEqual(try Self.node(at13, writing: "sum").inputs, ["a", "sum_axes"])
        XCTAssertEqual(try Self.node(at13, writing: "ReduceMean").attribute("axes")?.ints, [-1])
        let at18 = try Self.upgraded(proto, to: 18)
        for op in others { XCTAssertEqual(try Self.node(at18, writing: op).inputs, ["a", "\(op)_axes"], op) }
        XCTAssertEqual(try Self.node(at18, writing: "all").inputs, ["a"])
        XCTAssertNil(try Self.node(at18, writing: "all").attribute("axes"))
    }

    /// Split-13 reads the lengths as an input; Split-18 wants num_outputs for equal parts.
    func testSplitLengthsBecomeAnInputAndEqualPartsGetNumOutputs() throws {
        let nodes = [TestModels.node("Split", ["x"], ["a", "b"], attributes: [TestModels.intAttribute("axis", 1),
                                                                                TestModels.intsAttribute("split", [1, 2])]),
                     TestModels.node("Split", ["x"], ["c", "d"], attributes: [TestModels.intAttribute("axis", 2)])]
        let proto = Self.model(nodes, opset: 11, outputs: ["a", "b", "c", "d"])
        let at13 = try Self.upgraded(proto, to: 13)
        XCTAssertEqual(at13.nodes.map(\.inputs), [["x", "a_split"], ["x"]])
        XCTAssertEqual(try OptimizationTest.integers(at13, "a_split"), [1, 2])
        let at18 = try Self.upgraded(proto, to: 18)
        XCTAssertNil(at18.nodes[0].attribute("num_outputs"))
        XCTAssertEqual(at18.nodes[1].attribute("num_outputs")?.int, 2)
    }

    func testSliceAndTopKAttributesBecomeInputs() throws {
        let nodes = [TestModels.node("Slice", ["x"], ["s"], attributes: [TestModels.intsAttribute("starts", [1]),
                                                                          TestModels.intsAttribute("ends", [3]),
                                                                          TestModels.intsAttribute("axes", [2])]),
                     TestModels.node("TopK", ["s"], ["y", "i"], attributes: [TestModels.intAttribute("k", 1)])]
        let graph = try Self.upgraded(Self.model(nodes, opset: 9, outputs: ["y", "i"]), to: 13)
        XCTAssertEqual(graph.nodes.map(\.inputs), [["x", "s_starts", "s_ends", "s_axes"], ["s", "y_k"]])
    }

    /// Clip-11 reads its bounds, Pad-11 its pads and value as inputs typed like the data; a value
    /// that the mode ignores is dropped.
    func testClipAndPadAttributesBecomeTypedInputs() throws {
        let nodes = [
            TestModels.node("Clip", ["x"], ["c"], attributes: [TestModels.floatAttribute("min", -0.25)]),
            TestModels.node("Pad", ["c"], ["p"], attributes: [TestModels.intsAttribute("pads", [0, 1, 0, 0, 0, 2]),
                                                              TestModels.floatAttribute("value", 0.5)]),
            TestModels.node("Pad", ["p"], ["y"], attributes: [TestModels.intsAttribute("pads", [0, 0, 1, 0, 0, 1]),
                                                              TestModels.stringAttribute("mode", "edge"),
                                                              TestModels.floatAttribute("value", 2)]),
        ]
        let graph = try Self.upgraded(Self.model(nodes, opset: 10), to: 13)
        XCTAssertEqual(graph.nodes.map(\.inputs), [["x", "c_min"], ["c", "p_pads", "p_value"], ["p", "y_pads"]])
        XCTAssertEqual(try OptimizationTest.floats(graph, "p_value"), [0.5])
        XCTAssertTrue(graph.nodes.allSatisfy { $0.attribute("value") == nil && $0.attribute("min") == nil })
    }

    /// Dropout-12 reads the ratio as an input; a Dropout-7 whose (then float) mask is read cannot
    /// cross opset 10, where the mask became bool.
    func testDropoutRatioBecomesAnInputAndAReadLegacyMaskBlocks() throws {
        let dropout = TestModels.node("Dropout", ["x"], ["y"], attributes: [TestModels.floatAttribute("ratio", 0.25)])
        let graph = try Self.upgraded(Self.model([dropout], opset: 11), to: 12)
        XCTAssertEqual(graph.nodes[0].inputs, ["x", "y_ratio"])
        XCTAssertEqual(try OptimizationTest.floats(graph, "y_ratio"), [0.25])
        let masked = TestModels.node("Dropout", ["x"], ["y", "mask"], name: "drop")
        XCTAssertEqual(try OptimizationTest.upgrade(Self.model([masked], opset: 7, outputs: ["y", "mask"]), to: 12).1,
                       .refused(["Dropout drop: its mask is read, and the mask's type changed to bool in opset 10"]))
    }

    /// DFT-20 reads the axis as an input whose default changed from 1 to -2. (The interpreter has
    /// no DFT: onnxruntime checked the equivalence.)
    func testDFTAxisBecomesAnInput() throws {
        let signal = TestModels.value("x", .float, [.value(1), .value(8), .value(1)])
        let proto = Self.model([TestModels.node("DFT", ["x"], ["y"])], opset: 19, inputs: [signal])
        let (outcome, result) = try OptimizationTest.upgrade(proto, to: 20)
        XCTAssertEqual(result, .upgraded(from: 19))
        XCTAssertEqual(outcome.after.graph.nodes[0].inputs, ["x", "", "y_axis"])
        XCTAssertEqual(try OptimizationTest.integers(outcome.after.graph, "y_axis"), [1])
    }
}
