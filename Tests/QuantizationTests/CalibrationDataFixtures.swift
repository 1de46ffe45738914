import Foundation
import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// Shared pieces of the CalibrationData tests: the committed fixtures
/// (Fixtures/calibration, made by Fixtures/gen/make_calibration_fixtures.py), the values they
/// hold, and writers for building dataset folders in a temporary directory.
enum CalibrationFixtures {
    static var root: String { TestPaths.repoRoot + "/Fixtures/calibration" }
    static func path(_ name: String) -> String { root + "/" + name }

    /// The arrays of npz/{stored,compressed}.npz, as the generator computes them.
    static let x: [Float] = (0..<16 * 64).map { Float($0 % 97) * 0.25 - 3 }
    static let ids: [Int64] = [101, 2023, 2003, 1037, 3231, 102, 0]
    static let weird: [Double] = [0, 1, .nan, .infinity, -.infinity, 2.5, -1, .nan, 3]
    static let mask: [Bool] = [true, false, true, true, false]
    /// float16 bits of [1, -2, inf, 0.5].
    static let halfBits: [UInt16] = [0x3C00, 0xC000, 0x7C00, 0x3800]

    /// The specs of the npz fixtures' five arrays.
    static let npzInputs: [GraphInputSpec] = [
        GraphInputSpec(name: "x", elementType: .float, dims: [.fixed(16), .fixed(64)]),
        GraphInputSpec(name: "ids", elementType: .int64, dims: [.symbolic("n")]),
        GraphInputSpec(name: "weird", elementType: .double, dims: [.dynamic, .dynamic]),
        GraphInputSpec(name: "mask", elementType: .bool, dims: nil),
        GraphInputSpec(name: "half", elementType: .float16, dims: [.fixed(4)]),
    ]

    /// A BERT-like pair of inputs, [batch, seq] int64 each.
    static let textInputs: [GraphInputSpec] = ["input_ids", "attention_mask"].map {
        GraphInputSpec(name: $0, elementType: .int64, dims: [.symbolic("batch"), .symbolic("seq")])
    }

    static func bytes(_ name: String) throws -> [UInt8] { try TestFiles.read(path(name)) }

    static func writeNpy(_ tensor: Tensor, to path: String) throws {
        try TestFiles.write(try Npy.encode(tensor), to: path)
    }

    static func makeFolder(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func copy(_ fixture: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: path(fixture), toPath: destination)
    }

    /// `count` ids of one sample, shape [1, count].
    static func tokens(_ count: Int, start: Int64 = 100) -> Tensor {
        Tensor((0..<Int64(count)).map { start + $0 }, shape: [1, count])
    }
}

/// A test case with a fresh temporary folder, `root`, for the dataset it builds.
class CalibrationDataTestCase: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory("qtool-calibration") }
    override func tearDown() { folder = nil }

    var root: String { folder.path }
}

/// Asserts that `body` throws a `CalibrationDataError` whose one-line message contains every
/// one of `fragments`.
func assertCalibrationError<T>(_ body: @autoclosure () throws -> T, mentions fragments: [String],
                               file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
    } catch let error as CalibrationDataError {
        let message = error.description
        XCTAssertFalse(message.contains("\n"), "not one line: \(message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}

/// A deterministic pseudo-random sequence (64-bit LCG) for the corruption tests.
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
