import Foundation
import ONNXModel
import Passes
import Quantization
import Runtime

/// Everything `qtool debug` found, for the text, JSON and HTML renderers.
public struct DebugReport {
    public var floatModel: String
    public var quantizedModel: String
    public var samples: Int
    public var pairing: TensorPairing.Source
    /// In the float model's graph order.
    public var activations: [ActivationResult]
    public var weights: [WeightResult]
    /// The float model's float outputs, against the quantized model's.
    public var outputs: [(name: String, statistics: ErrorStatistics)]
    public var sensitivity: SensitivityResult?
    public var notes: [String]
    public var milliseconds: Double

    /// The worst output SQNR: what `--fail-below` checks.
    public var outputSQNR: Double { outputs.map(\.statistics.sqnrDB).min() ?? .infinity }
}

/// Compares a float model with its quantized form on calibration samples: activations and
/// weights tensor by tensor, and which nodes cost the outputs most.
public struct QuantizationDebugger {
    public struct Configuration {
        public var floatModel: String
        public var quantizedModel: String
        public var dataset: String
        public var maxSamples: Int?
        /// Samples the sensitivity pass runs on (0: no sensitivity pass).
        public var sensitivitySamples = 4
        public var targetSQNR: Double?
        public var threads: Int?
        /// Notes on the phases (sensitivity, timings).
        public var progress: ((String) -> Void)?
        /// Called after each sample of the activation pass with (done, total).
        public var sampleProgress: ((Int, Int) -> Void)?

        public init(floatModel: String, quantizedModel: String, dataset: String) {
            self.floatModel = floatModel
            self.quantizedModel = quantizedModel
            self.dataset = dataset
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run() throws -> DebugReport {
        let start = monotonicMilliseconds()
        let float = try ModelAdmission.load(configuration.floatModel)
        let quantized = try ModelAdmission.load(configuration.quantizedModel)
        let pairing = try TensorPairing(float: float, quantized: quantized)
        guard !pairing.activations.isEmpty || !pairing.weights.isEmpty else {
            throw DebugError("\(configuration.quantizedModel): no quantized tensor pairs with a tensor of \(configuration.floatModel) "
                             + "(by \(pairing.source.rawValue))")
        }
        let dataset = try CalibrationDataset(directory: configuration.dataset, inputs: try GraphInputSpec.inputs(of: float.graph),
                                             maxSamples: configuration.maxSamples)
        let options = InterpreterOptions(threads: configuration.threads)
        let floatInterpreter = try Interpreter(model: float, options: options)
        let comparison = ActivationComparison(pairs: pairing.activations, floatModel: floatInterpreter,
                                              quantizedModel: try Interpreter(model: quantized, options: options))
        var sensitivitySamples: [[String: Tensor]] = []
        for index in 0..<dataset.count {
            let feeds = try dataset.sample(index)
            try comparison.add(feeds)
            configuration.sampleProgress?(index + 1, dataset.count)
            // Only these few are held across samples, for the sensitivity pass's runs.
            if index < configuration.sensitivitySamples { sensitivitySamples.append(feeds) }
        }
        var notes = dataset.warnings + notesOnPairing(pairing, comparison)
        var weights: [WeightResult] = []
        for weight in pairing.weights {
            do { weights.append(try WeightResult(weight)) } catch { notes.append("\(error)") }
        }
        let sensitivity = try sensitivityPass(quantized, pairing: pairing, floatInterpreter: floatInterpreter,
                                              samples: sensitivitySamples, notes: &notes)
        return DebugReport(floatModel: configuration.floatModel, quantizedModel: configuration.quantizedModel, samples: dataset.count,
                           pairing: pairing.source, activations: comparison.results.filter { $0.againstFloat.count > 0 },
                           weights: weights,
                           outputs: comparison.outputNames.compactMap { name in
                               // Integer outputs (ids, masks passed through) have no SQNR.
                               comparison.outputs[name].flatMap { $0.count > 0 ? (name, $0) : nil }
                           },
                           sensitivity: sensitivity, notes: notes, milliseconds: monotonicMilliseconds() - start)
    }

    private func notesOnPairing(_ pairing: TensorPairing, _ comparison: ActivationComparison) -> [String] {
        var notes: [String] = []
        if !pairing.unpaired.isEmpty {
            notes.append("\(pairing.unpaired.count) quantized tensor(s) have no counterpart in the float model, e.g. '\(pairing.unpaired[0])'")
        }
        let unseen = comparison.results.filter { $0.againstFloat.count == 0 }.map(\.pair.name)
        if !unseen.isEmpty { notes.append("\(unseen.count) paired tensor(s) were never computed on both sides, e.g. '\(unseen[0])'") }
        for (name, shapes) in comparison.mismatches.sorted(by: { $0.key < $1.key }) {
            notes.append("'\(name)': the two models' tensors differ in size (\(shapes)); not compared")
        }
        return notes
    }

    private func sensitivityPass(_ quantized: Model, pairing: TensorPairing, floatInterpreter: Interpreter,
                                 samples: [[String: Tensor]], notes: inout [String]) throws -> SensitivityResult? {
        guard !samples.isEmpty else { return nil }
        guard !quantized.graph.nodes.contains(where: { $0.opType.hasPrefix("QLinear") || $0.opType == "QGemm" }) else {
            notes.append("sensitivity needs the QDQ form: the quantized model has integer operators")
            return nil
        }
        configuration.progress?("sensitivity on \(samples.count) sample(s)")
        let partial = PartialQuantization(quantized: quantized, pairing: pairing)
        return try SensitivityAnalysis(partial: partial, floatModel: floatInterpreter, threads: floatInterpreter.options.threads)
            .run(samples: samples, target: configuration.targetSQNR)
    }
}
