import Foundation
import ONNXModel
import Runtime
import XCTest
import CKernels
import _TestSupport
@testable import Quantization

/// The streaming machinery: fixed memory, exact bin merging when the range grows, the vector
/// passes against their scalar twins, NaN/inf skipping, float16, samples and the observer.
final class CalibrationStreamingTests: XCTestCase {
    func testHistogramMemoryDoesNotGrowWithSamples() throws {
        let session = try CalibrationSession(tensors: ["x"], options: CalibrationOptions(method: .mse), threads: 1)
        var random = CalibrationRandom(seed: 1)
        session.observe("x", Tensor(random.normals(4096), shape: [4096]))
        session.endSample()
        let first = session.histogramBytes
        XCTAssertEqual(first, 2048 * CalibrationSession.fineBinsPerBin * 8)
        for sample in 1...200 {   // ranges widen and shrink along the way
            let scale = Float(1 + sample % 17)
            session.observe("x", Tensor(random.normals(4096).map { $0 * scale }, shape: [4096]))
            session.endSample()
        }
        XCTAssertEqual(session.histogramBytes, first)
        XCTAssertEqual(session.samples, 201)
        XCTAssertEqual(session.statistics()["x"]?.values, 201 * 4096)
    }

    /// Growing the interval merges whole bins, so the result is exactly the histogram of all
    /// values binned once over the final interval. Values sit a quarter bin off every edge.
    func testGrowingMergesBinsExactly() {
        for domain in [StreamingHistogram.Domain.signed, .magnitude] {
            let batches: [[Float]] = [
                (0..<40).map { (Float($0 % 64) + 0.25) / 64 },
                (0..<90).map { (Float($0) - 45 + 0.25) / 64 * 3.7 },
                (0..<30).map { -(Float($0) * 11 + 0.25) / 64 },
            ]
            var histogram = StreamingHistogram(domain: domain, bins: 64)
            for batch in batches { add(batch, to: &histogram) }
            let reference = HistogramBinning.reference(batches.flatMap { $0 }, lower: histogram.lower, width: histogram.width,
                                                       magnitude: domain == .magnitude, bins: 64)
            XCTAssertEqual(histogram.counts, reference, "\(domain)")
        }
    }

    func testSignedIntervalGrowsByAWholeFactorAndKeepsZeroAnEdge() {
        var histogram = StreamingHistogram(domain: .signed, bins: 8)
        add([-1, 0.5, 1], to: &histogram)
        XCTAssertEqual(histogram.lower, -1)
        add([2.5], to: &histogram)
        XCTAssertEqual(histogram.lower, -3)   // factor 3
        XCTAssertEqual(histogram.width, 0.75)
        XCTAssertEqual(histogram.counts, [0, 0, 1, 0, 1, 1, 0, 1])   // −1 now in [−1.5, −0.75)
    }

    func testConstantValuesWaitForASecondValue() {
        var histogram = StreamingHistogram(domain: .signed, bins: 8)
        add([0, 0, -0.0], to: &histogram)
        XCTAssertEqual(histogram.memoryBytes, 0)
        add([0, 2], to: &histogram)
        XCTAssertEqual(histogram.counts, [0, 0, 0, 0, 4, 0, 0, 1])
        var magnitudes = StreamingHistogram(domain: .magnitude, bins: 4)
        add([3, -3], to: &magnitudes)
        add([1], to: &magnitudes)
        XCTAssertEqual(magnitudes.counts, [1, 0, 0, 2])
        XCTAssertEqual(magnitudes.regrouped(into: [1, 2, 3]), [1, 2])
    }

    func testScanMatchesItsScalarTwin() {
        var random = CalibrationRandom(seed: 2)
        for count in [0, 1, 15, 16, 17, 100, 1000, 4099] {
            var values = random.normals(count)
            for i in stride(from: 3, to: count, by: 97) { values[i] = [Float.nan, .infinity, -.infinity, 0][i % 4] }
            values.withUnsafeBufferPointer { buffer in
                XCTAssertEqual(ValueScan.scan(buffer), ValueScan.reference(buffer), "\(count) values")
            }
        }
    }

    /// The float32 index agrees with the float64 reference except for values within a rounding
    /// step of an edge (about 1 in 10⁴ with 1000 bins); threads change nothing.
    func testBinningMatchesItsScalarTwinSeriallyAndInParallel() {
        var random = CalibrationRandom(seed: 3)
        for count in [5000, 3 << 18] {
            var values = random.normals(count)
            values[7] = .nan
            let scan = values.withUnsafeBufferPointer { ValueScan.scan($0) }
            for domain in [StreamingHistogram.Domain.signed, .magnitude] {
                var serial = StreamingHistogram(domain: domain, bins: 1000), parallel = serial
                values.withUnsafeBufferPointer { serial.add($0, scan: scan, threads: 1) }
                values.withUnsafeBufferPointer { parallel.add($0, scan: scan, threads: 2) }
                XCTAssertEqual(serial.counts, parallel.counts)
                let reference = HistogramBinning.reference(values, lower: serial.lower, width: serial.width,
                                                           magnitude: domain == .magnitude, bins: 1000)
                let moved = zip(serial.counts, reference).reduce(0) { $0 + abs($1.0 - $1.1) }
                XCTAssertEqual(serial.counts.reduce(0, +), Int64(count - 1))
                XCTAssertLessThanOrEqual(moved, Int64(2 + count / 5000), "\(domain) \(count)")
            }
        }
    }

    /// Large blocks count through two lanes per bin: the very counts of the one-lane path, for
    /// values piled into a few bins and for spread ones.
    func testLaneCountingGivesTheSameCountsAsOneIncrementPerValue() {
        var random = CalibrationRandom(seed: 5)
        let bins = 4096
        let spread = random.normals(5 * bins + 37)
        let piled = spread.enumerated().map { $0.offset % 3 == 0 ? $0.element : Float(-4) }
        for values in [spread, piled] {
            for magnitude in [false, true] {
                let (offset, scale): (Float, Float) = (4.5, Float(bins) / 9)
                var counts = [Int64](repeating: 0, count: bins)
                values.withUnsafeBufferPointer {
                    qt_histogram_f32($0.baseAddress!, $0.count, offset, scale, magnitude ? 1 : 0, 0, &counts, Int64(bins))
                }
                var expected = [Int64](repeating: 0, count: bins)
                for x in values {
                    let position = ((magnitude ? x.magnitude : x) + offset) * scale
                    expected[Int(Swift.min(Swift.max(position, 0), Float(bins - 1)))] += 1
                }
                XCTAssertEqual(counts, expected, "magnitude=\(magnitude)")
            }
        }
    }

    func testNaNAndInfinityAreSkippedAndCounted() throws {
        let values: [Float] = [1, .nan, -2, .infinity, 3, -.infinity, 0.5]
        for method in CalibrationMethod.allCases {
            let session = try CalibrationSession(tensors: ["x"], options: CalibrationOptions(method: method, numBins: 512), threads: 1)
            session.observe("x", Tensor(values, shape: [7]))
            session.endSample()
            let range = try XCTUnwrap(session.ranges()["x"], "\(method)")
            XCTAssertTrue(range.min.isFinite && range.max.isFinite, "\(method): \(range)")
            XCTAssertGreaterThanOrEqual(range.min, -3, "\(method)")
            XCTAssertLessThanOrEqual(range.max, 3, "\(method)")
            XCTAssertEqual(session.skippedNonFinite(), ["x": 3])
            XCTAssertEqual(session.statistics()["x"], TensorStatistics(values: 4, nonFinite: 3, zeros: 0, min: -2, max: 3))
        }
    }

    func testOnlyNaNGivesNoRange() throws {
        let session = try CalibrationSession(tensors: ["x"], options: CalibrationOptions(method: .percentile), threads: 1)
        session.observe("x", Tensor([Float.nan, .nan], shape: [2]))
        XCTAssertNil(session.ranges()["x"])
        XCTAssertEqual(session.skippedNonFinite(), ["x": 2])
    }

    func testFloat16IsCalibratedAsFloat32() throws {
        var random = CalibrationRandom(seed: 4)
        let halves = random.normals(70_000).map { Float16($0 * 3) }   // more than one widening block
        let widened = halves.map(Float.init)
        let half = Tensor(halves.map(\.bitPattern), shape: [halves.count]).retyped(.float16)
        for method in [CalibrationMethod.minmax, .entropy] {
            let a = try CalibrationSession(tensors: ["h"], options: CalibrationOptions(method: method), threads: 1)
            a.observe("h", half)
            let b = try CalibrationSession(tensors: ["h"], options: CalibrationOptions(method: method), threads: 1)
            b.observe("h", Tensor(widened, shape: [widened.count]))
            XCTAssertEqual(a.ranges(), b.ranges(), "\(method)")
        }
    }

    func testOtherNamesTypesAndEmptyTensorsAreIgnored() throws {
        let session = try CalibrationSession(tensors: ["x", "i", "e"], options: CalibrationOptions(), threads: 1)
        session.observe("y", Tensor([Float(1)], shape: [1]))
        session.observe("i", Tensor([Int64(5)], shape: [1]))
        session.observe("e", Tensor([Float](), shape: [0]))
        XCTAssertTrue(session.ranges().isEmpty)
        XCTAssertTrue(session.statistics().isEmpty)
    }

    func testSeveralObservationsInOneSampleAreOneSample() throws {
        let options = CalibrationOptions(method: .minmax, movingAverage: true)
        let session = try CalibrationSession(tensors: ["x"], options: options, threads: 1)
        session.observe("x", Tensor([Float(-1), 2], shape: [2]))
        session.observe("x", Tensor([Float(-5), 1], shape: [2]))   // a loop body seen twice
        session.endSample()
        session.observe("x", Tensor([Float(-3), 4], shape: [2]))   // an open sample counts too
        XCTAssertEqual(session.ranges()["x"], TensorRange(min: -4, max: 3))
    }

    func testMovingAverageOverChunks() throws {
        let samples: [[Float]] = [[-1, 2], [-3, 4], [-2, 6], [-6, 2]]
        func range(_ options: CalibrationOptions) throws -> TensorRange? {
            let session = try CalibrationSession(tensors: ["x"], options: options, threads: 1)
            for sample in samples {
                session.observe("x", Tensor(sample, shape: [2]))
                session.endSample()
            }
            return session.ranges()["x"]
        }
        XCTAssertEqual(try range(CalibrationOptions(movingAverage: true)), TensorRange(min: -3, max: 3.5))
        // Chunks of 2: means (−2, 3) then (−4, 4), averaged with weight 0.5: (−3, 3.5).
        XCTAssertEqual(try range(CalibrationOptions(movingAverage: true, averagingConstant: 0.5, movingAverageStride: 2)),
                       TensorRange(min: -3, max: 3.5))
        XCTAssertEqual(try range(CalibrationOptions(movingAverage: true, averagingConstant: 0.25, movingAverageStride: 1)),
                       TensorRange(min: -2.71875, max: 3.03125))
        XCTAssertEqual(try range(CalibrationOptions(symmetric: true)), TensorRange(min: -6, max: 6))
        XCTAssertEqual(try range(CalibrationOptions()), TensorRange(min: -6, max: 6))
    }

    func testSessionObservesAnInterpreterRun() throws {
        var graph = GraphProto()
        graph.node = [TestModels.node("Relu", ["x"], ["r"]), TestModels.node("Neg", ["r"], ["y"])]
        graph.input = [TestModels.value("x")]
        graph.output = [TestModels.value("y")]
        let interpreter = try Interpreter(model: Model(TestModels.model(graph, opset: 13)), options: InterpreterOptions(threads: 1))
        let session = try CalibrationSession(tensors: ["x", "r", "y"], options: CalibrationOptions(), threads: 1)
        for sample in 0..<3 {
            let feed = Tensor((0..<10).map { Float($0 - 4) * Float(sample + 1) }, shape: [10])
            _ = try interpreter.run(["x": feed], observer: session.observer)
            session.endSample()
        }
        XCTAssertEqual(session.ranges(), ["x": TensorRange(min: -12, max: 15), "r": TensorRange(min: 0, max: 15),
                                          "y": TensorRange(min: -15, max: 0)])
    }

    private func add(_ values: [Float], to histogram: inout StreamingHistogram) {
        values.withUnsafeBufferPointer { histogram.add($0, scan: ValueScan.reference($0), threads: 1) }
    }
}

extension Tensor {
    /// The same bytes under another element type of the same size (float16 from its bits).
    func retyped(_ type: DataType) -> Tensor { Tensor(type: type, shape: shape, storage: storage) }
}

/// Deterministic test data.
struct CalibrationRandom {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(generator.next() >> 11) + 0.5) * 0x1p-53 }

    mutating func normals(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float(sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform())) }
    }

    /// Laplace(0, scale) samples.
    mutating func laplacians(_ count: Int, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in
            let u = uniform() - 0.5
            return Float(-scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u)))
        }
    }
}
