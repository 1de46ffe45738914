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
        fputs("qtool: error: \(oneLine(message))\n", stderr)
        Glibc.exit(1)
    }

    /// The message on one line. Names read from a damaged file can hold any byte: line breaks
    /// become spaces, other control characters (some of which split lines for other tools, such
    /// as U+001E) and the Unicode line separators are shown as `\u{1e}` escapes.
    static func oneLine(_ message: String) -> String {
        var line = ""
        for scalar in message.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                line += " "
            } else if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                line += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                line.unicodeScalars.append(scalar)
            }
        }
        return line
    }
}

/// A failure the command has already described; printed as `qtool: error: <message>`.
public struct CommandFailure: ReportableError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
