import ArgumentParser
import ONNXModel
import Passes

/// `qtool preprocess`: shape inference and graph clean-up ahead of quantization, in the order
/// onnxruntime's quant_pre_process uses (infer, optimize, infer again).
struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Infer shapes (symbolic dims too) and normalize the graph so quantization sees a clean model.",
        discussion: """
        onnxruntime's spellings (--skip_optimization, --skip_symbolic_shape, --skip_onnx_shape, \
        --save_as_external_data, --all_tensors_to_one_file, --external_data_location, \
        --external_data_size_threshold, --auto_merge, --int_max, --guess_output_rank, --verbose) \
        are accepted. Boolean options are flags: they take no value.
        """)

    @OptionGroup var files: InputOutputOptions

    @Flag(name: [.customLong("skip-optimization"), .customLong("skip_optimization")],
          help: "Only infer shapes; leave the graph as it is.")
    var skipOptimization = false

    @Flag(name: [.customLong("skip-shape-inference")], help: "Do not infer shapes.")
    var skipShapeInference = false

    // onnxruntime runs two inferences (symbolic, then onnx's); qtool has one that does both,
    // so it is skipped only when both are.
    @Flag(name: .customLong("skip_symbolic_shape"), help: .hidden)
    var skipSymbolicShape = false

    @Flag(name: .customLong("skip_onnx_shape"), help: .hidden)
    var skipOnnxShape = false

    @OptionGroup var externalData: ExternalDataOptions

    @Flag(name: .customLong("all_tensors_to_one_file"), help: .hidden)
    var allTensorsToOneFile = false

    @Flag(name: [.customLong("auto-merge"), .customLong("auto_merge")],
          help: "Accepted for onnxruntime's scripts: differing symbolic dims are always merged.")
    var autoMerge = false

    @Option(name: [.customLong("int-max"), .customLong("int_max")],
            help: "Slice ends at or above this value mean 'to the end'.")
    var intMax = Int(Int32.max)

    @Flag(name: [.customLong("guess-output-rank"), .customLong("guess_output_rank")],
          help: "For ops without a shape rule, give outputs the rank of the first input.")
    var guessOutputRank = false

    @Flag(name: .shortAndLong, help: "Print what each pass changed and every inference warning.")
    var verbose = false

    func validate() throws {
        try externalData.validate()
        if intMax < 1 { throw ValidationError("--int-max must be positive") }
    }

    private var infersShapes: Bool { !skipShapeInference && !(skipSymbolicShape && skipOnnxShape) }

    func run() throws {
        try files.checkOutputIsNotInput()
        let model = try ModelAdmission.load(files.input)
        let nodesBefore = model.graph.nodes.count
        if infersShapes {
            let shapes = inferShapes(model)
            if let contradiction = shapes.contradictions.first { throw ModelError.invalidGraph("\(files.input): \(contradiction)") }
            report(shapes, final: false)
        }
        if !skipOptimization { try optimize(model) }
        let shapes = infersShapes ? inferShapes(model) : nil
        if let shapes { report(shapes, final: true) }
        model.setMetadata("onnx.quant.pre_process", "qtool")
        let proto = model.toProto()
        let saved = try ModelFile.save(proto, to: files.output, policy: externalData.policy,
                                       protectedPaths: files.protectedPaths(of: proto))
        if saved.forcedExternal {
            printError("note: tensors over 2 GB in total: wrote \(saved.sideFiles.joined(separator: ", ")) beside the model")
        }
        var summary = "\(files.output): \(nodesBefore) → \(model.graph.nodes.count) nodes"
        if let shapes {
            summary += ", shapes of \(shapes.fullyKnown)/\(shapes.tensors) tensors known (\(shapes.concrete) concrete)"
        }
        print(summary)
    }

    private func inferShapes(_ model: Model) -> ShapeInference.Report {
        var options = ShapeInference.Options()
        options.intMax = intMax
        options.guessOutputRank = guessOutputRank
        return ShapeInference(options: options).run(on: model)
    }

    /// Warnings once (from the final inference; the first one only with --verbose).
    private func report(_ shapes: ShapeInference.Report, final: Bool) {
        guard final || verbose else { return }
        for warning in shapes.warnings { printError("warning: " + warning) }
    }

    private func optimize(_ model: Model) throws {
        let changes = PassReport()
        try PassManager(OptimizationPasses.standard(report: changes)).run(on: model)
        guard verbose else { return }
        for message in changes.messages { printError(message) }
    }
}
