import ArgumentParser
import Debugging
import Foundation
import ONNXModel

/// `qtool debug`: where a quantized model loses accuracy, tensor by tensor, and which nodes to
/// keep in float.
struct Debug: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Compare a quantized model with its float model, tensor by tensor, and rank the nodes by what they cost.",
        discussion: """
        Activations: the float model's tensor against the quantized model's dequantized tensor at the same \
        point, and the Q/DQ pair's own error (SQNR = 20·log10(‖x‖/‖x−y‖) over all samples, as onnxruntime's \
        qdq_loss_debug; cosine, max abs, MSE). Weights: each float initializer against its dequantized form. \
        Sensitivity (QDQ form): the outputs' SQNR with only one node quantized, on the first \
        --sensitivity-samples samples, ending with the --nodes-to-exclude list that reaches --target-sqnr.
        """)

    @Option(help: "The float model.")
    var floatModel: String

    @Option(help: "The quantized model (qtool's or another tool's QDQ, or qtool's QOperator output).")
    var qdqModel: String

    @Option(help: "Folder of samples (the layouts quantize-static reads).")
    var calibrateDataset: String

    @Option(help: "Use at most this many samples.")
    var maxSamples: Int?

    @Option(help: "text, json or html.")
    var format: String = "text"

    @Option(help: "Write the report here (written to a temporary file, then renamed) instead of stdout.")
    var output: String?

    @Option(help: "Rows per table in text, bars highlighted in html.")
    var top: Int = 15

    @Option(help: "Exit with status 1 when the outputs' SQNR (the worst output) is below this many dB.")
    var failBelow: Double?

    @Option(help: "SQNR in dB the --nodes-to-exclude list must reach.")
    var targetSqnr: Double = 30

    @Option(help: "Samples the sensitivity pass runs on (0: skip it). Costs one partial run per quantized node per sample.")
    var sensitivitySamples: Int = 4

    @Option(help: "Threads for the interpreter (default: all cores).")
    var threads: Int?

    @Flag(help: "No progress or timings on stderr.")
    var quiet = false

    enum Format: String { case text, json, html }

    func validate() throws {
        guard Format(rawValue: format) != nil else { throw ValidationError("--format must be text, json or html") }
        if let maxSamples, maxSamples < 1 { throw ValidationError("--max-samples must be at least 1") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if sensitivitySamples < 0 { throw ValidationError("--sensitivity-samples must be at least 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let output, [floatModel, qdqModel].contains(where: { FilePath.realPath($0) != nil && FilePath.realPath($0) == FilePath.realPath(output) }) {
            throw ValidationError("--output must not name one of the models")
        }
    }

    func run() throws {
        var configuration = QuantizationDebugger.Configuration(floatModel: floatModel, quantizedModel: qdqModel, dataset: calibrateDataset)
        configuration.maxSamples = maxSamples
        configuration.sensitivitySamples = sensitivitySamples
        configuration.targetSQNR = targetSqnr
        configuration.threads = threads
        let samples = Progress(enabled: !quiet, activity: ("comparing", "compared"))
        if !quiet {
            configuration.progress = { samples.finish(); printError("debug: " + $0) }
            configuration.sampleProgress = { samples.update($0, of: $1) }
        }
        let report = try QuantizationDebugger(configuration).run()
        samples.finish()
        let text: String
        switch Format(rawValue: format)! {
        case .text: text = DebugTextReport.render(report, top: top)
        case .json: text = DebugJSONReport.render(report)
        case .html: text = DebugHTMLReport.render(report, top: top)
        }
        if let output {
            try FileWriter.writeAtomically(Array(text.utf8), to: output)
        } else {
            print(text, terminator: "")
        }
        if !quiet { printError(String(format: "debug: %.2f s", report.milliseconds / 1000)) }
        if let failBelow, !(report.outputSQNR >= failBelow) {
            throw CommandFailure("\(qdqModel): outputs' SQNR \(DebugTables.decibels(report.outputSQNR)) dB is below --fail-below "
                                 + "\(DebugTables.decibels(failBelow)) dB")
        }
    }
}
