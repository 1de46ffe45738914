import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceQuantizationTests: XCTestCase {
    private let x = ShapeTest.input("x", .float, ["batch", "4"])
    private let scale = ShapeTest.input("scale", .float, [])

    private func quantize(zeroPoint: DataType?, opset: Int64, _ attributes: [AttributeProto] = []) -> ShapeTest.Output {
        let inputs = zeroPoint == nil ? ["x", "scale"] : ["x", "scale", "zp"]
        var values = [x, scale]
        if let zeroPoint { values.append(ShapeTest.input("zp", zeroPoint, [])) }
        return ShapeTest.single(TestModels.node("QuantizeLinear", inputs, ["y"], attributes: attributes), inputs: values, opset: opset)
    }

    func testQuantizeLinearTypeFromZeroPointElseUInt8() {
        let unsigned = quantize(zeroPoint: nil, opset: 13)
        XCTAssertEqual(unsigned.type, .uint8)
        XCTAssertEqual(unsigned.dims, ["batch", "4"])
        XCTAssertEqual(quantize(zeroPoint: .int8, opset: 13).type, .int8)
        XCTAssertEqual(quantize(zeroPoint: .float8e4m3fn, opset: 19).type, .float8e4m3fn)
    }

    func testQuantizeLinearOutputDtypeFromOpset21() {
        let int8 = TestModels.intAttribute("output_dtype", Int64(DataType.int8.rawValue))
        XCTAssertEqual(quantize(zeroPoint: nil, opset: 21, [int8]).type, .int8)
        XCTAssertEqual(quantize(zeroPoint: .int8, opset: 21, [int8]).type, .int8)
        XCTAssertEqual(quantize(zeroPoint: nil, opset: 19, [int8]).type, .uint8, "no such attribute before 21")
        let node = TestModels.node("QuantizeLinear", ["x", "scale", "zp"], ["y"], attributes: [int8])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [x, scale, ShapeTest.input("zp", .uint8, [])], opset: 21).count, 1)
    }

    func testDequantizeLinearTypeChangesAtOpset19() {
        let node = TestModels.node("DequantizeLinear", ["q", "scale"], ["y"])
        let inputs = [ShapeTest.input("q", .int8, ["batch", "4"]), ShapeTest.input("scale", .float16, [])]
        let half = ShapeTest.single(node, inputs: inputs, opset: 19)
        XCTAssertEqual(half.type, .float16)
        XCTAssertEqual(half.dims, ["batch", "4"])
        XCTAssertEqual(ShapeTest.single(node, inputs: inputs, opset: 13).type, .float)
    }

    func testDynamicQuantizeLinearGivesScalarParameters() {
        let results = ShapeTest.outputs(TestModels.node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zp"]), inputs: [x])
        XCTAssertEqual(results[0].type, .uint8)
        XCTAssertEqual(results[0].dims, ["batch", "4"])
        XCTAssertEqual(results[1].type, .float)
        XCTAssertEqual(results[1].dims, [])
        XCTAssertEqual(results[2].type, .uint8)
        XCTAssertEqual(results[2].dims, [])
    }

    private func parameters(_ prefix: String, _ type: DataType) -> [ValueInfoProto] {
        [ShapeTest.input("\(prefix)_scale", .float, []), ShapeTest.input("\(prefix)_zp", type, [])]
    }

    func testQLinearMatMulAndMatMulIntegerUseMatMulShapes() {
        let a = ShapeTest.input("a", .uint8, ["batch", "seq", "64"]), b = ShapeTest.input("b", .int8, ["64", "32"])
        let qlinear = TestModels.node("QLinearMatMul", ["a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"], ["y"])
        let result = ShapeTest.single(qlinear, inputs: [a, b] + parameters("a", .uint8) + parameters("b", .int8) + parameters("y", .int8))
        XCTAssertEqual(result.type, .int8)
        XCTAssertEqual(result.dims, ["batch", "seq", "32"])
        let integer = ShapeTest.single(TestModels.node("MatMulInteger", ["a", "b"], ["y"]), inputs: [a, b])
        XCTAssertEqual(integer.type, .int32)
        XCTAssertEqual(integer.dims, ["batch", "seq", "32"])
        let mismatch = TestModels.node("MatMulInteger", ["a", "b"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(mismatch, inputs: [a, ShapeTest.input("b", .int8, ["16", "32"])]).count, 1)
    }

    func testQLinearConvAndConvIntegerUseConvShapes() {
        let x = ShapeTest.input("x", .uint8, ["batch", "3", "H", "W"]), w = ShapeTest.input("w", .int8, ["8", "3", "3", "3"])
        let qlinear = TestModels.node("QLinearConv", ["x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"], ["y"],
                                      attributes: [TestModels.intsAttribute("pads", [1, 1, 1, 1])])
        let result = ShapeTest.single(qlinear, inputs: [x, w] + parameters("x", .uint8) + parameters("w", .int8) + parameters("y", .uint8))
        XCTAssertEqual(result.type, .uint8)
        XCTAssertEqual(result.dims, ["batch", "8", "H", "W"])
        let integer = ShapeTest.single(TestModels.node("ConvInteger", ["x", "w"], ["y"], attributes: [TestModels.intsAttribute("strides", [2, 2])]),
                                       inputs: [x, w])
        XCTAssertEqual(integer.type, .int32)
        XCTAssertEqual(integer.dims, ["batch", "8", "floor((H - 1)/2)", "floor((W - 1)/2)"])
    }
}
