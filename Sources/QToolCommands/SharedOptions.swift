import ArgumentParser
import ONNXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// --input and --output, shared by every command that writes a model.
struct InputOutputOptions: ParsableArguments {
    @Option(help: "The ONNX model to read (never modified).")
    var input: String

    @Option(help: "Where to write the result (written to a temporary file, then renamed).")
    var output: String

    /// qtool never modifies its input: refuse an output that is the input file itself.
    func checkOutputIsNotInput() throws {
        if let realInput = FilePath.realPath(input), FilePath.realPath(output) == realInput {
            throw CommandFailure("\(output): refusing to overwrite the input model; choose another --output")
        }
    }

    /// The input and every side file its tensors were read from: no write may land on them.
    func protectedPaths(of model: ModelProto) -> [String] {
        let directory = FilePath.directory(of: input)
        return [input] + model.externalDataLocations().map { directory + "/" + $0 }
    }
}

/// Where tensor data goes when a model is written. onnxruntime's spellings are accepted too.
struct ExternalDataOptions: ParsableArguments {
    @Flag(name: [.customLong("external-data"), .customLong("save_as_external_data")],
          help: "Move tensors of at least --external-data-threshold bytes into a side file.")
    var externalData = false

    @Option(name: [.customLong("external-data-threshold"), .customLong("external_data_size_threshold")],
            help: "Smallest tensor (bytes of raw data) moved to the side file.")
    var externalDataThreshold: Int = ModelFile.defaultExternalThreshold

    @Option(name: [.customLong("external-data-location"), .customLong("external_data_location")],
            help: "Side file name, relative to the output (default: <output file name>.data).")
    var externalDataLocation: String?

    @Flag(help: "Write every tensor inline (fold external data back into the model).")
    var `internal` = false

    func validate() throws {
        if externalData && `internal` { throw ValidationError("--external-data and --internal exclude each other") }
        if externalDataThreshold < 0 { throw ValidationError("--external-data-threshold must be at least 0") }
        if let location = externalDataLocation, location.isEmpty || location.hasPrefix("/") || location.split(separator: "/").contains("..") {
            throw ValidationError("--external-data-location must be a file name relative to the output's folder")
        }
    }

    var policy: ExternalDataPolicy {
        if `internal` { return .inline }
        if externalData { return .external(threshold: externalDataThreshold, location: externalDataLocation) }
        return .keep
    }
}

func printError(_ message: String) { fputs(message + "\n", stderr) }
