import ArgumentParser
import ONNXModel

/// `qtool convert`: load a model into the IR and write it back, choosing where tensor data lives.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a model losslessly, optionally moving tensor data to or from a side file.")

    @OptionGroup var files: InputOutputOptions
    @OptionGroup var externalData: ExternalDataOptions

    @Flag(help: "Print load and save times (milliseconds) on stderr.")
    var timings = false

    func validate() throws { try externalData.validate() }

    func run() throws {
        try files.checkOutputIsNotInput()
        var clock = Stopwatch()
        let model = Model(try ModelFile.load(files.input))
        let loadTime = clock.lap()
        let proto = model.toProto()
        let report = try ModelFile.save(proto, to: files.output, policy: externalData.policy,
                                        protectedPaths: files.protectedPaths(of: proto))
        let saveTime = clock.lap()
        if report.forcedExternal {
            printError("note: tensors over 2 GB in total: wrote \(report.sideFiles.joined(separator: ", ")) beside the model")
        }
        if timings { printError("timing load_ms=\(format(loadTime)) save_ms=\(format(saveTime))") }
    }

    private func format(_ milliseconds: Double) -> String { String(Double(Int(milliseconds * 1000)) / 1000) }
}
