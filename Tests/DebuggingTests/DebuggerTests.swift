import Foundation
import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Debugging

/// A hand-built QDQ model in onnxruntime's layout but with names that follow no suffix rule:
/// pairing by graph structure, the streaming figures against a scalar oracle, the partially
/// quantized variants, and the sensitivity pass's downstream models.
final class DebuggerTests: XCTestCase {
    private typealias T = TestModels
    private static let weights: [Float] = [0.5, -1, 0.25, 2, 1.5, -0.75, 0.3, 0.9, -2, 1, 0.1, -0.4]
    private static let xScale: Float = 0.02, mScale: Float = 0.05, wScale: Float = 2.0 / 127

    /// x[2,4] → MatMul(W[4,3]) "matmul" → m → Relu "relu" → y.
    private func floatModel() -> ModelProto {
        T.model(T.graph([T.node("MatMul", ["x", "W"], ["m"], name: "matmul"), T.node("Relu", ["m"], ["y"], name: "relu")],
                        inputs: [T.value("x", .float, [.value(2), .value(4)])], outputs: [T.value("y")],
                        initializers: [T.floatTensor("W", dims: [4, 3], values: Self.weights)]))
    }

    private func scalar(_ name: String, _ value: Float) -> TensorProto { Tensor([value], shape: []).toProto(name: name) }
    private func zero(_ name: String) -> TensorProto { Tensor([Int8(0)], shape: []).toProto(name: name) }

    /// The same with Q/DQ on x and m and an int8 W: tensor names a, b, c... carry no suffix.
    private func qdqModel() -> ModelProto {
        let q = Self.weights.map { Int8(($0 / Self.wScale).rounded(.toNearestOrEven)) }
        let nodes = [T.node("QuantizeLinear", ["x", "sx", "z"], ["a"], name: "q1"), T.node("DequantizeLinear", ["a", "sx", "z"], ["b"], name: "d1"),
                     T.node("DequantizeLinear", ["Wq", "sw", "z"], ["c"], name: "d2"),
                     T.node("MatMul", ["b", "c"], ["m"], name: "matmul"),
                     T.node("QuantizeLinear", ["m", "sm", "z"], ["e"], name: "q3"), T.node("DequantizeLinear", ["e", "sm", "z"], ["f"], name: "d3"),
                     T.node("Relu", ["f"], ["y"], name: "relu")]
        return T.model(T.graph(nodes, inputs: [T.value("x", .float, [.value(2), .value(4)])], outputs: [T.value("y")],
                               initializers: [Tensor(q, shape: [4, 3]).toProto(name: "Wq"), scalar("sx", Self.xScale),
                                              scalar("sw", Self.wScale), scalar("sm", Self.mScale), zero("z")]))
    }

    private let samples: [[Float]] = [[0.3, -1.2, 0.75, 2.1, -0.4, 0.05, 1.9, -2.3], [1.1, 0.2, -0.6, 0.9, 0.33, -1.7, 0.8, 2.4]]

    /// Writes both models and a two-sample dataset; returns the debugger's report.
    private func debug(sensitivitySamples: Int = 2, target: Double? = nil) throws -> DebugReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qtool-debug-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/data/x", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ModelFile.save(floatModel(), to: folder + "/float.onnx")
        try ModelFile.save(qdqModel(), to: folder + "/qdq.onnx")
        for (i, values) in samples.enumerated() {
            try FileWriter.writeAtomically(try Npy.encode(Tensor(values, shape: [2, 4])), to: folder + "/data/x/s\(i).npy")
        }
        var configuration = QuantizationDebugger.Configuration(floatModel: folder + "/float.onnx", quantizedModel: folder + "/qdq.onnx",
                                                               dataset: folder + "/data")
        configuration.sensitivitySamples = sensitivitySamples
        configuration.targetSQNR = target
        configuration.threads = 1
        return try QuantizationDebugger(configuration).run()
    }

    private func quantizeDequantize(_ value: Float, _ scale: Float) -> Float {
        Float(min(max((value / scale).rounded(.toNearestOrEven), -128), 127)) * scale
    }

    func testPairsByGraphStructureNotNames() throws {
        let pairing = try TensorPairing(float: Model(floatModel()), quantized: Model(qdqModel()))
        XCTAssertEqual(pairing.source, .graphStructure)
        XCTAssertEqual(pairing.activations.map(\.name), ["x", "m"])
        XCTAssertEqual(pairing.activations.map(\.dequantized), ["b", "f"])
        XCTAssertEqual(pairing.activations.map(\.quantizeInput), ["x", "m"])
        XCTAssertEqual(pairing.activations.map(\.op), ["input", "MatMul"])
        XCTAssertEqual(pairing.weights.map(\.name), ["W"])
        XCTAssertEqual(pairing.weights.first?.dequantized, "c")
    }

    func testInputSQNRMatchesAScalarOracleOverBothSamples() throws {
        let report = try debug(sensitivitySamples: 0)
        let x = try XCTUnwrap(report.activations.first { $0.pair.name == "x" })
        let all = samples.flatMap { $0 }
        let signal = all.map { Double($0) * Double($0) }.reduce(0, +)
        let noise = all.map { Double($0) - Double(quantizeDequantize($0, Self.xScale)) }.map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(x.againstFloat.sqnrDB, 10 * log10(signal / noise), accuracy: 1e-9)
        // The float input is the Q input: both figures are the pair's own error.
        XCTAssertEqual(x.quantizeDequantize?.sqnrDB ?? .nan, x.againstFloat.sqnrDB, accuracy: 1e-12)
        XCTAssertEqual(x.againstFloat.count, 16)
        let m = try XCTUnwrap(report.activations.first { $0.pair.name == "m" })
        // m in the quantized model already carries the error of x and W: worse than its pair alone.
        XCTAssertLessThan(m.againstFloat.sqnrDB, try XCTUnwrap(m.quantizeDequantize).sqnrDB)
        XCTAssertEqual(report.outputs.map(\.name), ["y"])
        XCTAssertNil(report.sensitivity)
    }

    func testWeightFiguresPerTensorAndWorstChannel() throws {
        let weight = try XCTUnwrap(try debug(sensitivitySamples: 0).weights.first)
        XCTAssertEqual(weight.name, "W")
        XCTAssertFalse(weight.perChannel)
        XCTAssertEqual(weight.axis, 0)
        let dequantized = Self.weights.map { quantizeDequantize($0, Self.wScale) }
        let rows = (0..<4).map { row -> Double in
            let range = (row * 3)..<(row * 3 + 3)
            let signal = range.map { Double(Self.weights[$0]) * Double(Self.weights[$0]) }.reduce(0, +)
            let noise = range.map { Double(Self.weights[$0]) - Double(dequantized[$0]) }.map { $0 * $0 }.reduce(0, +)
            return 10 * log10(signal / noise)
        }
        let worst = try XCTUnwrap(rows.indices.min { rows[$0] < rows[$1] })
        XCTAssertEqual(weight.worstChannel, worst)
        XCTAssertEqual(weight.worstChannelStatistics?.sqnrDB ?? .nan, rows[worst], accuracy: 1e-9)
    }

    func testPartialModelsKeepOnlyTheChosenNodesQuantized() throws {
        let quantized = Model(qdqModel())
        let pairing = try TensorPairing(float: Model(floatModel()), quantized: quantized)
        let partial = PartialQuantization(quantized: quantized, pairing: pairing)
        XCTAssertEqual(partial.quantizedNodes, ["matmul", "relu"])
        let none = partial.model(keeping: [])
        XCTAssertEqual(none.graph.nodes.map(\.opType), ["MatMul", "Relu"])
        let feeds = ["x": Tensor(samples[0], shape: [2, 4])]
        let floatOutput = try Interpreter(model: Model(floatModel())).run(feeds)["y"]!.scalars(Float.self)
        XCTAssertEqual(try Interpreter(model: none).run(feeds)["y"]!.scalars(Float.self), floatOutput)
        XCTAssertEqual(partial.model(keeping: ["relu"]).graph.nodes.map(\.opType), ["MatMul", "QuantizeLinear", "DequantizeLinear", "Relu"])
        let matmulOnly = partial.model(keeping: ["matmul"]).graph.nodes.map(\.opType)
        XCTAssertEqual(matmulOnly.filter { $0 == "DequantizeLinear" }.count, 3, "x, W and the MatMul's output")
        let downstream = try XCTUnwrap(try DownstreamModel(partial.model(keeping: ["relu"]), node: "relu", threads: 1))
        XCTAssertEqual(downstream.boundary, ["m"])
        XCTAssertEqual(downstream.nodeCount, 3)
    }

    func testSensitivityRanksNodesAndTheExclusionListIsMeasured() throws {
        let report = try debug(target: 200)
        let sensitivity = try XCTUnwrap(report.sensitivity)
        XCTAssertEqual(Set(sensitivity.nodes.map(\.node)), ["matmul", "relu"])
        XCTAssertLessThanOrEqual(sensitivity.nodes[0].sqnrDB, sensitivity.nodes[1].sqnrDB)
        XCTAssertEqual(sensitivity.partialRuns, 4)
        // Every node alone costs less than all together.
        XCTAssertTrue(sensitivity.nodes.allSatisfy { $0.sqnrDB >= report.outputSQNR - 1e-9 })
        let plan = try XCTUnwrap(sensitivity.exclusion)
        XCTAssertEqual(plan.allQuantizedDB, report.outputSQNR, accuracy: 1e-9)
        // Only everything in float reaches 200 dB: the float variant equals the float model exactly.
        XCTAssertEqual(plan.nodes.count, 2)
        XCTAssertTrue(plan.reached)
        let easy = try XCTUnwrap(try debug(target: 0).sensitivity?.exclusion)
        XCTAssertEqual(easy.nodes, [])
    }
}
