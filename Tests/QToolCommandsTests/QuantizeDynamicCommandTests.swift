import XCTest
import ArgumentParser
@testable import QToolCommands

/// `quantize-dynamic`'s options: what parses, what is refused as a usage error.
final class QuantizeDynamicCommandTests: XCTestCase {
    private let files = ["quantize-dynamic", "--input", "a.onnx", "--output", "b.onnx"]

    private func parse(_ extra: [String]) throws -> QuantizeDynamic {
        let command = try QTool.parseAsRoot(files + extra)
        return try XCTUnwrap(command as? QuantizeDynamic)
    }

    func testDefaultsAreOnnxRuntimes() throws {
        let command = try parse([])
        XCTAssertEqual(command.weightType, "qint8")
        XCTAssertFalse(command.granularity.perTensor, "per channel unless --per-tensor")
        XCTAssertFalse(command.reduceRange)
        XCTAssertTrue(command.matMulConstBOnly)
    }

    func testOptionsParse() throws {
        let command = try parse(["--weight-type", "quint8", "--per-channel", "--reduce-range", "--op-types", "MatMul,Gemm",
                                 "--nodes-to-exclude", "a, b", "--no-matmul-const-b-only", "--report", "r.json", "--quiet"])
        XCTAssertEqual(command.weightType, "quint8")
        XCTAssertTrue(command.granularity.isPerChannel && command.reduceRange && command.quiet)
        XCTAssertEqual(command.selection.excludeSet, ["a", "b"])
        XCTAssertFalse(command.matMulConstBOnly)
        XCTAssertEqual(command.report, "r.json")
    }

    func testUnsupportedChoicesAreUsageErrors() {
        for extra in [["--weight-type", "qint16"], ["--per-channel", "--per-tensor"], ["--op-types", "Softmax"], ["--calibrate-dataset", "d"]] {
            XCTAssertThrowsError(try QTool.parseAsRoot(files + extra), "\(extra)") { error in
                XCTAssertEqual(QTool.exitCode(for: error), .validationFailure, "\(extra)")
            }
        }
    }
}
