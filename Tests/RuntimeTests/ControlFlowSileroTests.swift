import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// Silero VAD: every computation inside If branches, an LSTM in each, opset 16. The speech
/// probabilities are checked against the float model's, which data/silero_vad/samples.tsv
/// records to 5 decimals. With QTOOL_SILERO_REFERENCE=<dir> holding onnxruntime's outputs as
/// <model>/<output>_<sample>.npy, every output is compared and the worst errors printed.
final class ControlFlowSileroTests: XCTestCase {
    static let data = TestPaths.shared("data/silero_vad")
    /// samples.tsv rounds to 5 decimals; the rest is float rounding.
    static let probabilityTolerance = 1e-4
    /// Relative errors are reported for elements at least this large (state entries near zero
    /// would report rounding noise as large relative errors).
    static let relativeFloor: Float = 1e-3
    static let samples = ["sample_0000.npy", "sample_0001.npy", "sample_0050.npy", "sample_0120.npy", "sample_0190.npy"]

    func testSileroMatchesRecordedProbabilities() throws {
        try check(model: "silero_vad.onnx", inputs: ["input", "state", "sr"])
    }

    func testFlattenedSileroMatchesRecordedProbabilities() throws {
        try check(model: "silero_vad_openvino_16k.onnx", inputs: ["input", "state"])
    }

    private func check(model name: String, inputs: [String]) throws {
        let path = TestPaths.shared(name)
        guard TestPaths.exists(path), TestPaths.exists(Self.data + "/samples.tsv") else {
            throw XCTSkip("\(path) or its data is not available")
        }
        let recorded = try Self.recordedProbabilities()
        let interpreter = try Interpreter(model: Model(try ModelFile.load(path)))
        let reference = ProcessInfo.processInfo.environment["QTOOL_SILERO_REFERENCE"].map { $0 + "/" + name.replacingOccurrences(of: ".onnx", with: "") }
        var worst: [String: (absolute: Double, relative: Double)] = [:]
        let samples = reference.map { Self.referenceSamples(in: $0) } ?? Self.samples
        for sample in samples {
            var feeds: [String: Tensor] = [:]
            for input in inputs { feeds[input] = try Npy.read("\(Self.data)/\(input)/\(sample)") }
            let outputs = try interpreter.run(feeds)
            let probability = try XCTUnwrap(outputs["output"]).scalars(Float.self)
            let expected = try XCTUnwrap(recorded[sample], "\(sample) is not in samples.tsv")
            XCTAssertEqual(Double(probability[0]), expected, accuracy: Self.probabilityTolerance, "\(name) \(sample)")
            guard let reference else { continue }
            for (output, tensor) in outputs {
                let expected = try Npy.read("\(reference)/\(output)_\(sample)")
                XCTAssertEqual(tensor.shape, expected.shape, "\(output) of \(sample)")
                for (a, b) in zip(tensor.scalars(Float.self), expected.scalars(Float.self)) {
                    let error = Double(abs(a - b))
                    var current = worst[output] ?? (0, 0)
                    current.absolute = max(current.absolute, error)
                    if abs(b) >= Self.relativeFloor { current.relative = max(current.relative, error / Double(abs(b))) }
                    worst[output] = current
                }
            }
        }
        for (output, error) in worst.sorted(by: { $0.key < $1.key }) {
            print("\(name) vs onnxruntime, \(output) over \(samples.count) samples: max abs error \(error.absolute), max rel error \(error.relative)")
        }
    }

    /// Sample name → fp32_prob column of samples.tsv.
    static func recordedProbabilities() throws -> [String: Double] {
        let text = try String(contentsOfFile: data + "/samples.tsv", encoding: .utf8)
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t")
            if fields.count > 3, let value = Double(fields[3]) { result[String(fields[0])] = value }
        }
        return result
    }

    /// The samples a reference folder has outputs for.
    static func referenceSamples(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Set(names.filter { $0.hasPrefix("output_") }.map { String($0.dropFirst("output_".count)) }).sorted()
    }
}
