import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferencePoolingTests: XCTestCase {
    private func pool(_ op: String, _ x: ShapeTest.Dims?, kernel: [Int], strides: [Int]? = nil, pads: [Int]? = nil,
                      ceil: Bool = false, outputs: [String] = ["y"]) -> [ShapeTest.Output] {
        var attributes = [TestModels.intsAttribute("kernel_shape", kernel)]
        if let strides { attributes.append(TestModels.intsAttribute("strides", strides)) }
        if let pads { attributes.append(TestModels.intsAttribute("pads", pads)) }
        if ceil { attributes.append(TestModels.intAttribute("ceil_mode", 1)) }
        return ShapeTest.outputs(TestModels.node(op, ["x"], outputs, attributes: attributes), inputs: [ShapeTest.input("x", .float, x)])
    }

    func testMaxPoolGivesInt64IndicesShapedLikeY() {
        let results = pool("MaxPool", ["batch", "64", "112", "112"], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1],
                           outputs: ["y", "indices"])
        XCTAssertEqual(results[0].type, .float)
        XCTAssertEqual(results[0].dims, ["batch", "64", "56", "56"])
        XCTAssertEqual(results[1].type, .int64)
        XCTAssertEqual(results[1].dims, ["batch", "64", "56", "56"])
    }

    func testSymbolicSpatialDimsAfterStridedPooling() {
        let result = pool("MaxPool", ["batch", "64", "H", "W"], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1])[0]
        XCTAssertEqual(result.dims, ["batch", "64", "floor((H + 1)/2)", "floor((W + 1)/2)"])
        let ceiled = pool("AveragePool", ["batch", "64", "H", "W"], kernel: [3, 3], strides: [2, 2], ceil: true)[0]
        XCTAssertEqual(ceiled.dims, ["batch", "64", "floor((H)/2)", "floor((W)/2)"])
    }

    func testAveragePoolCeilMode() {
        XCTAssertEqual(pool("AveragePool", ["1", "1", "6", "6"], kernel: [3, 3], strides: [2, 2])[0].dims, ["1", "1", "2", "2"])
        XCTAssertEqual(pool("AveragePool", ["1", "1", "6", "6"], kernel: [3, 3], strides: [2, 2], ceil: true)[0].dims, ["1", "1", "3", "3"])
    }

    func testCeilModeDropsAWindowStartingInThePadding() {
        // onnxruntime and the interpreter give 2 here (a third window would start past the input);
        // onnx's own inference says 3.
        XCTAssertEqual(pool("AveragePool", ["1", "1", "4", "4"], kernel: [1, 1], strides: [2, 2], ceil: true)[0].dims,
                       ["1", "1", "2", "2"])
        XCTAssertEqual(pool("AveragePool", ["1", "1", "H", "5"], kernel: [1, 1], strides: [2, 2], ceil: true)[0].dims,
                       ["1", "1", "?", "3"], "whether the correction applies depends on H")
    }

    func testCeilModeAppliesUnderValidButNotUnderSamePadding() {
        // onnxruntime's sizes for these nodes.
        let valid = ShapeTest.single(TestModels.node("AveragePool", ["x"], ["y"], attributes: [
            TestModels.intsAttribute("kernel_shape", [3, 1, 3]), TestModels.intsAttribute("strides", [2, 2, 2]),
            TestModels.stringAttribute("auto_pad", "VALID"), TestModels.intAttribute("ceil_mode", 1),
        ]), inputs: [ShapeTest.input("x", .float, ["2", "4", "10", "7", "11"])])
        XCTAssertEqual(valid.dims, ["2", "4", "5", "4", "5"])
        let same = ShapeTest.single(TestModels.node("MaxPool", ["x"], ["y"], attributes: [
            TestModels.intsAttribute("kernel_shape", [2]), TestModels.intsAttribute("strides", [3]),
            TestModels.stringAttribute("auto_pad", "SAME_UPPER"), TestModels.intAttribute("ceil_mode", 1),
        ]), inputs: [ShapeTest.input("x", .float, ["2", "4", "10"])])
        XCTAssertEqual(same.dims, ["2", "4", "4"])
    }

    func testPoolingKnowsItsRankFromKernelShape() {
        XCTAssertEqual(pool("MaxPool", nil, kernel: [2, 2])[0].dims, ["?", "?", "?", "?"])
        XCTAssertEqual(pool("LpPool", ["n", "c", "9"], kernel: [3], strides: [3])[0].dims, ["n", "c", "3"])
    }

    func testPoolingRejectsMissingKernelAndRankMismatch() {
        let noKernel = TestModels.node("MaxPool", ["x"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(noKernel, inputs: [ShapeTest.input("x", .float, ["1", "1", "4", "4"])]).count, 1)
        let wrongRank = TestModels.node("MaxPool", ["x"], ["y"], attributes: [TestModels.intsAttribute("kernel_shape", [2])])
        XCTAssertEqual(ShapeTest.warnings(wrongRank, inputs: [ShapeTest.input("x", .float, ["1", "1", "4", "4"])]).count, 1)
    }

    func testGlobalPoolingKeepsBatchAndChannels() {
        for op in ["GlobalAveragePool", "GlobalMaxPool"] {
            let result = ShapeTest.single(TestModels.node(op, ["x"], ["y"]), inputs: [ShapeTest.input("x", .float16, ["batch", "512", "H", "W"])])
            XCTAssertEqual(result.type, .float16)
            XCTAssertEqual(result.dims, ["batch", "512", "1", "1"], op)
        }
        let oneD = ShapeTest.single(TestModels.node("GlobalMaxPool", ["x"], ["y"]), inputs: [ShapeTest.input("x", .float, ["n", "c", "7"])])
        XCTAssertEqual(oneD.dims, ["n", "c", "1"])
    }

    func testLRNKeepsTheShape() {
        let node = TestModels.node("LRN", ["x"], ["y"], attributes: [TestModels.intAttribute("size", 5)])
        XCTAssertEqual(ShapeTest.single(node, inputs: [ShapeTest.input("x", .float, ["batch", "96", "H", "W"])]).dims,
                       ["batch", "96", "H", "W"])
    }
}
