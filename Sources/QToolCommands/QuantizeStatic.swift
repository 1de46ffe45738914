import ArgumentParser
import Foundation
import ONNXModel
import Passes
import Quantization

/// `qtool quantize-static`: calibrate on the interpreter, then rewrite as QDQ (or QOperator).
struct QuantizeStatic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize-static",
        abstract: "Quantize weights and activations to integers, with activation ranges calibrated on sample data.",
        discussion: """
        The calibration folder holds <input name>/<sample>.npy folders, one .npz per sample, onnxruntime's \
        test_data_set_*/input_*.pb folders, or (single-input models) plain .npy files. Defaults: QDQ, \
        int8 activations and weights, weights per channel, MSE calibration (onnxruntime's are per tensor \
        and MinMax: the README says why qtool's differ and which options reproduce onnxruntime's output).
        """)

    @OptionGroup var files: InputOutputOptions

    @Option(help: "Folder of calibration samples.")
    var calibrateDataset: String?

    @Option(help: "qdq (QuantizeLinear/DequantizeLinear pairs) or qoperator (QLinearConv, QLinearMatMul, ...).")
    var quantFormat: String = "qdq"

    @OptionGroup var granularity: WeightGranularityOptions

    @Option(help: "Activation type: qint8, quint8, qint16, quint16.")
    var activationType: String = "qint8"

    @Option(help: "Weight type: qint8, quint8, qint16, quint16, qint4, quint4.")
    var weightType: String = "qint8"

    @Option(help: "mse (default: the clipping threshold with the least expected error), minmax (onnxruntime's default), entropy, percentile or distribution.")
    var calibrateMethod: String = "mse"

    @Option(help: "Percentile kept by --calibrate-method percentile.")
    var percentile: Double?

    @Option(help: "Histogram bins of the histogram methods.")
    var numBins: Int?

    @Option(help: "Quantized bins of the entropy method.")
    var numQuantizedBins: Int?

    @Flag(help: "Symmetric activation ranges (zero point at the middle of the type).")
    var symmetricActivations = false

    @Flag(help: "Symmetric weights even for unsigned weight types.")
    var symmetricWeights = false

    @Flag(help: "Quantize to 7 bits (for CPUs without VNNI that can overflow int16 sums).")
    var reduceRange = false

    @Flag(help: "Smooth MinMax ranges with an exponential moving average over samples.")
    var movingAverage = false

    @Option(help: "The moving average's constant.")
    var averagingConstant: Double?

    @OptionGroup var selection: NodeSelectionOptions

    @Flag(help: "Keep biases in float.")
    var noQuantizeBias = false

    @Flag(help: "Keep Relu/Clip nodes whose range could be folded into the tensor before them.")
    var keepRemovableActivations = false

    @Flag(help: "Also quantize cheap ops (Add, Concat, ...) between float ops, as onnxruntime does.")
    var quantizeIsolatedOps = false

    @Option(help: "Smallest float range a quantized tensor may have.")
    var minimumRealRange: Float?

    @Option(help: "JSON file of per-tensor settings: {\"name\": {\"type\", \"min\", \"max\", \"scale\", \"zero_point\", \"axis\", \"symmetric\"}}.")
    var tensorOverrides: String?

    @Option(help: "Ranges are read from this JSON file when it exists (no calibration), else written to it.")
    var calibrationCache: String?

    @Option(help: "Calibrate on at most this many samples.")
    var maxSamples: Int?

    @Option(help: "Threads for the interpreter (default: all cores).")
    var threads: Int?

    @Option(help: "Write a JSON report (ranges, tensor map, timings, warnings) here.")
    var report: String?

    @Flag(help: "No progress or notes on stderr.")
    var quiet = false

    @OptionGroup var externalData: ExternalDataOptions

    func validate() throws {
        try externalData.validate()
        guard QuantizationOptions.Format(rawValue: quantFormat) != nil else {
            throw ValidationError("--quant-format must be qdq or qoperator")
        }
        guard CalibrationMethod(rawValue: calibrateMethod) != nil else {
            throw ValidationError("--calibrate-method must be one of \(CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (option, value) in [("--activation-type", activationType), ("--weight-type", weightType)] {
            if (try? QuantType(option: value)) == nil {
                throw ValidationError("\(option) must be one of \(QuantType.allCases.map(\.name).joined(separator: ", "))")
            }
        }
        try granularity.validate()
        if let maxSamples, maxSamples < 1 { throw ValidationError("--max-samples must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let percentile, !(0 < percentile && percentile <= 100) { throw ValidationError("--percentile must be in (0, 100]") }
        if let numBins, numBins < 2 { throw ValidationError("--num-bins must be at least 2") }
        if calibrateDataset == nil && calibrationCache == nil {
            throw ValidationError("--calibrate-dataset is required (or --calibration-cache with saved ranges)")
        }
    }

    func run() throws {
        try files.checkOutputIsNotInput()
        let model = try ModelAdmission.load(files.input)
        let progress = Progress(enabled: !quiet)
        var configuration = try makeConfiguration()
        configuration.progress = { progress.update($0, of: $1) }
        configuration.notice = { message in if !quiet { printError("note: " + message) } }
        let start = Date()
        let result = try StaticQuantizer(configuration).quantize(model)
        progress.finish()
        try saveQuantized(model, files: files, externalData: externalData, quiet: quiet)
        if !quiet { for warning in result.warnings { printError("warning: " + warning) } }
        if let report { try QuantizationReport.write(result, options: configuration, seconds: Date().timeIntervalSince(start), to: report) }
        print("\(files.output): \(result.quantizedTensors) tensors quantized, \(result.nodesBefore) → \(result.nodesAfter) nodes, "
              + "opset \(result.opset), calibrated on \(result.samples) samples")
    }

    private func makeConfiguration() throws -> StaticQuantizer.Configuration {
        var configuration = StaticQuantizer.Configuration()
        var options = QuantizationOptions()
        options.format = QuantizationOptions.Format(rawValue: quantFormat)!
        options.perChannel = granularity.isPerChannel
        options.activationType = try QuantType(option: activationType)
        options.weightType = try QuantType(option: weightType)
        options.symmetricActivations = symmetricActivations
        options.symmetricWeights = symmetricWeights ? true : nil
        options.reduceRange = reduceRange
        options.opTypes = selection.opTypeSet
        options.nodesToQuantize = selection.quantizeSet
        options.nodesToExclude = selection.excludeSet
        options.quantizeBias = !noQuantizeBias
        options.keepRemovableActivations = keepRemovableActivations
        options.minimumRealRange = minimumRealRange
        options.quantizeIsolatedOps = quantizeIsolatedOps
        if let tensorOverrides { options.overrides = try TensorOverrides.read(tensorOverrides) }
        configuration.options = options
        configuration.calibration = calibrationOptions()
        configuration.dataset = calibrateDataset
        configuration.maxSamples = maxSamples
        configuration.threads = threads
        configuration.calibrationCache = calibrationCache
        return configuration
    }

    private func calibrationOptions() -> CalibrationOptions {
        var calibration = CalibrationOptions()
        calibration.method = CalibrationMethod(rawValue: calibrateMethod)!
        if let percentile { calibration.percentile = percentile }
        if let numBins { calibration.numBins = numBins }
        if let numQuantizedBins { calibration.numQuantizedBins = numQuantizedBins }
        if symmetricActivations { calibration.symmetric = true }
        calibration.movingAverage = movingAverage
        if let averagingConstant { calibration.averagingConstant = Float(averagingConstant) }
        return calibration
    }
}
