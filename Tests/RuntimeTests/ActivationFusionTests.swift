import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// A Relu or Clip folded into the Conv before it must give the same outputs as running it,
/// and an observed run must still see the Conv's un-clamped output.
final class ActivationFusionTests: XCTestCase {
    /// Conv (1→2 channels, 3×3, pad 1) on a 5×5 ramp, then `activation`.
    func model(_ activation: NodeProto, extra: [TensorProto] = []) -> Model {
        var graph = GraphProto()
        let weights = (0..<18).map { Float($0 % 7) - 3 }
        graph.initializer = [TestModels.floatTensor("w", dims: [2, 1, 3, 3], values: weights),
                             TestModels.floatTensor("b", dims: [2], values: [0.5, -1])] + extra
        graph.node = [TestModels.node("Conv", ["x", "w", "b"], ["c"], attributes: [TestModels.intsAttribute("pads", [1, 1, 1, 1])]),
                      activation]
        graph.input = [TestModels.value("x")]
        graph.output = [TestModels.value("y")]
        return Model(TestModels.model(graph, opset: 13))
    }

    var input: Tensor { Tensor((0..<25).map { Float($0) / 4 - 3 }, shape: [1, 1, 5, 5]) }

    func check(_ model: Model, file: StaticString = #filePath, line: UInt = #line) throws {
        let interpreter = try Interpreter(model: model, options: InterpreterOptions(threads: 2))
        XCTAssertTrue(interpreter.main.steps[0].fusion != nil, "the activation should be fused", file: file, line: line)
        let fused = try XCTUnwrap(interpreter.run(["x": input])["y"])
        var seen: [String: Tensor] = [:]
        let observed = try XCTUnwrap(interpreter.run(["x": input]) { name, tensor in seen[name] = tensor }["y"])
        XCTAssertEqual(fused.scalars(Float.self), observed.scalars(Float.self), file: file, line: line)
        let convOutput = try XCTUnwrap(seen["c"], "the observer must see the Conv output", file: file, line: line)
        XCTAssertTrue(convOutput.scalars(Float.self).contains { $0 < 0 }, "the observed Conv output is un-clamped", file: file, line: line)
    }

    func testReluIsFused() throws {
        try check(model(TestModels.node("Relu", ["c"], ["y"])))
    }

    func testClipWithConstantBoundsIsFused() throws {
        let bounds = [TestModels.floatTensor("lo", dims: [], values: [-1]), TestModels.floatTensor("hi", dims: [], values: [6])]
        try check(model(TestModels.node("Clip", ["c", "lo", "hi"], ["y"]), extra: bounds))
    }

    func testActivationReadingAGraphOutputIsNotFused() throws {
        var proto = model(TestModels.node("Relu", ["c"], ["y"])).toProto()
        proto.graph!.output.append(TestModels.value("c"))
        let interpreter = try Interpreter(model: Model(proto))
        XCTAssertNil(interpreter.main.steps[0].fusion)
    }
}
