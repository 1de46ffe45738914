import Foundation
import Runtime
import XCTest
@testable import Quantization

/// Observation throughput, run on demand in a release build:
///
///     QTOOL_CALIBRATION_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter CalibrationThroughput
final class CalibrationThroughputTests: XCTestCase {
    func testObservationThroughput() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["QTOOL_CALIBRATION_BENCH"] == "1", "set QTOOL_CALIBRATION_BENCH=1")
        var random = CalibrationRandom(seed: 12)
        for count in [16_384, 131_072, 1_048_576, 4_194_304] {
            let tensor = Tensor(random.normals(count), shape: [count])
            for method in [CalibrationMethod.minmax, .entropy] {
                for threads in [1, 2] {
                    let rate = try megabytesPerSecond(tensor, method: method, threads: threads)
                    print(String(format: "calibration throughput: %@ %8d floats, %d thread(s): %7.0f MB/s",
                                 method.rawValue, count, threads, rate))
                }
            }
        }
    }

    func testThresholdSearchTime() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["QTOOL_CALIBRATION_BENCH"] == "1", "set QTOOL_CALIBRATION_BENCH=1")
        var random = CalibrationRandom(seed: 13)
        let tensor = Tensor(random.laplacians(262_144), shape: [262_144])
        for method in [CalibrationMethod.entropy, .percentile, .distribution, .mse] {
            let session = try CalibrationSession(tensors: ["x"], options: CalibrationOptions(method: method), threads: 1)
            session.observe("x", tensor)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = session.ranges()
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            print(String(format: "threshold search: %@ %.1f ms per tensor", method.rawValue, milliseconds))
        }
    }

    private func megabytesPerSecond(_ tensor: Tensor, method: CalibrationMethod, threads: Int) throws -> Double {
        let session = try CalibrationSession(tensors: ["x"], options: CalibrationOptions(method: method), threads: threads)
        session.observe("x", tensor)   // warm-up: sets the histogram's interval
        let repeats = max(3, 64_000_000 / tensor.count)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { session.observe("x", tensor) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(tensor.byteCount * repeats) / seconds / 1e6
    }
}
