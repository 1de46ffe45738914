import XCTest
import ArgumentParser
@testable import QToolCommands

/// Parsing, validation and the small formatting pieces of the command line.
final class CommandLineTests: XCTestCase {
    func testConvertNeedsInputAndOutput() {
        XCTAssertThrowsError(try QTool.parseAsRoot(["convert", "--input", "a.onnx"]))
        XCTAssertNoThrow(try QTool.parseAsRoot(["convert", "--input", "a.onnx", "--output", "b.onnx"]))
    }

    func testUsageErrorsExitWithStatusTwo() {
        do {
            _ = try QTool.parseAsRoot(["convert", "--bogus"])
            XCTFail("an unknown option must not parse")
        } catch {
            XCTAssertEqual(QTool.exitCode(for: error), .validationFailure)
        }
    }

    func testExternalDataAndInternalExcludeEachOther() {
        XCTAssertThrowsError(try QTool.parseAsRoot(["convert", "--input", "a", "--output", "b", "--external-data", "--internal"]))
        XCTAssertThrowsError(try QTool.parseAsRoot(["convert", "--input", "a", "--output", "b", "--external-data-location", "../x"]))
    }

    func testRunRejectsZeroThreads() {
        XCTAssertThrowsError(try QTool.parseAsRoot(["run", "--model", "m", "--inputs", "d", "--threads", "0"]))
    }

    func testTensorNamesBecomeFileNames() {
        XCTAssertEqual(InputFolder.fileName(for: "encoder/layer.0/out"), "encoder_layer.0_out")
        XCTAssertEqual(InputFolder.fileName(for: "input"), "input")
    }

    func testJSONIsDeterministicAndEscaped() {
        let value = JSON.object([("b", .int(1)), ("a", .array([.string("x\"\n\u{1}"), .null, .bool(true), .double(0.5)]))])
        XCTAssertEqual(value.rendered(pretty: false), "{\"b\":1,\"a\":[\"x\\\"\\n\\u0001\",null,true,0.5]}")
    }

    func testByteSizesReadAsPeopleWriteThem() {
        XCTAssertEqual(byteText(512), "512 B")
        XCTAssertEqual(byteText(1536), "1.5 KB")
        XCTAssertEqual(byteText(3 * 1024 * 1024), "3.0 MB")
    }
}

final class ErrorLineTests: XCTestCase {
    /// A damaged file can put any byte into a name that an error quotes: the error stays one line
    /// for every reader (Python's splitlines breaks at U+001C–U+001E too).
    func testControlCharactersAreEscapedAndLineBreaksBecomeSpaces() {
        XCTAssertEqual(QTool.oneLine("node 'top_loop' (Lo\u{1e}p): no\nsuch op\r"), "node 'top_loop' (Lo\\u{1e}p): no such op ")
        XCTAssertEqual(QTool.oneLine("tab\there\u{2028}x"), "tab\\u{9}here\\u{2028}x")
        XCTAssertEqual(QTool.oneLine("ünïcode names stay"), "ünïcode names stay")
    }
}
