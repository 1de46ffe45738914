import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

/// One tiny model per adapter for ops whose new versions compute differently unless rewritten:
/// built at the old opset, upgraded, and run on the interpreter before and after.
final class OptimizationOpsetSemanticsTests: XCTestCase {
    private typealias Adapters = OptimizationOpsetAdapterTests

    /// Softmax-family nodes normalizing more than the last axis become Flatten → op → Reshape;
    /// one over the last axis stays; the old default axis is written out where it is the last.
    func testSoftmaxFamilyKeepsItsTwoDimensionalMeaning() throws {
        let nodes = [
            TestModels.node("Softmax", ["x"], ["s"], name: "soft", attributes: [TestModels.intAttribute("axis", 1)]),
            TestModels.node("LogSoftmax", ["x"], ["l"]),
            TestModels.node("Hardmax", ["x"], ["h"], attributes: [TestModels.intAttribute("axis", 2)]),
            TestModels.node("Softmax", ["m"], ["d"]),
        ]
        let matrix = TestModels.value("m", .float, [.value(3), .value(5)])
        let proto = Adapters.model(nodes, opset: 12, inputs: [Adapters.x, matrix], outputs: ["s", "l", "h", "d"])
        let at13 = try Adapters.upgraded(proto, to: 13)
        XCTAssertEqual(OptimizationTest.ops(at13), ["Shape", "Flatten", "Softmax", "Reshape", "Shape", "Flatten", "LogSoftmax",
                                                    "Reshape", "Hardmax", "Softmax"])
        XCTAssertEqual(at13.nodes[1].name, "soft_flatten")
        XCTAssertEqual(at13.nodes[1].attribute("axis")?.int, 1)
        XCTAssertEqual(at13.nodes[3].inputs, ["s_rows", "s_shape"])
        XCTAssertNil(at13.nodes[3].attribute("allowzero"))
        XCTAssertEqual(at13.nodes[8].attribute("axis")?.int, 2)
        XCTAssertEqual(at13.nodes[9].attribute("axis")?.int, 1)
        let at14 = try Adapters.upgraded(proto, to: 14)
        XCTAssertEqual(at14.nodes[3].attribute("allowzero")?.int, 1)
    }

    /// Upsample-7 keeps its legacy sampling as Upsample-9 (scales input), as Resize-10, and as an
    /// asymmetric Resize-11 from opset 11 on.
    func testUpsampleTakesTheFormOfEachTargetOpset() throws {
        let image = TestModels.value("x", .float, [.value(1), .value(1), .value(3), .value(2)])
        let upsample = TestModels.node("Upsample", ["x"], ["y"], attributes: [
            TestModels.stringAttribute("mode", "nearest"), TestModels.floatsAttribute("scales", [1, 1, 2, 1.5]),
        ])
        let proto = Adapters.model([upsample], opset: 7, inputs: [image])
        for (target, op, inputs) in [(9, "Upsample", ["x", "y_scales"]), (10, "Resize", ["x", "y_scales"]),
                                     (21, "Resize", ["x", "y_roi", "y_scales"])] {
            let graph = try Adapters.upgraded(proto, to: target)
            XCTAssertEqual(graph.nodes.map(\.opType), [op], "\(target)")
            XCTAssertEqual(graph.nodes[0].inputs, inputs, "\(target)")
        }
    }

    /// Resize-13 dropped tf_half_pixel_for_nn: half_pixel with the matching rounding replaces it
    /// where one exists.
    func testTfHalfPixelForNearestBecomesHalfPixel() throws {
        let image = TestModels.value("x", .float, [.value(1), .value(1), .value(5), .value(7)])
        let scales = TestModels.floatTensor("scales", dims: [4], values: [1, 1, 1.7, 0.6])
        func resize(_ rounding: String, _ output: String) -> NodeProto {
            TestModels.node("Resize", ["x", "roi", "scales"], [output], name: output, attributes: [
                TestModels.stringAttribute("coordinate_transformation_mode", "tf_half_pixel_for_nn"),
                TestModels.stringAttribute("nearest_mode", rounding),
            ])
        }
        let roi = TestModels.floatTensor("roi", dims: [0], values: [])
        let proto = Adapters.model([resize("round_prefer_floor", "a"), resize("floor", "b")], opset: 11, inputs: [image],
                                   initializers: [roi, scales], outputs: ["a", "b"])
        let graph = try Adapters.upgraded(proto, to: 13)
        XCTAssertEqual(graph.nodes.map { $0.attribute("nearest_mode")?.string }, ["ceil", "round_prefer_ceil"])
        XCTAssertTrue(graph.nodes.allSatisfy { $0.attribute("coordinate_transformation_mode")?.string == "half_pixel" })
        let ceil = Adapters.model([resize("ceil", "y")], opset: 11, inputs: [image], initializers: [roi, scales])
        XCTAssertEqual(try OptimizationTest.upgrade(ceil, to: 13).1,
                       .refused(["Resize y: tf_half_pixel_for_nn with ceil rounding has no Resize-13 equivalent"]))
    }

    /// Before 14 a BatchNormalization listing training outputs ran in training mode:
    /// training_mode=1 says so from 14, with the running statistics and without the saved ones,
    /// which must be unread. One without them stays as it is; spatial=1 (opsets 7-8) is what
    /// every later version does.
    func testBatchNormalizationTrainingOutputsBecomeTrainingMode() throws {
        let image = TestModels.value("x", .float, [.value(2), .value(2), .value(2), .value(2)])
        let parameters = ["gamma", "beta", "mean", "variance"].enumerated().map { i, name in
            TestModels.floatTensor(name, dims: [2], values: [Float(i) * 0.5 + 0.5, 1])
        }
        let inputs = ["x", "gamma", "beta", "mean", "variance"]
        let nodes = [TestModels.node("BatchNormalization", inputs, ["t", "m", "v", "sm", "sv"], name: "train",
                                     attributes: [TestModels.intAttribute("spatial", 1)]),
                     TestModels.node("BatchNormalization", ["t"] + inputs.dropFirst(), ["y"], name: "infer")]
        let proto = Adapters.model(nodes, opset: 7, inputs: [image], initializers: parameters, outputs: ["y", "m"])
        let graph = try Adapters.upgraded(proto, to: 15)
        XCTAssertEqual(graph.nodes.map(\.outputs), [["t", "m", "v"], ["y"]])
        XCTAssertEqual(graph.nodes.map { $0.attribute("training_mode")?.int }, [1, nil])
        XCTAssertNil(graph.nodes[0].attribute("spatial"))
        let reading = Adapters.model(nodes, opset: 13, inputs: [image], initializers: parameters, outputs: ["y", "sm"])
        XCTAssertEqual(try OptimizationTest.upgrade(reading, to: 14).1, .refused([
            "BatchNormalization train: its saved mean or variance is read, and BatchNormalization-14 has neither",
        ]))
    }

    /// GroupNormalization-21 reads scale and bias per channel: the per-group constants repeat.
    func testGroupNormalizationParametersRepeatPerChannel() throws {
        let input = TestModels.value("x", .float, [.value(2), .value(4), .value(3)])
        let node = TestModels.node("GroupNormalization", ["x", "scale", "bias"], ["y"],
                                   attributes: [TestModels.intAttribute("num_groups", 2)])
        let proto = Adapters.model([node], opset: 18, inputs: [input], initializers: [
            TestModels.floatTensor("scale", dims: [2], values: [0.5, 2]),
            TestModels.floatTensor("bias", dims: [2], values: [-1, 1]),
        ])
        let graph = try Adapters.upgraded(proto, to: 21)
        XCTAssertEqual(try OptimizationTest.floats(graph, "scale"), [0.5, 0.5, 2, 2])
        XCTAssertEqual(try OptimizationTest.floats(graph, "bias"), [-1, -1, 1, 1])
        XCTAssertNil(graph.nodes[0].attribute("stash_type"))
    }

    /// ScatterElements replaced Scatter at 11, also for a model that still uses the deprecated op.
    func testScatterBecomesScatterElements() throws {
        let node = TestModels.node("Scatter", ["x", "indices", "updates"], ["y"],
                                   attributes: [TestModels.intAttribute("axis", 2)])
        let initializers = [TestModels.int64Tensor("indices", dims: [2, 3, 1], values: [3, 0, 1, 2, 2, 0]),
                            OptimizationTest.weights("updates", dims: [2, 3, 1], seed: 5)]
        for opset: Int64 in [10, 11] {
            let graph = try Adapters.upgraded(Adapters.model([node], opset: opset, initializers: initializers), to: 13)
            XCTAssertEqual(OptimizationTest.ops(graph), ["ScatterElements"])
        }
    }

    /// Erf-13 and QuantizeLinear-19 take floating-point data only: float moves as it is, integers
    /// block.
    func testFloatingPointOnlyOpsCheckTheirInputType() throws {
        let nodes = [TestModels.node("Erf", ["x"], ["e"]),
                     TestModels.node("QuantizeLinear", ["e", "scale"], ["y"])]
        let scale = TestModels.floatTensor("scale", dims: [], values: [0.01])
        let graph = try Adapters.upgraded(Adapters.model(nodes, opset: 12, initializers: [scale]), to: 19)
        XCTAssertEqual(graph.nodes.map(\.inputs), [["x"], ["e", "scale"]])
        let integers = TestModels.value("n", .int32, [.value(2)])
        let erf = Adapters.model([TestModels.node("Erf", ["n"], ["y"], name: "erf")], opset: 12, inputs: [integers])
        XCTAssertEqual(try OptimizationTest.upgrade(erf, to: 13).1,
                       .refused(["Erf erf: its input 'n' is int32, which newer versions of Erf do not take"]))
    }

    /// RoiAlign-16 would shift by half a pixel and GridSample-20 renamed its modes. (The
    /// interpreter runs neither: onnxruntime checked the equivalence.)
    func testRoiAlignAndGridSampleKeepTheirSampling() throws {
        let roiAlign = TestModels.node("RoiAlign", ["x", "rois", "batch"], ["r"])
        let proto = Adapters.model([roiAlign], opset: 15, outputs: ["r"])
        let (upgraded, _) = try OptimizationTest.upgrade(proto, to: 16)
        XCTAssertEqual(upgraded.after.graph.nodes[0].attribute("coordinate_transformation_mode")?.string, "output_half_pixel")
        let gridSample = TestModels.node("GridSample", ["x", "grid"], ["g"],
                                         attributes: [TestModels.stringAttribute("mode", "bicubic")])
        let (sampled, _) = try OptimizationTest.upgrade(Adapters.model([gridSample], opset: 19, outputs: ["g"]), to: 20)
        XCTAssertEqual(sampled.after.graph.nodes[0].attribute("mode")?.string, "cubic")
    }

    func testScanEightBlocks() throws {
        let scan = TestModels.node("Scan", ["", "x"], ["y"], name: "scan")
        XCTAssertEqual(try OptimizationTest.upgrade(Adapters.model([scan], opset: 8), to: 9).1,
                       .refused(["Scan scan: Scan-8 has a batch axis and sequence lengths that Scan-9 dropped"]))
    }
}
