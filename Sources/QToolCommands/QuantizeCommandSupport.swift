import ArgumentParser
import ONNXModel

/// Per channel or per tensor: both quantizers default to per channel (README says why).
struct WeightGranularityOptions: ParsableArguments {
    @Flag(help: "Quantize weights per output channel (the default).")
    var perChannel = false

    @Flag(help: "Quantize each weight with one scale (onnxruntime's default).")
    var perTensor = false

    func validate() throws {
        if perChannel && perTensor { throw ValidationError("--per-channel and --per-tensor exclude each other") }
    }

    var isPerChannel: Bool { !perTensor }
}

/// Which nodes a quantizer rewrites, in onnxruntime's terms.
struct NodeSelectionOptions: ParsableArguments {
    @Option(help: "Comma-separated op types to quantize (default: all that qtool knows).")
    var opTypes: String?

    @Option(help: "Comma-separated node names: quantize only these.")
    var nodesToQuantize: String?

    @Option(help: "Comma-separated node names to keep in float.")
    var nodesToExclude: String?

    var opTypeSet: Set<String>? { opTypes.map(Self.list).map(Set.init) }
    var quantizeSet: Set<String> { Set(nodesToQuantize.map(Self.list) ?? []) }
    var excludeSet: Set<String> { Set(nodesToExclude.map(Self.list) ?? []) }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Writes a quantized model (temporary file, then renamed), saying when the 2 GB rule moved
/// tensors into a side file.
func saveQuantized(_ model: Model, files: InputOutputOptions, externalData: ExternalDataOptions, quiet: Bool) throws {
    let proto = model.toProto()
    let saved = try ModelFile.save(proto, to: files.output, policy: externalData.policy, protectedPaths: files.protectedPaths(of: proto))
    if saved.forcedExternal && !quiet {
        printError("note: tensors over 2 GB in total: wrote \(saved.sideFiles.joined(separator: ", ")) beside the model")
    }
}
