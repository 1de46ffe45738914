import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// The unpadded 2-D MaxPool loop against the general window loop (taken when Indices are asked for).
final class PoolingTests: XCTestCase {
    func maxPool(_ x: Tensor, kernel: [Int], strides: [Int], withIndices: Bool) throws -> Tensor {
        var graph = GraphProto()
        graph.node = [TestModels.node("MaxPool", ["x"], withIndices ? ["y", "i"] : ["y"],
                                      attributes: [TestModels.intsAttribute("kernel_shape", kernel),
                                                   TestModels.intsAttribute("strides", strides)])]
        graph.input = [TestModels.value("x")]
        graph.output = [TestModels.value("y")] + (withIndices ? [TestModels.value("i", .int64)] : [])
        let interpreter = try Interpreter(model: Model(TestModels.model(graph, opset: 12)), options: InterpreterOptions(threads: 2))
        return try XCTUnwrap(interpreter.run(["x": x])["y"])
    }

    func testFastMaxPoolMatchesTheGeneralLoop() throws {
        // 700 columns take the C kernel through more than one chunk of its column buffer.
        for (size, kernel, stride) in [(16, 2, 2), (9, 3, 2), (7, 3, 1), (12, 2, 3), (700, 2, 2), (300, 5, 1)] {
            var values = (0..<(3 * size * size)).map { Float(sin(Double($0) * 1.7)) }
            values[size + 1] = .nan
            let x = Tensor(values, shape: [1, 3, size, size])
            let fast = try maxPool(x, kernel: [kernel, kernel], strides: [stride, stride], withIndices: false)
            let general = try maxPool(x, kernel: [kernel, kernel], strides: [stride, stride], withIndices: true)
            XCTAssertEqual(fast.shape, general.shape)
            // NaN wins its windows in both loops; compare bit patterns so NaN equals NaN.
            XCTAssertEqual(fast.scalars(Float.self).map(\.bitPattern), general.scalars(Float.self).map(\.bitPattern),
                           "size \(size) kernel \(kernel) stride \(stride)")
            XCTAssertTrue(fast.scalars(Float.self).contains { $0.isNaN })
        }
    }
}
