import Foundation
import ONNXModel
import Passes
import Runtime

/// `quantize-static` end to end: normalize the model when it was not preprocessed, plan what
/// to quantize, calibrate the planned tensors on the interpreter in one streaming pass over the
/// samples (or read the ranges from a cache), rewrite, and raise the opset as the Q/DQ forms
/// require.
public struct StaticQuantizer {
    public struct Configuration {
        public var options = QuantizationOptions()
        public var calibration = CalibrationOptions()
        public var dataset: String?
        public var maxSamples: Int?
        public var threads: Int?
        /// Ranges read from here when the file exists (no calibration), else written to it.
        public var calibrationCache: String?
        /// Called after each calibration sample with (done, total).
        public var progress: ((Int, Int) -> Void)?
        /// One line per note worth a user's attention (preprocessing applied, NaN skipped...).
        public var notice: ((String) -> Void)?

        public init() {}
    }

    public struct Report {
        public var samples = 0
        public var calibratedTensors = 0
        public var quantizedTensors = 0
        public var nodesBefore = 0
        public var nodesAfter = 0
        public var opset = 0
        public var calibrationMilliseconds = 0.0
        public var warnings: [String] = []
        public var ranges: [String: TensorRange] = [:]
        public var tensorMap: [String: TensorMap.Entry] = [:]
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func quantize(_ model: Model) throws -> Report {
        var report = Report()
        report.nodesBefore = model.graph.nodes.count
        try normalize(model)
        var options = configuration.options
        options.opset = Int(model.opsetVersion(for: "") ?? 13)
        let plan = QDQPlanner.plan(model, options: options)
        let ranges = try collectRanges(model, tensors: plan.calibratedTensors, report: &report)
        let tensorMap = TensorMap()
        try QDQRewriter(model: model, options: options, ranges: ranges, tensorMap: tensorMap).apply(plan)
        report.opset = try raiseOpset(model, options: options, perChannel: tensorMap.entries.values.contains { $0.axis != nil })
        if options.format == .qoperator { try QOperatorConversion.convert(model, tensorMap: tensorMap) }
        model.setMetadata(TensorMap.metadataKey, try tensorMap.json())
        report.quantizedTensors = tensorMap.entries.count
        report.tensorMap = tensorMap.entries
        report.ranges = ranges
        report.nodesAfter = model.graph.nodes.count
        return report
    }

    /// Quantization reads element types from value_info and weights from initializers: a
    /// model not preprocessed by qtool gets the same treatment first (weights held in
    /// Constant nodes would otherwise be quantized as activations, per tensor).
    private func normalize(_ model: Model) throws {
        if model.metadata("onnx.quant.pre_process") != "qtool" {
            configuration.notice?("the model was not preprocessed by qtool: inferring shapes and normalizing the graph first")
            try ShapeInference().runRefusingContradictions(on: model)
            try PassManager(OptimizationPasses.standard()).run(on: model)
        }
        ShapeInference().run(on: model)
    }

    // MARK: Calibration

    private func collectRanges(_ model: Model, tensors: [String], report: inout Report) throws -> [String: TensorRange] {
        report.calibratedTensors = tensors.count
        if let cache = configuration.calibrationCache, FilePath.exists(cache) {
            let cached = try CalibrationCache.read(cache)
            let missing = tensors.filter { cached[$0] == nil }
            guard missing.isEmpty else {
                throw QuantizeFailure("\(cache): no range for \(missing.count) tensor(s) the plan quantizes, e.g. '\(missing[0])'")
            }
            return cached
        }
        guard let directory = configuration.dataset else {
            throw QuantizeFailure("--calibrate-dataset is required (or a --calibration-cache file to read)")
        }
        let start = monotonicMilliseconds()
        let ranges = try calibrate(model, tensors: tensors, directory: directory, report: &report)
        report.calibrationMilliseconds = monotonicMilliseconds() - start
        if let cache = configuration.calibrationCache { try CalibrationCache.write(ranges, to: cache) }
        return ranges
    }

    private func calibrate(_ model: Model, tensors: [String], directory: String,
                           report: inout Report) throws -> [String: TensorRange] {
        let dataset = try CalibrationDataset(directory: directory, inputs: try GraphInputSpec.inputs(of: model.graph),
                                             maxSamples: configuration.maxSamples)
        for warning in dataset.warnings { configuration.notice?(warning) }
        let interpreter = try Interpreter(model: model, options: InterpreterOptions(threads: configuration.threads))
        let session = try CalibrationSession(tensors: tensors, options: configuration.calibration, threads: configuration.threads)
        for index in 0..<dataset.count {
            let sample = try dataset.loadSample(index)
            if let warning = sample.nonFiniteWarning { configuration.notice?(warning) }
            _ = try interpreter.run(sample.tensors, observer: session.observer)
            session.endSample()
            configuration.progress?(index + 1, dataset.count)
        }
        report.samples = dataset.count
        for (name, count) in session.skippedNonFinite().sorted(by: { $0.key < $1.key }) where count > 0 {
            report.warnings.append("tensor '\(name)': \(count) NaN/Inf values left out of its range")
        }
        return session.ranges()
    }

    // MARK: Opset

    /// Per-axis DequantizeLinear needs opset 13, 16-bit and 4-bit types 21.
    private func raiseOpset(_ model: Model, options: QuantizationOptions, perChannel: Bool) throws -> Int {
        var required = perChannel ? 13 : 10
        let wide: Set<QuantType> = [.qint16, .quint16, .qint4, .quint4]
        if wide.contains(options.activationType) || wide.contains(options.weightType)
            || options.overrides.values.contains(where: { $0.type.flatMap { try? QuantType(option: $0) }.map(wide.contains) ?? false }) {
            required = 21
        }
        return try OpsetRequirement.raise(model, to: required)
    }
}

