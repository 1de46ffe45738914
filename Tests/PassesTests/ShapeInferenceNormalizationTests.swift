import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceNormalizationTests: XCTestCase {
    private let batchNormInputs = [ShapeTest.input("x", .float, ["batch", "3", "H"]), ShapeTest.input("scale", .float, ["3"]),
                                   ShapeTest.input("bias", .float, ["3"]), ShapeTest.input("mean", .float16, ["3"]),
                                   ShapeTest.input("var", .float16, ["3"])]

    private func batchNorm(outputs: [String], opset: Int64, _ attributes: [AttributeProto] = []) -> [ShapeTest.Output] {
        let node = TestModels.node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], outputs, attributes: attributes)
        return ShapeTest.outputs(node, inputs: batchNormInputs, opset: opset)
    }

    func testBatchNormalizationInference() {
        let results = batchNorm(outputs: ["y"], opset: 15)
        XCTAssertEqual(results[0].type, .float)
        XCTAssertEqual(results[0].dims, ["batch", "3", "H"])
    }

    func testBatchNormalizationTrainingOutputsFollowTheOpset() {
        // From opset 14: running_mean and running_var, typed like the mean and var inputs.
        let training = batchNorm(outputs: ["y", "rm", "rv"], opset: 15, [TestModels.intAttribute("training_mode", 1)])
        XCTAssertEqual(training[1].type, .float16)
        XCTAssertEqual(training[1].dims, ["3"])
        XCTAssertEqual(training[2].dims, ["3"])
        let notTraining = batchNorm(outputs: ["y", "rm", "rv"], opset: 15)
        XCTAssertNil(notTraining[1].dims, "without training_mode the statistics are not produced")
        XCTAssertEqual(notTraining[0].dims, ["batch", "3", "H"])
        // Before 14: mean, var, saved_mean, saved_var in X's type.
        let legacy = batchNorm(outputs: ["y", "m", "v", "sm", "sv"], opset: 9)
        XCTAssertEqual(legacy.map(\.dims), [["batch", "3", "H"], ["3"], ["3"], ["3"], ["3"]])
        XCTAssertEqual(legacy[4].type, .float)
        let perActivation = batchNorm(outputs: ["y", "m"], opset: 7, [TestModels.intAttribute("spatial", 0)])
        XCTAssertEqual(perActivation[1].dims, ["3", "H"])
    }

    func testBatchNormalizationRejectsAScaleOfTheWrongSize() {
        let node = TestModels.node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"])
        var inputs = batchNormInputs
        inputs[1] = ShapeTest.input("scale", .float, ["4"])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: inputs, opset: 15).count, 1)
    }

    private func layerNorm(_ attributes: [AttributeProto]) -> [ShapeTest.Output] {
        let node = TestModels.node("LayerNormalization", ["x", "scale"], ["y", "mean", "inv"], attributes: attributes)
        return ShapeTest.outputs(node, inputs: [ShapeTest.input("x", .float16, ["batch", "seq", "768"]),
                                                ShapeTest.input("scale", .float16, ["768"])])
    }

    func testLayerNormalizationStatisticsKeepDimsBeforeAxis() {
        // As onnx.shape_inference: statistics in stash_type (float by default).
        let last = layerNorm([])
        XCTAssertEqual(last[0].type, .float16)
        XCTAssertEqual(last[0].dims, ["batch", "seq", "768"])
        XCTAssertEqual(last[1].type, .float)
        XCTAssertEqual(last[1].dims, ["batch", "seq", "1"])
        XCTAssertEqual(last[2].dims, ["batch", "seq", "1"])
        let fromOne = layerNorm([TestModels.intAttribute("axis", 1), TestModels.intAttribute("stash_type", 10)])
        XCTAssertEqual(fromOne[1].type, .float16)
        XCTAssertEqual(fromOne[2].dims, ["batch", "1", "1"])
        XCTAssertNil(layerNorm([TestModels.intAttribute("axis", 3)])[0].dims, "axis out of range")
    }

    func testShapePreservingNormalizations() {
        let x = ShapeTest.input("x", .float, ["batch", "32", "H", "W"])
        let scale = ShapeTest.input("scale", .float, ["32"]), bias = ShapeTest.input("bias", .float, ["32"])
        let cases: [(NodeProto, [ValueInfoProto])] = [
            (TestModels.node("InstanceNormalization", ["x", "scale", "bias"], ["y"]), [x, scale, bias]),
            (TestModels.node("GroupNormalization", ["x", "scale", "bias"], ["y"], attributes: [TestModels.intAttribute("num_groups", 8)]),
             [x, ShapeTest.input("scale", .float, ["8"]), ShapeTest.input("bias", .float, ["8"])]),
            (TestModels.node("MeanVarianceNormalization", ["x"], ["y"]), [x]),
            (TestModels.node("LpNormalization", ["x"], ["y"], attributes: [TestModels.intAttribute("axis", 1)]), [x]),
            (TestModels.node("RMSNormalization", ["x", "scale"], ["y"]), [x, ShapeTest.input("scale", .float, ["W"])]),
        ]
        for (node, inputs) in cases {
            let result = ShapeTest.single(node, inputs: inputs)
            XCTAssertEqual(result.type, .float, node.opType ?? "")
            XCTAssertEqual(result.dims, ["batch", "32", "H", "W"], node.opType ?? "")
        }
    }

    func testNormalizationContradictionsAreRejected() {
        let x = ShapeTest.input("x", .float, ["batch", "32", "H", "W"])
        let groups = TestModels.node("GroupNormalization", ["x", "s", "b"], ["y"], attributes: [TestModels.intAttribute("num_groups", 5)])
        XCTAssertEqual(ShapeTest.warnings(groups, inputs: [x, ShapeTest.input("s", .float, ["5"]), ShapeTest.input("b", .float, ["5"])]).count, 1)
        let instance = TestModels.node("InstanceNormalization", ["x", "s", "b"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(instance, inputs: [x, ShapeTest.input("s", .float, ["16"]), ShapeTest.input("b", .float, ["16"])]).count, 1)
        let axes = TestModels.node("MeanVarianceNormalization", ["x"], ["y"], attributes: [TestModels.intsAttribute("axes", [4])])
        XCTAssertEqual(ShapeTest.warnings(axes, inputs: [x]).count, 1)
    }
}
