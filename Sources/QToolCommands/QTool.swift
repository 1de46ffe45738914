import ArgumentParser
import ONNXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The root command: only the list of subcommands.
public struct QTool: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "qtool",
        abstract: "Quantize ONNX models: inspect, convert, and (soon) preprocess and quantize.",
        version: "0.1.0",
        subcommands: [Inspect.self, Convert.self, Run.self, Preprocess.self, QuantizeStatic.self, QuantizeDynamic.self, Debug.self]
    )

    public init() {}

    /// Runs the command line; exit status 0 on success, 2 for usage errors, 1 for the rest,
    /// with a one-line message on stderr.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch let error as ReportableError {
            fail(error.description)
        } catch {
            let code = exitCode(for: error)
            if code == .success { QTool.exit(withError: error) }
            if code == .validationFailure {
                fputs(fullMessage(for: error) + "\n", stderr)
                Glibc.exit(2)
            }
            QTool.exit(withError: error)
        }
    }

    private static func fail(_ message: String) -> Never {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        fputs("qtool: error: \(oneLine)\n", stderr)
        Glibc.exit(1)
    }
}

/// A failure the command has already described; printed as `qtool: error: <message>`.
public struct CommandFailure: ReportableError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
