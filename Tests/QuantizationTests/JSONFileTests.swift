import Foundation
@testable import Quantization
import XCTest

/// Ranges can be NaN or infinite (a tensor that only held NaN, a -inf attention mask); the
/// report and the calibration cache must still be written, and read back as the same floats.
final class JSONFileTests: XCTestCase {
    func testNonFiniteRangesRoundTrip() throws {
        let path = NSTemporaryDirectory() + "/qtool-json-nonfinite.json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ranges = ["scores": TensorRange(min: -.infinity, max: .nan), "x": TensorRange(min: -1.5, max: .infinity)]
        try JSONFile.write(ranges, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"nan\"") && text.contains("\"-inf\"") && text.contains("\"inf\""), text)
        let back = try JSONFile.read([String: TensorRange].self, from: path, expected: "ranges")
        XCTAssertEqual(back["x"], ranges["x"])
        XCTAssertEqual(back["scores"]?.min, -.infinity)
        XCTAssertTrue(back["scores"]?.max.isNaN ?? false)
    }
}
