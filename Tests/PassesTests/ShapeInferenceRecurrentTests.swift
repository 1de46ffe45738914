import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceRecurrentTests: XCTestCase {
    private func recurrent(_ op: String, x: ShapeTest.Dims, w: ShapeTest.Dims?, r: ShapeTest.Dims?, outputs: [String],
                           opset: Int64 = 14, _ attributes: [AttributeProto] = []) -> [ShapeTest.Output] {
        ShapeTest.outputs(TestModels.node(op, ["x", "w", "r"], outputs, attributes: attributes),
                          inputs: [ShapeTest.input("x", .float, x), ShapeTest.input("w", .float, w), ShapeTest.input("r", .float, r)],
                          opset: opset)
    }

    func testLSTMOutputsWithSymbolicSequenceAndBatch() {
        let results = recurrent("LSTM", x: ["seq", "batch", "10"], w: ["1", "80", "10"], r: ["1", "80", "20"],
                                outputs: ["y", "y_h", "y_c"], [TestModels.intAttribute("hidden_size", 20)])
        XCTAssertEqual(results[0].type, .float)
        XCTAssertEqual(results[0].dims, ["seq", "1", "batch", "20"])
        XCTAssertEqual(results[1].dims, ["1", "batch", "20"])
        XCTAssertEqual(results[2].dims, ["1", "batch", "20"])
    }

    func testBidirectionalGRUTakesHiddenSizeFromR() {
        // onnx.shape_inference leaves hidden unknown here; R's last dim is the hidden size.
        let results = recurrent("GRU", x: ["seq", "batch", "8"], w: ["2", "48", "8"], r: ["2", "48", "16"], outputs: ["y", "y_h"],
                                [TestModels.stringAttribute("direction", "bidirectional")])
        XCTAssertEqual(results[0].dims, ["seq", "2", "batch", "16"])
        XCTAssertEqual(results[1].dims, ["2", "batch", "16"])
    }

    func testHiddenSizeFromWWhenROnlyHasUnknownShape() {
        let results = recurrent("LSTM", x: ["seq", "batch", "8"], w: ["1", "60", "8"], r: nil, outputs: ["y"])
        XCTAssertEqual(results[0].dims, ["seq", "1", "batch", "15"])
    }

    func testLayoutOnePutsBatchFirstFromOpset14() {
        let attributes = [TestModels.intAttribute("layout", 1), TestModels.intAttribute("hidden_size", 16)]
        let batchFirst = recurrent("RNN", x: ["batch", "seq", "8"], w: ["1", "16", "8"], r: ["1", "16", "16"], outputs: ["y", "y_h"],
                                   attributes)
        XCTAssertEqual(batchFirst[0].dims, ["batch", "seq", "1", "16"])
        XCTAssertEqual(batchFirst[1].dims, ["batch", "1", "16"])
        // Before 14 there is no layout: X is [seq, batch, input] whatever the attribute says.
        let legacy = recurrent("RNN", x: ["batch", "seq", "8"], w: ["1", "16", "8"], r: ["1", "16", "16"], outputs: ["y", "y_h"],
                               opset: 13, attributes)
        XCTAssertEqual(legacy[0].dims, ["batch", "1", "seq", "16"])
        XCTAssertEqual(legacy[1].dims, ["1", "seq", "16"])
    }

    func testOnlyRequestedOutputsAreSet() {
        let results = recurrent("LSTM", x: ["seq", "batch", "8"], w: ["1", "64", "8"], r: ["1", "64", "16"], outputs: ["", "y_h"])
        XCTAssertEqual(results[1].dims, ["1", "batch", "16"])
    }

    func testContradictionsAreRejected() {
        func warnings(w: ShapeTest.Dims, _ attributes: [AttributeProto], x: ShapeTest.Dims = ["seq", "batch", "8"]) -> Int {
            ShapeTest.warnings(TestModels.node("GRU", ["x", "w", "r"], ["y"], attributes: attributes),
                               inputs: [ShapeTest.input("x", .float, x), ShapeTest.input("w", .float, w),
                                        ShapeTest.input("r", .float, ["1", "48", "16"])]).count
        }
        XCTAssertEqual(warnings(w: ["1", "48", "8"], [TestModels.stringAttribute("direction", "bidirectional")]), 1)
        XCTAssertEqual(warnings(w: ["1", "48", "8"], [TestModels.intAttribute("hidden_size", 32)]), 1)
        XCTAssertEqual(warnings(w: ["1", "48", "8"], [], x: ["seq", "8"]), 1)
        XCTAssertEqual(warnings(w: ["1", "48", "8"], []), 0)
    }
}
