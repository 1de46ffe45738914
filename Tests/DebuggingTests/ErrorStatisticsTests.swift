import Foundation
import XCTest
@testable import Debugging

/// SQNR, cosine, max abs and MSE as sums: the figures onnxruntime's qdq_loss_debug gives over the
/// concatenated tensors, whatever the split into samples.
final class ErrorStatisticsTests: XCTestCase {
    private func statistics(_ pairs: [([Float], [Float])]) -> ErrorStatistics {
        var result = ErrorStatistics()
        for (x, y) in pairs {
            x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in result.add(a, b) } }
        }
        return result
    }

    func testSQNRIsTwentyLogOfTheNormRatioOverTheConcatenation() {
        let x: [Float] = [1, -2, 3, 0.5, 4], y: [Float] = [1.1, -2, 2.9, 0.5, 4.2]
        let signal = x.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        let noise = zip(x, y).map { Double($0) - Double($1) }.map { $0 * $0 }.reduce(0, +).squareRoot()
        let whole = statistics([(x, y)])
        XCTAssertEqual(whole.sqnrDB, 20 * log10(signal / noise), accuracy: 1e-9)
        let split = statistics([(Array(x[..<2]), Array(y[..<2])), (Array(x[2...]), Array(y[2...]))])
        XCTAssertEqual(split.sqnrDB, whole.sqnrDB, accuracy: 1e-9)
        XCTAssertEqual(split.count, 5)
        XCTAssertEqual(whole.maxAbs, Double(Float(4.2) - Float(4)), accuracy: 1e-6)
        XCTAssertEqual(whole.mse, noise * noise / 5, accuracy: 1e-12)
    }

    /// numpy's float64 epsilon bounds both norms, as in qdq_loss_debug.
    func testEpsilonHandlingMatchesQDQLossDebug() {
        let exact = statistics([([3, 4], [3, 4])])
        XCTAssertEqual(exact.sqnrDB, 20 * log10(5 / Double.ulpOfOne), accuracy: 1e-9)
        XCTAssertEqual(statistics([([0, 0], [0, 0])]).sqnrDB, 0, accuracy: 1e-12)
        XCTAssertEqual(statistics([([0, 0], [1, 0])]).sqnrDB, 20 * log10(Double.ulpOfOne), accuracy: 1e-9)
    }

    func testCosineAndMerge() {
        let a = statistics([([1, 0], [0, 1])]), b = statistics([([1, 1], [1, 1])])
        XCTAssertEqual(a.cosine, 0, accuracy: 1e-12)
        XCTAssertEqual(b.cosine, 1, accuracy: 1e-12)
        var merged = a
        merged.merge(b)
        XCTAssertEqual(merged, statistics([([1, 0], [0, 1]), ([1, 1], [1, 1])]))
        XCTAssertTrue(statistics([([0, 0], [1, 1])]).cosine.isNaN)
    }

    func testNaNStaysVisible() {
        let result = statistics([([1, 2], [1, .nan])])
        XCTAssertTrue(result.sqnrDB.isNaN)
        XCTAssertTrue(result.maxAbs.isNaN)
    }
}
