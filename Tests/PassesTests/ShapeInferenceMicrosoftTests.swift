import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

/// The com.microsoft rules: DynamicQuantizeLSTM and the fused (Q)Attention keep named dims.
final class ShapeInferenceMicrosoftTests: XCTestCase {
    private func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [AttributeProto]) -> NodeProto {
        TestModels.node(op, inputs, outputs, domain: "com.microsoft", attributes: attributes)
    }

    func testDynamicQuantizeLSTMTakesHiddenFromTheTransposedR() {
        let results = ShapeTest.outputs(node("DynamicQuantizeLSTM", ["x", "w", "r"], ["y", "y_h", "y_c"],
                                             [TestModels.stringAttribute("direction", "bidirectional")]),
                                        inputs: [ShapeTest.input("x", .float, ["seq", "batch", "8"]),
                                                 ShapeTest.input("w", .int8, ["2", "8", "64"]),
                                                 ShapeTest.input("r", .int8, ["2", "16", "64"])])
        XCTAssertEqual(results[0].type, .float)
        XCTAssertEqual(results[0].dims, ["seq", "2", "batch", "16"])
        XCTAssertEqual(results[1].dims, ["2", "batch", "16"])
        XCTAssertEqual(results[2].dims, ["2", "batch", "16"])
    }

    func testAttentionOutputAndPresentWithPast() {
        let results = ShapeTest.outputs(node("Attention", ["x", "w", "b", "", "past"], ["y", "present"],
                                             [TestModels.intAttribute("num_heads", 4)]),
                                        inputs: [ShapeTest.input("x", .float, ["batch", "seq", "32"]),
                                                 ShapeTest.input("w", .float, ["32", "96"]), ShapeTest.input("b", .float, ["96"]),
                                                 ShapeTest.input("past", .float, ["2", "batch", "4", "past", "8"])])
        XCTAssertEqual(results[0].dims, ["batch", "seq", "32"])
        XCTAssertEqual(results[1].dims, ["2", "batch", "4", "past + seq", "8"])
    }

    func testQAttentionIsFloatWithVHiddenFromQkvHiddenSizes() {
        let results = ShapeTest.outputs(node("QAttention", ["x", "w", "b", "xs", "ws"], ["y"],
                                             [TestModels.intAttribute("num_heads", 2), TestModels.intsAttribute("qkv_hidden_sizes", [8, 8, 4])]),
                                        inputs: [ShapeTest.input("x", .uint8, ["batch", "seq", "16"]),
                                                 ShapeTest.input("w", .int8, ["16", "20"]), ShapeTest.input("b", .float, ["20"]),
                                                 ShapeTest.input("xs", .float, []), ShapeTest.input("ws", .float, [])])
        XCTAssertEqual(results[0].type, .float)
        XCTAssertEqual(results[0].dims, ["batch", "seq", "4"])
    }
}
