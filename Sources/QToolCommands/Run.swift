import ArgumentParser
import ONNXModel
import Passes
import Runtime

/// `qtool run`: execute a model on qtool's interpreter with inputs from files.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on qtool's CPU interpreter and write or summarize its outputs.")

    @Option(help: "The ONNX model to run.")
    var model: String

    @Option(help: "Folder with one <input name>.npy per graph input ('/' in names becomes '_'), or input_N.pb files.")
    var inputs: String

    @Option(help: "Write each output as <output name>.npy into this folder.")
    var outputDir: String?

    @Option(help: "Threads per operator (default: all cores).")
    var threads: Int?

    @Option(help: "Time N runs after a warm-up run and print the median and minimum latency.")
    var benchmark: Int?

    @Flag(help: "Print the time spent per op type (over all runs).")
    var profile = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let benchmark, benchmark < 1 { throw ValidationError("--benchmark must be at least 1") }
    }

    func run() throws {
        let interpreter = try Interpreter(model: try ModelAdmission.load(model), options: InterpreterOptions(threads: threads, profile: profile))
        let feeds = try InputFolder.read(inputs, names: interpreter.inputNames, model: interpreter.model)
        let outputs = try interpreter.run(feeds)
        if let outputDir { try FilePath.makeDirectory(outputDir) }
        for name in interpreter.outputNames {
            guard let tensor = outputs[name] else { continue }
            print(TensorSummary.describe(name: name, tensor))
            if let outputDir {
                try FileWriter.writeAtomically(try Npy.encode(tensor), to: outputDir + "/" + InputFolder.fileName(for: name) + ".npy")
            }
        }
        if let benchmark {
            var times: [Double] = []
            for _ in 0..<benchmark {
                var clock = Stopwatch()
                _ = try interpreter.run(feeds)
                times.append(clock.lap())
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            print("latency_ms median=\(rounded(median)) min=\(rounded(times[0])) runs=\(benchmark)")
        }
        if profile {
            for (op, entry) in interpreter.profile.sorted(by: { $0.value.milliseconds > $1.value.milliseconds }) {
                print("profile \(op.padding(to: 24)) \(rounded(entry.milliseconds)) ms  \(entry.calls) calls")
            }
        }
    }

    private func rounded(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }
}

/// Graph inputs read from a folder of tensor files.
enum InputFolder {
    /// A tensor name as a file name: '/' (and other path separators) become '_'.
    static func fileName(for name: String) -> String {
        String(name.map { $0 == "/" || $0 == "\\" ? "_" : $0 })
    }

    static func read(_ folder: String, names: [String], model: Model) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (i, name) in names.enumerated() {
            let npy = folder + "/" + fileName(for: name) + ".npy", pb = folder + "/input_\(i).pb"
            if FilePath.exists(npy) {
                feeds[name] = try TensorFile.read(npy)
            } else if FilePath.exists(pb) {
                feeds[name] = try TensorFile.read(pb)
            } else if model.graph.initializer(named: name) == nil {
                throw CommandFailure("\(folder): no \(fileName(for: name)).npy or input_\(i).pb for graph input '\(name)'")
            }
        }
        return feeds
    }
}

/// One line per tensor: name, type, shape and value statistics.
enum TensorSummary {
    static func describe(name: String, _ tensor: Tensor) -> String {
        var line = "\(name): \(tensor.type) \(tensor.shape)"
        if let values = floatValues(tensor), !values.isEmpty {
            let finite = values.filter(\.isFinite)
            let mean = finite.reduce(0.0) { $0 + Double($1) } / Double(max(finite.count, 1))
            line += " min=\(finite.min() ?? .nan) max=\(finite.max() ?? .nan) mean=\(Float(mean))"
            if finite.count < values.count { line += " non-finite=\(values.count - finite.count)" }
        }
        return line
    }

    private static func floatValues(_ tensor: Tensor) -> [Float]? {
        switch tensor.type {
        case .float: return tensor.scalars(Float.self)
        case .double: return tensor.elements(Double.self).map(Float.init)
        default:
            let integers = tensor.integers()
            return integers.isEmpty && tensor.count > 0 ? nil : integers.map(Float.init)
        }
    }
}
