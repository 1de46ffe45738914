import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceConvolutionTests: XCTestCase {
    private func conv(_ op: String = "Conv", x: ShapeTest.Dims?, w: ShapeTest.Dims?, _ attributes: [AttributeProto] = []) -> ShapeTest.Output {
        ShapeTest.single(TestModels.node(op, ["x", "w"], ["y"], attributes: attributes),
                         inputs: [ShapeTest.input("x", .float, x), ShapeTest.input("w", .float, w)])
    }

    private func ints(_ name: String, _ values: [Int]) -> AttributeProto { TestModels.intsAttribute(name, values) }

    func testPaddedStrideOneConvKeepsSymbolicSpatialDims() {
        let result = conv(x: ["batch", "3", "H", "W"], w: ["16", "3", "3", "3"], [ints("pads", [1, 1, 1, 1])])
        XCTAssertEqual(result.type, .float)
        XCTAssertEqual(result.dims, ["batch", "16", "H", "W"])
    }

    func testStrideTwoGivesTheSameSymbolForPadsAndSamePadding() {
        let padded = conv(x: ["batch", "3", "H", "W"], w: ["16", "3", "3", "3"], [ints("pads", [1, 1, 1, 1]), ints("strides", [2, 2])])
        XCTAssertEqual(padded.dims, ["batch", "16", "floor((H + 1)/2)", "floor((W + 1)/2)"])
        let same = conv(x: ["batch", "3", "H", "W"], w: ["16", "3", "3", "3"],
                        [TestModels.stringAttribute("auto_pad", "SAME_UPPER"), ints("strides", [2, 2])])
        XCTAssertEqual(same.dims, padded.dims)
        let unpadded = conv(x: ["batch", "3", "H", "W"], w: ["16", "3", "3", "3"], [ints("strides", [2, 2])])
        XCTAssertEqual(unpadded.dims, ["batch", "16", "floor((H - 1)/2)", "floor((W - 1)/2)"])
    }

    func testConcreteSizesMatchOnnx() {
        // Values from onnx.shape_inference for the same nodes.
        XCTAssertEqual(conv(x: ["1", "3", "224", "224"], w: ["8", "3", "7", "7"], [ints("pads", [3, 3, 3, 3]), ints("strides", [2, 2])]).dims,
                       ["1", "8", "112", "112"])
        XCTAssertEqual(conv(x: ["1", "1", "10", "10"], w: ["2", "1", "3", "3"],
                            [TestModels.stringAttribute("auto_pad", "VALID"), ints("dilations", [2, 2])]).dims, ["1", "2", "6", "6"])
        XCTAssertEqual(conv(x: ["1", "3", "224", "224"], w: ["8", "3", "3", "3"],
                            [TestModels.stringAttribute("auto_pad", "SAME_LOWER"), ints("strides", [2, 2])]).dims, ["1", "8", "112", "112"])
    }

    func testGroupedConvChecksChannels() {
        let depthwise = [TestModels.intAttribute("group", 8), ints("pads", [1, 1, 1, 1])]
        XCTAssertEqual(conv(x: ["batch", "8", "5", "5"], w: ["8", "1", "3", "3"], depthwise).dims, ["batch", "8", "5", "5"])
        let node = TestModels.node("Conv", ["x", "w"], ["y"], attributes: [TestModels.intAttribute("group", 2)])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [ShapeTest.input("x", .float, ["1", "8", "5", "5"]),
                                                         ShapeTest.input("w", .float, ["4", "8", "3", "3"])]).count, 1)
    }

    func testKernelShapeAttributeStandsInForUnknownWeights() {
        let result = conv(x: ["1", "3", "32", "32"], w: nil, [ints("kernel_shape", [5, 5])])
        XCTAssertEqual(result.dims, ["1", "?", "28", "28"])
        XCTAssertEqual(conv(x: ["1", "3", "32", "32"], w: nil).dims, ["1", "?", "?", "?"], "no kernel size, no spatial size")
        XCTAssertEqual(conv(x: nil, w: ["8", "3", "3"]).dims, ["?", "8", "?"], "rank from the weights")
    }

    func testConvRejectsContradictions() {
        let rankMismatch = TestModels.node("Conv", ["x", "w"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(rankMismatch, inputs: [ShapeTest.input("x", .float, ["1", "3", "8", "8"]),
                                                                 ShapeTest.input("w", .float, ["4", "3", "3"])]).count, 1)
        let tooBig = TestModels.node("Conv", ["x", "w"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(tooBig, inputs: [ShapeTest.input("x", .float, ["1", "3", "2", "2"]),
                                                           ShapeTest.input("w", .float, ["4", "3", "3", "3"])]).count, 1)
        let hugeStrides = TestModels.node("Conv", ["x", "w"], ["y"], attributes: [ints("strides", [Int.min, 1 << 40])])
        XCTAssertEqual(ShapeTest.warnings(hugeStrides, inputs: [ShapeTest.input("x", .float, ["1", "3", "8", "8"]),
                                                                ShapeTest.input("w", .float, ["4", "3", "3", "3"])]).count, 1)
        let badPads = TestModels.node("Conv", ["x", "w"], ["y"], attributes: [ints("pads", [1, 1])])
        XCTAssertEqual(ShapeTest.warnings(badPads, inputs: [ShapeTest.input("x", .float, ["1", "3", "8", "8"]),
                                                            ShapeTest.input("w", .float, ["4", "3", "3", "3"])]).count, 1)
    }

    func testConvTransposeFromPadsAndOutputPadding() {
        // onnx.shape_inference gives [1, 6, 8, 8].
        let result = conv("ConvTranspose", x: ["1", "2", "4", "4"], w: ["2", "3", "3", "3"],
                          [ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1]), ints("output_padding", [1, 1]),
                           TestModels.intAttribute("group", 2)])
        XCTAssertEqual(result.dims, ["1", "6", "8", "8"])
        let symbolic = conv("ConvTranspose", x: ["batch", "2", "H", "W"], w: ["2", "3", "4", "4"],
                            [ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1])])
        XCTAssertEqual(symbolic.dims, ["batch", "3", "2*H", "2*W"])
    }

    func testConvTransposeSamePaddingAndOutputShape() {
        let same = conv("ConvTranspose", x: ["batch", "2", "H", "4"], w: ["2", "3", "3", "3"],
                        [ints("strides", [2, 2]), TestModels.stringAttribute("auto_pad", "SAME_UPPER")])
        XCTAssertEqual(same.dims, ["batch", "3", "2*H", "8"])
        // A window narrower than the stride cannot be padded down to in·stride (onnxruntime: 17, 10).
        let narrow = conv("ConvTranspose", x: ["1", "4", "6", "10"], w: ["4", "3", "1", "1"],
                          [ints("strides", [3, 1]), ints("dilations", [2, 1]), ints("output_padding", [1, 0]),
                           TestModels.stringAttribute("auto_pad", "SAME_LOWER")])
        XCTAssertEqual(narrow.dims, ["1", "3", "17", "10"])
        let spatial = conv("ConvTranspose", x: ["1", "2", "4", "4"], w: ["2", "3", "3", "3"],
                           [ints("strides", [2, 2]), ints("output_shape", [9, 9])])
        XCTAssertEqual(spatial.dims, ["1", "3", "9", "9"])
        let full = conv("ConvTranspose", x: ["1", "2", "4", "4"], w: ["2", "3", "3", "3"],
                        [ints("strides", [2, 2]), ints("output_shape", [1, 3, 10, 9])])
        XCTAssertEqual(full.dims, ["1", "3", "10", "9"], "the last spatial values count, as in the kernel")
    }

    func testConvTransposeChecksInputChannels() {
        let node = TestModels.node("ConvTranspose", ["x", "w"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [ShapeTest.input("x", .float, ["1", "2", "4", "4"]),
                                                         ShapeTest.input("w", .float, ["3", "3", "3", "3"])]).count, 1)
    }
}
