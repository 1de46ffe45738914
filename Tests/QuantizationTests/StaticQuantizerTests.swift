import Foundation
import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// `StaticQuantizer` end to end on tiny models, calibrated on an npy folder written at test
/// time: opset raising, the calibration cache, deterministic bytes, models not preprocessed.
final class StaticQuantizerTests: XCTestCase {
    private typealias N = TestModels
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory("qtool-static") }
    override func tearDown() { folder = nil }

    private struct Result {
        let model: Model
        let report: StaticQuantizer.Report
        var bytes: [UInt8] { model.toProto().serializedBytes() }
    }

    /// `<dataset>/x/sample_<i>.npy`, three seeded samples of `shape`.
    private func dataset(_ shape: [Int] = [1, 2, 5, 5]) throws -> String {
        let root = folder.file("calibration")
        try FileManager.default.createDirectory(atPath: root + "/x", withIntermediateDirectories: true)
        for index in 0..<3 {
            let sample = RewriteModels.randomInput(shape, seed: 100 + UInt64(index))
            try TestFiles.write(try Npy.encode(sample), to: root + "/x/sample_\(index).npy")
        }
        return root
    }

    /// Quantizes `proto` calibrated on `dataset()` unless `configure` says otherwise.
    private func quantize(_ proto: ModelProto,
                          _ configure: (inout StaticQuantizer.Configuration) -> Void = { _ in }) throws -> Result {
        var configuration = StaticQuantizer.Configuration()
        configuration.dataset = try dataset()
        configuration.threads = 1
        configure(&configuration)
        let model = Model(proto)
        let report = try StaticQuantizer(configuration).quantize(model)
        return Result(model: model, report: report)
    }

    private func weightAxis(_ model: Model) -> Int64? {
        model.graph.producer(of: "w_DequantizeLinear_Output")?.attribute("axis")?.int
    }

    // MARK: Opset

    func testPerChannelRaisesOpset11To13() throws {
        let result = try quantize(RewriteModels.convRelu(opset: 11))
        XCTAssertEqual(result.report.opset, 13)
        XCTAssertEqual(result.model.opsetVersion(for: ""), 13)
        XCTAssertEqual(weightAxis(result.model), 0)
        XCTAssertEqual(result.report.samples, 3)
    }

    func testPerTensorKeepsOpset11() throws {
        let result = try quantize(RewriteModels.convRelu(opset: 11)) { $0.options.perChannel = false }
        XCTAssertEqual(result.model.opsetVersion(for: ""), 11)
        XCTAssertNotNil(result.model.graph.producer(of: "w_DequantizeLinear_Output"))
        XCTAssertNil(weightAxis(result.model))
    }

    func testQint16ActivationsRaiseTheOpsetTo21() throws {
        let result = try quantize(RewriteModels.convRelu()) { $0.options.activationType = .qint16 }
        XCTAssertEqual(result.report.opset, 21)
        XCTAssertEqual(result.model.opsetVersion(for: ""), 21)
        XCTAssertEqual(result.model.graph.initializer(named: "x_zero_point")?.dataType, DataType.int16.rawValue)
    }

    func testQOperatorFormatEndsInIntegerOps() throws {
        let result = try quantize(RewriteModels.convRelu()) { $0.options.format = .qoperator }
        XCTAssertEqual(result.model.graph.opTypes, ["QuantizeLinear", "QLinearConv", "DequantizeLinear"])
    }

    // MARK: Calibration cache

    func testCalibrationCacheIsWrittenThenReused() throws {
        let cache = folder.file("ranges.json")
        let calibrated = try quantize(RewriteModels.convRelu()) { $0.calibrationCache = cache }
        let ranges = try CalibrationCache.read(cache)
        XCTAssertEqual(Set(ranges.keys), ["x", "y"])
        XCTAssertEqual(ranges, calibrated.report.ranges)
        let reused = try quantize(RewriteModels.convRelu()) {
            $0.calibrationCache = cache
            $0.dataset = nil
        }
        XCTAssertEqual(reused.report.samples, 0, "no calibration ran")
        XCTAssertTrue(TestFiles.equal(reused.bytes, calibrated.bytes))
    }

    /// MSE clips inside the model only: the graph's input and output keep MinMax's extremes.
    func testMSEKeepsTheExtremesOfGraphInputsAndOutputs() throws {
        let mse = try quantize(RewriteModels.convRelu()) { $0.calibration = CalibrationOptions(method: .mse) }
        let minMax = try quantize(RewriteModels.convRelu()) { $0.calibration = CalibrationOptions(method: .minmax) }
        XCTAssertEqual(Set(mse.report.ranges.keys), ["x", "y"])
        XCTAssertEqual(mse.report.ranges, minMax.report.ranges)
    }

    func testCacheMissingATensorIsAnError() throws {
        let cache = folder.file("partial.json")
        try CalibrationCache.write(["x": TensorRange(min: -1, max: 1)], to: cache)
        assertThrows(try quantize(RewriteModels.convRelu()) { $0.calibrationCache = cache }, mentioning: [cache, "'y'"])
    }

    // MARK: Determinism and normalization

    func testSameInputAndOptionsGiveTheSameBytes() throws {
        let first = try quantize(RewriteModels.convRelu())
        let second = try quantize(RewriteModels.convRelu())
        XCTAssertTrue(TestFiles.equal(first.bytes, second.bytes))
        XCTAssertEqual(first.report.quantizedTensors, 4, "x, y, w and b")
    }

    func testConstantWeightsOfAModelNotPreprocessedBecomeInitializers() throws {
        var proto = RewriteModels.convRelu()
        let weight = try XCTUnwrap(proto.graph?.initializer.first { $0.name == "w" })
        proto.graph?.initializer.removeAll { $0.name == "w" }
        proto.graph?.node.insert(N.node("Constant", [], ["w"], attributes: [N.tensorAttribute("value", weight)]), at: 0)
        var notices: [String] = []
        let result = try quantize(proto) { $0.notice = { notices.append($0) } }
        XCTAssertTrue(result.model.graph.nodes("Constant").isEmpty)
        XCTAssertNotNil(result.model.graph.initializer(named: "w_quantized"))
        XCTAssertEqual(weightAxis(result.model), 0)
        XCTAssertTrue(notices.contains { $0.contains("not preprocessed") }, "\(notices)")
    }

    func testTensorMapIsWrittenIntoTheModel() throws {
        let result = try quantize(RewriteModels.convRelu())
        let entries = try XCTUnwrap(TensorMap.read(from: result.model))
        XCTAssertEqual(entries, result.report.tensorMap)
        XCTAssertEqual(Set(entries.keys), ["x", "y", "w", "b"])
    }
}
