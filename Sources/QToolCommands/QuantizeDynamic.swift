import ArgumentParser
import Foundation
import ONNXModel
import Passes
import Quantization

/// `qtool quantize-dynamic`: weights to integers ahead of time, activations at run time.
struct QuantizeDynamic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize-dynamic",
        abstract: "Quantize weights ahead of time and activations at run time (no calibration data).",
        discussion: """
        Rewrites as onnxruntime's quantize_dynamic: MatMul with a constant B and Conv to \
        DynamicQuantizeLinear + MatMulInteger/ConvInteger + scaling, Gemm through MatMul + Add, LSTM to \
        com.microsoft DynamicQuantizeLSTM, Attention to QAttention, Gather of a constant table to a uint8 \
        table + DequantizeLinear. Weights held in Constant nodes and inside If/Loop/Scan bodies are quantized too.
        """)

    @OptionGroup var files: InputOutputOptions

    @Option(help: "Weight type: qint8 (onnxruntime's default) or quint8. LSTM weights are always qint8.")
    var weightType: String = "qint8"

    /// Per channel: MatMul and Attention weights per column of B, LSTM weights per gate row;
    /// Conv weights are always per tensor (ConvInteger takes one weight zero point).
    @OptionGroup var granularity: WeightGranularityOptions

    @Flag(help: "Quantize weights to 7 bits (for CPUs without VNNI that can overflow int16 sums).")
    var reduceRange = false

    @OptionGroup var selection: NodeSelectionOptions

    @Flag(name: .customLong("matmul-const-b-only"), inversion: .prefixedNo,
          help: "Quantize a MatMul only when its B is a constant (the default; --no-matmul-const-b-only: activation × activation too).")
    var matMulConstBOnly = true

    @Option(help: "Write a JSON report (tensor map, rewrites per op, timings) here.")
    var report: String?

    @Flag(help: "No progress or notes on stderr.")
    var quiet = false

    @OptionGroup var externalData: ExternalDataOptions

    func validate() throws {
        try externalData.validate()
        try granularity.validate()
        guard let type = try? QuantType(option: weightType), DynamicQuantizationOptions.weightTypes.contains(type) else {
            throw ValidationError("--weight-type must be one of \(DynamicQuantizationOptions.weightTypes.map(\.name).joined(separator: ", "))")
        }
        if let opTypes = selection.opTypes {
            let unknown = NodeSelectionOptions.list(opTypes).filter { !DynamicRules.supportedOps.contains($0) }
            if let first = unknown.first {
                throw ValidationError("--op-types: '\(first)' is not quantized dynamically; known: \(DynamicRules.supportedOps.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        try files.checkOutputIsNotInput()
        let model = try ModelAdmission.load(files.input)
        let progress = Progress(enabled: !quiet, activity: ("quantizing", "quantized"), unit: "nodes")
        var configuration = DynamicQuantizer.Configuration()
        configuration.options = try options()
        configuration.progress = { progress.update($0, of: $1) }
        configuration.notice = { message in if !quiet { printError("note: " + message) } }
        let start = Date()
        let result = try DynamicQuantizer(configuration).quantize(model)
        progress.finish()
        try saveQuantized(model, files: files, externalData: externalData, quiet: quiet)
        if let report { try QuantizationReport.write(result, seconds: Date().timeIntervalSince(start), to: report) }
        let rewrites = result.rewrites.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("\(files.output): \(result.quantizedTensors) tensors quantized (\(rewrites.isEmpty ? "no node rewritten" : rewrites)), "
              + "\(result.nodesBefore) → \(result.nodesAfter) nodes, opset \(result.opset)")
    }

    private func options() throws -> DynamicQuantizationOptions {
        var options = DynamicQuantizationOptions()
        options.weightType = try QuantType(option: weightType)
        options.perChannel = granularity.isPerChannel
        options.reduceRange = reduceRange
        options.opTypes = selection.opTypeSet
        options.nodesToQuantize = selection.quantizeSet
        options.nodesToExclude = selection.excludeSet
        options.matMulConstBOnly = matMulConstBOnly
        return options
    }
}
