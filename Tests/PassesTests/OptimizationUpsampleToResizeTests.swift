import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationUpsampleToResizeTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { UpsampleToResizePass(report: report) }

    private let image = TestModels.value("x", .float, [.value(1), .value(2), .value(3), .value(4)])

    private func model(_ nodes: [NodeProto], opset: Int64, initializers: [TensorProto] = [],
                       outputs: [ValueInfoProto] = [TestModels.value("y")]) -> ModelProto {
        TestModels.model(TestModels.graph(nodes, inputs: [image], outputs: outputs, initializers: initializers),
                         opset: opset, irVersion: 3)
    }

    private func upsample7(mode: String, scales: [Float], output: String = "y") -> NodeProto {
        TestModels.node("Upsample", ["x"], [output], name: "up", attributes: [
            TestModels.stringAttribute("mode", mode), TestModels.floatsAttribute("scales", scales),
        ])
    }

    private func string(_ node: Node, _ name: String) -> String? { node.attribute(name)?.string }

    func testUpsample7NearestBecomesResize11() throws {
        let outcome = try OptimizationTest.apply(pass, to: model([upsample7(mode: "nearest", scales: [1, 1, 2, 3])], opset: 7))
        let resize = try XCTUnwrap(outcome.after.graph.nodes.first)
        XCTAssertEqual(resize.opType, "Resize")
        XCTAssertEqual(resize.inputs, ["x", "y_roi", "y_scales"])
        XCTAssertNil(resize.attribute("scales"))
        XCTAssertEqual(string(resize, "coordinate_transformation_mode"), "asymmetric")
        XCTAssertEqual(string(resize, "nearest_mode"), "floor")
        XCTAssertEqual(try OptimizationTest.floats(outcome.after.graph, "y_scales"), [1, 1, 2, 3])
        XCTAssertEqual(outcome.after.graph.initializer(named: "y_roi")?.dims, [0])
        try OptimizationTest.assertUpgraded(outcome, to: 11, irVersion: 6, messages: [
            "rewrote Upsample up: Upsample as Resize-11", "raised the ai.onnx opset from 7 to 11", "raised ir_version 3 to 6 (opset 11)",
        ])
    }

    /// Upsample-9 reads its scales as an input, which the Resize reads in turn.
    func testUpsample9LinearKeepsItsScalesInput() throws {
        let node = TestModels.node("Upsample", ["x", "scales"], ["y"], attributes: [TestModels.stringAttribute("mode", "linear")])
        let scales = TestModels.floatTensor("scales", dims: [4], values: [1, 1, 2, 1.5])
        let outcome = try OptimizationTest.apply(pass, to: model([node], opset: 9, initializers: [scales]))
        let resize = try XCTUnwrap(outcome.after.graph.nodes.first)
        XCTAssertEqual(resize.inputs, ["x", "y_roi", "scales"])
        XCTAssertEqual(string(resize, "mode"), "linear")
        XCTAssertNil(resize.attribute("nearest_mode"))
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Legacy nearest rounds up when shrinking: nearest_mode ceil says so.
    func testShrinkingNearestUsesCeil() throws {
        let outcome = try OptimizationTest.apply(pass, to: model([upsample7(mode: "nearest", scales: [1, 1, 0.6, 0.5])], opset: 8))
        XCTAssertEqual(outcome.after.graph.nodes.first.flatMap { string($0, "nearest_mode") }, "ceil")
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Every other node whose schema changed on the way to 11 is rewritten with it.
    func testChangedOpsAreRewrittenWithTheUpgrade() throws {
        let nodes = [
            upsample7(mode: "nearest", scales: [1, 1, 2, 2], output: "up"),
            TestModels.node("Slice", ["up"], ["sliced"], attributes: [TestModels.intsAttribute("starts", [1, 0]),
                            TestModels.intsAttribute("ends", [5, 7]), TestModels.intsAttribute("axes", [2, 3])]),
            TestModels.node("Pad", ["sliced"], ["padded"], attributes: [TestModels.intsAttribute("pads", [0, 0, 1, 0, 0, 0, 0, 2]),
                            TestModels.floatAttribute("value", 1.5)]),
            TestModels.node("Clip", ["padded"], ["clipped"], attributes: [TestModels.floatAttribute("min", -0.5),
                            TestModels.floatAttribute("max", 0.75)]),
            TestModels.node("BatchNormalization", ["clipped", "gamma", "beta", "mean", "variance"], ["normalized"],
                            attributes: [TestModels.intAttribute("spatial", 1)]),
            TestModels.node("Dropout", ["normalized"], ["y"]),
            TestModels.node("TopK", ["y"], ["top", "indices"], attributes: [TestModels.intAttribute("k", 2)]),
        ]
        var proto = model(nodes, opset: 8, initializers: ["gamma", "beta", "mean", "variance"].enumerated().map { i, name in
            TestModels.floatTensor(name, dims: [2], values: [Float(i) * 0.5 + 0.5, 1])
        }, outputs: [TestModels.value("y"), TestModels.value("top"), TestModels.value("indices", .int64)])
        proto.graph!.valueInfo = [TestModels.value("sliced", .float), TestModels.value("padded", .float)]
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertTrue(outcome.changed)
        let graph = outcome.after.graph
        XCTAssertEqual(OptimizationTest.ops(graph), ["Resize", "Slice", "Pad", "Clip", "BatchNormalization", "Dropout", "TopK"])
        let moved: Set<String> = ["starts", "pads", "min", "spatial", "k"]
        XCTAssertTrue(graph.nodes.allSatisfy { node in node.attributes.allSatisfy { !moved.contains($0.name) } })
        XCTAssertEqual(graph.nodes[1].inputs, ["up", "sliced_starts", "sliced_ends", "sliced_axes"])
        XCTAssertEqual(graph.nodes[2].inputs, ["sliced", "padded_pads", "padded_value"])
        XCTAssertEqual(graph.nodes[3].inputs, ["padded", "clipped_min", "clipped_max"])
        XCTAssertEqual(graph.nodes[6].inputs, ["y", "top_k"])
        XCTAssertEqual(try OptimizationTest.integers(graph, "top_k"), [2])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Nothing changes when one node cannot move: here scales that both enlarge and shrink,
    /// and a Clip whose input type is unknown (declared without one, so not inferable either).
    func testUnadaptableNodeKeepsTheWholeModelAsItWas() throws {
        let nodes = [
            upsample7(mode: "nearest", scales: [1, 1, 2, 0.5], output: "up"),
            TestModels.node("Clip", ["u"], ["y"], attributes: [TestModels.floatAttribute("max", 1)]),
        ]
        var untyped = ValueInfoProto()
        untyped.name = "u"
        let proto = TestModels.model(TestModels.graph(nodes, inputs: [image, untyped], outputs: [TestModels.value("up"), TestModels.value("y")]),
                                     opset: 7, irVersion: 3)
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(outcome.after.opsetVersion(for: ""), 7)
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Upsample", "Clip"])
        XCTAssertEqual(outcome.report.messages, [
            "kept opset 7 and its Upsample nodes: Upsample up: scales [1.0, 1.0, 2.0, 0.5] both enlarge and shrink; "
                + "Clip writing y: the type of 'u' is unknown",
        ])
    }

    func testModelsWithoutUpsampleOrAlreadyAtOpset11AreLeftAlone() throws {
        let slice = TestModels.node("Slice", ["x"], ["y"], attributes: [TestModels.intsAttribute("starts", [0]),
                                                                         TestModels.intsAttribute("ends", [1])])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model([slice], opset: 9)).changed)
        let resize = TestModels.node("Resize", ["x", "", "scales"], ["y"])
        let scales = TestModels.floatTensor("scales", dims: [4], values: [1, 1, 2, 2])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model([resize], opset: 11, initializers: [scales])).changed)
    }

    /// Resize-10 gains the roi input; an Upsample inside a branch is found and rewritten too.
    func testResize10AndUpsampleInsideABranchAreUpgraded() throws {
        let then = TestModels.graph([TestModels.node("Upsample", ["x", "scales"], ["then_out"], name: "inner")],
                                          inputs: [], outputs: [TestModels.value("then_out")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Resize", ["x", "scales"], ["else_out"], name: "resize10")],
                                               inputs: [], outputs: [TestModels.value("else_out")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [image],
                                             initializers: [TestModels.floatTensor("scales", dims: [4], values: [1, 1, 2, 2])],
                                             output: TestModels.value("y"), opset: 10)
        let outcome = try OptimizationTest.apply(pass, to: proto)
        for index in 0..<2 {
            let node = try XCTUnwrap(OptimizationTest.firstSubgraph(outcome.after, index).nodes.first)
            XCTAssertEqual(node.opType, "Resize")
            XCTAssertEqual(node.inputs.count, 3)
        }
        XCTAssertEqual(outcome.report.messages.prefix(2), ["rewrote Upsample inner: Upsample as Resize-11 (in subgraph 'then')",
                                                          "rewrote Resize resize10: Resize as Resize-11 (in subgraph 'else')"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }
}
