import Foundation
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// The methods on synthetic distributions: MSE (which onnxruntime lacks), qtool's entropy
/// default, defaults and option checks.
final class CalibrationMethodTests: XCTestCase {
    /// For Laplace(0, 1) the 8-bit optimum is about 9.9 (Banner et al., ACIQ: α ≈ 9.89·b), well
    /// inside the largest of 200000 values (about 12).
    func testMSEOfALaplacianMatchesTheory() throws {
        var random = CalibrationRandom(seed: 11)
        let values = random.laplacians(200_000)
        let t = try XCTUnwrap(try range(values, CalibrationOptions(method: .mse, symmetric: true))).max
        XCTAssertGreaterThan(t, 8.5)
        XCTAssertLessThan(t, 11.5)
        XCTAssertLessThan(t, values.map(\.magnitude).max()!)
    }

    /// A few outliers at 35–40: clipping them is weighed against the rounding error of all
    /// 200000 values, and the optimum (t ≈ 28) lies in the empty stretch between the bulk
    /// (|x| < 13) and the outliers, below MinMax's 40 and away from every occupied bin.
    func testMSEClipsLaplacianOutliers() throws {
        let values = laplacianWithOutliers()
        let symmetric = try XCTUnwrap(try range(values, CalibrationOptions(method: .mse, symmetric: true)))
        XCTAssertEqual(symmetric.min, -symmetric.max)
        XCTAssertGreaterThan(symmetric.max, 20)
        XCTAssertLessThan(symmetric.max, 34)
        let asymmetric = try XCTUnwrap(try range(values, CalibrationOptions(method: .mse)))
        XCTAssertLessThan(asymmetric.max, 38)
        XCTAssertGreaterThan(asymmetric.min, -35)
        XCTAssertLessThan(asymmetric.min, -13)
    }

    /// The chosen threshold has a smaller measured error than MinMax's and than its neighbours,
    /// computed by actually quantizing the values.
    func testMSEThresholdMinimizesTheMeasuredError() throws {
        let values = laplacianWithOutliers()
        let t = try XCTUnwrap(try range(values, CalibrationOptions(method: .mse, symmetric: true))).max
        let chosen = quantizationError(values, threshold: t)
        XCTAssertLessThan(chosen, quantizationError(values, threshold: values.map(\.magnitude).max()!) * 0.75)
        for factor: Float in [0.7, 0.85, 1.15, 1.3] {
            XCTAssertLessThanOrEqual(chosen, quantizationError(values, threshold: t * factor) * 1.01, "×\(factor)")
        }
    }

    func testMSEKeepsTheFullRangeOfUniformValues() throws {
        var random = CalibrationRandom(seed: 5)
        let values = (0..<100_000).map { _ in Float(random.uniform() * 2 - 1) }
        let range = try XCTUnwrap(try self.range(values, CalibrationOptions(method: .mse, symmetric: true)))
        XCTAssertGreaterThan(range.max, 0.98)
        XCTAssertLessThanOrEqual(range.max, 1)
    }

    func testMSEOfOneSidedValuesStartsAtZero() throws {
        var values = CalibrationRandom(seed: 6).normalsShifted(50_000).map { Swift.max($0, 0) }
        values[10] = 60
        let range = try XCTUnwrap(try self.range(values, CalibrationOptions(method: .mse)))
        XCTAssertEqual(range.min, 0)
        XCTAssertLessThan(range.max, 60)
        XCTAssertGreaterThan(range.max, 2)
    }

    /// The relu zeros are exact on the grid, so they cost nothing: many zeros must not pull the
    /// threshold down compared with the same positive values alone.
    func testMSEIgnoresExactZerosInTheRoundingError() throws {
        let positives = CalibrationRandom(seed: 7).normalsShifted(20_000).map { Swift.max($0, 0.001) }
        let withZeros = positives + [Float](repeating: 0, count: 200_000)
        let alone = try XCTUnwrap(try range(positives, CalibrationOptions(method: .mse)))
        let zeros = try XCTUnwrap(try range(withZeros, CalibrationOptions(method: .mse)))
        XCTAssertEqual(Double(zeros.max), Double(alone.max), accuracy: Double(alone.max) * 0.02)
    }

    /// Entropy with onnxruntime's default 128 bins has one candidate, the whole range; 2048 bins
    /// clip the outliers.
    func testEntropyWithFineBinsClipsWhere128BinsDoNot() throws {
        let values = laplacianWithOutliers()
        let coarse = try XCTUnwrap(try range(values, CalibrationOptions(method: .entropy)))
        XCTAssertEqual(coarse, TensorRange(min: values.min()!, max: values.max()!))
        let fine = try XCTUnwrap(try range(values, CalibrationOptions(method: .entropy, numBins: 2048)))
        XCTAssertLessThan(fine.max, values.max()! / 2)
        XCTAssertGreaterThan(fine.max, 5)
    }

    /// onnxruntime's moments, and the data's own range (not onnxruntime's ±max|x|).
    func testDistributionReportsMomentsAndTheDataRange() throws {
        let values = CalibrationRandom(seed: 8).normalsShifted(100_000, mean: 1, deviation: 2)
        let same = try XCTUnwrap(try range(values, CalibrationOptions(method: .distribution)))
        XCTAssertEqual(same.min, values.min()!)
        XCTAssertEqual(same.max, values.max()!)
        XCTAssertEqual(Double(try XCTUnwrap(same.average)), 1, accuracy: 0.03)
        XCTAssertEqual(Double(try XCTUnwrap(same.deviation)), 2, accuracy: 0.03)
        let p3 = try XCTUnwrap(try range(values, CalibrationOptions(method: .distribution, scenario: .p3)))
        XCTAssertEqual(p3.max, values.max()!)
        XCTAssertLessThan(try XCTUnwrap(p3.deviation), 1.5)   // of cube roots
    }

    func testDefaults() {
        XCTAssertTrue(CalibrationOptions(method: .percentile).isSymmetric)
        XCTAssertFalse(CalibrationOptions(method: .percentile, symmetric: false).isSymmetric)
        for method in [CalibrationMethod.minmax, .entropy, .distribution, .mse] {
            XCTAssertFalse(CalibrationOptions(method: method).isSymmetric)
        }
        XCTAssertEqual(CalibrationOptions(method: .entropy).bins, 128)
        XCTAssertEqual(CalibrationOptions(method: .mse).bins, 2048)
        XCTAssertEqual(CalibrationOptions(method: .entropy, numBins: 2048).bins, 2048)
        XCTAssertEqual(CalibrationOptions().percentile, 99.999)
        XCTAssertEqual(CalibrationOptions().numQuantizedBins, 128)
        XCTAssertEqual(CalibrationOptions().averagingConstant, 0.01)
        XCTAssertEqual(CalibrationMethod.allCases.map(\.rawValue), ["minmax", "entropy", "percentile", "distribution", "mse"])
    }

    func testInvalidOptionsAreRefused() {
        let invalid = [
            CalibrationOptions(method: .percentile, percentile: 100.5),
            CalibrationOptions(movingAverage: true, averagingConstant: 1.5),
            CalibrationOptions(movingAverage: true, movingAverageStride: 0),
            CalibrationOptions(method: .entropy, numBins: 1),
            CalibrationOptions(method: .entropy, numBins: 256, numQuantizedBins: 512),
            CalibrationOptions(method: .distribution, numBins: 256),
            CalibrationOptions(method: .mse, quantizationBits: 1),
        ]
        for options in invalid {
            XCTAssertThrowsError(try CalibrationSession(tensors: ["x"], options: options), "\(options)") { error in
                XCTAssertTrue("\(error)".hasPrefix("invalid calibration option: "), "\(error)")
            }
        }
    }

    /// Thresholds are searched for many tensors at once; the answer does not depend on threads.
    func testParallelRangesEqualSerialOnes() throws {
        var random = CalibrationRandom(seed: 9)
        let tensors = (0..<6).map { i in random.laplacians(3000, scale: Double(i + 1)) }
        func ranges(threads: Int) throws -> [String: TensorRange] {
            let session = try CalibrationSession(tensors: (0..<6).map { "t\($0)" }, options: CalibrationOptions(method: .entropy, numBins: 512),
                                                 threads: threads)
            for (i, values) in tensors.enumerated() { session.observe("t\(i)", Tensor(values, shape: [values.count])) }
            return session.ranges()
        }
        XCTAssertEqual(try ranges(threads: 2), try ranges(threads: 1))
        XCTAssertEqual(try ranges(threads: 1).count, 6)
    }

    // MARK: - Helpers

    private func laplacianWithOutliers() -> [Float] {
        var random = CalibrationRandom(seed: 10)
        var values = random.laplacians(200_000)
        values[100] = 40
        values[5000] = -35
        values[9000] = 38
        return values
    }

    /// Mean squared error of symmetric int8 fake quantization (−127…127) at threshold t.
    private func quantizationError(_ values: [Float], threshold t: Float) -> Double {
        let scale = Double(t) / 127
        return values.reduce(0.0) { sum, x in
            let q = Swift.min(Swift.max((Double(x) / scale).rounded(), -127), 127)
            return sum + (Double(x) - q * scale) * (Double(x) - q * scale)
        } / Double(values.count)
    }

    private func range(_ values: [Float], _ options: CalibrationOptions) throws -> TensorRange? {
        let session = try CalibrationSession(tensors: ["x"], options: options, threads: 1)
        // Four samples, so the histogram also grows on the way.
        let quarter = (values.count + 3) / 4
        for start in stride(from: 0, to: values.count, by: quarter) {
            let part = Array(values[start..<Swift.min(values.count, start + quarter)])
            session.observe("x", Tensor(part, shape: [part.count]))
            session.endSample()
        }
        return session.ranges()["x"]
    }
}

extension CalibrationRandom {
    /// Normal(mean, deviation) samples from a fresh generator.
    func normalsShifted(_ count: Int, mean: Float = 0.5, deviation: Float = 1.5) -> [Float] {
        var copy = self
        return copy.normals(count).map { $0 * deviation + mean }
    }
}
