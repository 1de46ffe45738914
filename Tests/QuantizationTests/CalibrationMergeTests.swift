import Foundation
import Runtime
import XCTest
@testable import Quantization

/// Plain MinMax sessions that saw different samples merge into exactly what one session over all
/// samples gives (quantize-static calibrates samples in parallel that way); the other methods
/// do not merge.
final class CalibrationMergeTests: XCTestCase {
    func testMergedMinMaxSessionsEqualOneSessionOverAllSamples() throws {
        for options in [CalibrationOptions(method: .minmax), CalibrationOptions(method: .minmax, symmetric: true)] {
            var random = CalibrationRandom(seed: 7)
            let samples = (0..<9).map { i in random.normals(256).map { $0 * Float(1 + i % 4) + Float(i) * 0.1 } }
            let whole = try CalibrationSession(tensors: ["a", "b"], options: options, threads: 1)
            let parts = try (0..<3).map { _ in try CalibrationSession(tensors: ["a", "b"], options: options, threads: 1) }
            for (i, values) in samples.enumerated() {
                for session in [whole, parts[i % 3]] {
                    session.observe("a", Tensor(values, shape: [256]))
                    if i != 4 { session.observe("b", Tensor(values.map { -$0 }, shape: [256])) }
                    session.endSample()
                }
            }
            let merged = try CalibrationSession(tensors: ["a", "b"], options: options, threads: 1)
            XCTAssertTrue(merged.mergesAcrossSamples)
            for part in parts { merged.absorb(part) }
            XCTAssertEqual(merged.ranges(), whole.ranges())
            XCTAssertEqual(merged.statistics(), whole.statistics())
            XCTAssertEqual(merged.samples, 9)
        }
    }

    func testOnlyPlainMinMaxMerges() throws {
        XCTAssertFalse(try CalibrationSession(tensors: ["a"], options: CalibrationOptions(method: .minmax, movingAverage: true)).mergesAcrossSamples)
        XCTAssertFalse(try CalibrationSession(tensors: ["a"], options: CalibrationOptions(method: .entropy)).mergesAcrossSamples)
        XCTAssertFalse(try CalibrationSession(tensors: ["a"], options: CalibrationOptions(method: .mse)).mergesAcrossSamples)
    }
}
