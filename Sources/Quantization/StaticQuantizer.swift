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
        let threads = configuration.threads ?? InterpreterOptions().threads
        let session = try CalibrationSession(tensors: tensors, options: configuration.calibration, threads: threads)
        if session.mergesAcrossSamples && threads > 1 && dataset.count > 1 {
            try calibrateAcrossSamples(model, dataset: dataset, into: session, workers: min(threads, dataset.count))
        } else {
            let interpreter = try Interpreter(model: model, options: InterpreterOptions(threads: threads))
            for index in 0..<dataset.count {
                try calibrate(sample: index, of: dataset, on: interpreter, into: session)
                configuration.progress?(index + 1, dataset.count)
            }
        }
        report.samples = dataset.count
        for (name, count) in session.skippedNonFinite().sorted(by: { $0.key < $1.key }) where count > 0 {
            report.warnings.append("tensor '\(name)': \(count) NaN/Inf values left out of its range")
        }
        var ranges = session.ranges()
        if session.options.method == .mse { keepExtremes(of: Self.boundaryTensors(model), in: &ranges, session: session) }
        return ranges
    }

    /// The main graph's inputs and outputs.
    static func boundaryTensors(_ model: Model) -> Set<String> {
        Set((model.graph.inputs + model.graph.outputs).compactMap(\.name))
    }

    /// MSE trades clipping for resolution tensor by tensor, which pays inside the model but not
    /// at its boundary: an input is data the caller already scaled (image pixels at exactly ±1),
    /// so clipping it loses information before any layer, and an output's reader acts on its
    /// largest values (logits, scores). Those tensors keep their observed extremes (MinMax),
    /// made symmetric when asked. On the digits CNN: output SQNR 32.3 dB → 32.7 dB.
    private func keepExtremes(of names: Set<String>, in ranges: inout [String: TensorRange], session: CalibrationSession) {
        let statistics = session.statistics()
        for name in names {
            guard ranges[name] != nil, let low = statistics[name]?.min, let high = statistics[name]?.max else { continue }
            if session.options.isSymmetric {
                let magnitude = max(low.magnitude, high.magnitude)
                ranges[name] = TensorRange(min: -magnitude, max: magnitude)
            } else {
                ranges[name] = TensorRange(min: low, max: high)
            }
        }
    }

    private func calibrate(sample index: Int, of dataset: CalibrationDataset, on interpreter: Interpreter,
                           into session: CalibrationSession) throws {
        let sample = try dataset.loadSample(index)
        if let warning = sample.nonFiniteWarning { configuration.notice?(warning) }
        _ = try interpreter.run(sample.tensors, observer: session.observer)
        session.endSample()
    }

    /// Plain MinMax keeps only extremes, which do not depend on the order of the samples: each
    /// worker takes every n-th sample on an interpreter of its own, one thread per run, and the
    /// sessions are merged. A model run of a small model splits poorly across cores (MiniLM:
    /// 1.3× on two); whole samples in parallel split evenly.
    private func calibrateAcrossSamples(_ model: Model, dataset: CalibrationDataset, into session: CalibrationSession,
                                        workers: Int) throws {
        let interpreters = try (0..<workers).map { _ in try Interpreter(model: model, options: InterpreterOptions(threads: 1)) }
        let sessions = try (0..<workers).map { _ in
            try CalibrationSession(tensors: session.tensorNames, options: session.options, threads: 1)
        }
        let lock = NSLock()
        var done = 0
        // The failing sample reported is the first in order, as without workers: a worker goes
        // on past another's failure only while its samples come before it.
        var failure: (index: Int, error: Error)?
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: dataset.count, by: workers) {
                if lock.withLock({ failure.map { $0.index < index } ?? false }) { return }
                do {
                    try calibrate(sample: index, of: dataset, on: interpreters[worker], into: sessions[worker])
                } catch {
                    lock.withLock { if failure.map({ index < $0.index }) ?? true { failure = (index, error) } }
                    return
                }
                lock.withLock {
                    done += 1
                    configuration.progress?(done, dataset.count)
                }
            }
        }
        if let failure { throw failure.error }
        for worker in sessions { session.absorb(worker) }
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

