import XCTest
import Foundation
import _TestSupport
@testable import Runtime

final class NormalizationTests: XCTestCase {
    typealias H = ReductionHarness

    func testSIMDRowStatisticsMatchReference() {
        var numbers = H.Numbers(seed: 21)
        for length in [1, 7, 8, 15, 16, 17, 33, 384, 4095, 4097, 10_000] {
            let values = numbers.floats(length, scale: 3).map { $0 + 10 }
            values.withUnsafeBufferPointer { x in
                let fast = Float.rowMoments(x.baseAddress!, length)
                let reference = NormalizationMath.referenceMoments(x.baseAddress!, length)
                XCTAssertEqual(fast.mean, reference.mean, accuracy: 1e-6 * abs(reference.mean), "\(length)")
                XCTAssertEqual(fast.variance, reference.variance, accuracy: 1e-5 * reference.variance + 1e-9, "\(length)")
                XCTAssertEqual(Float.rowMeanSquare(x.baseAddress!, length), NormalizationMath.referenceMeanSquare(x.baseAddress!, length),
                               accuracy: 1e-5 * 100)
            }
        }
    }

    /// LayerNormalization and its optional outputs against the formula, with a bias and a
    /// scale that broadcasts over the normalized axes.
    func testLayerNormalizationMatchesFormula() throws {
        var numbers = H.Numbers(seed: 2)
        let shape = [2, 3, 4, 5]
        let x = numbers.floats(120, scale: 4)
        let scale = numbers.floats(5), bias = numbers.floats(20)
        let outputs = try H.run("LayerNormalization", opset: 17,
                                inputs: [Tensor(x, shape: shape), Tensor(scale, shape: [5]), Tensor(bias, shape: [4, 5])],
                                outputs: 3, attributes: [H.int("axis", -2), H.float("epsilon", 1e-3)])
        var expected: [Float] = [], means: [Float] = [], inverses: [Float] = []
        for row in 0..<6 {
            let slice = x[(row * 20)..<(row * 20 + 20)].map(Double.init)
            let mean = slice.reduce(0, +) / 20
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20
            let inverse = 1 / (variance + 1e-3).squareRoot()
            for (j, v) in slice.enumerated() {
                expected.append(Float((v - mean) * inverse * Double(scale[j % 5]) + Double(bias[j])))
            }
            means.append(Float(mean))
            inverses.append(Float(inverse))
        }
        H.assertClose(outputs[0].scalars(Float.self), expected)
        XCTAssertEqual(outputs[1].shape, [2, 3, 1, 1])
        H.assertClose(outputs[1].scalars(Float.self), means)
        H.assertClose(outputs[2].scalars(Float.self), inverses)
    }

    func testRMSNormalizationDoesNotCenter() throws {
        let x: [Float] = [1, 2, 3, 4, -1, 0, 1, 2]
        let y = try H.run("RMSNormalization", opset: 23, inputs: [Tensor(x, shape: [2, 4]), Tensor([Float](repeating: 2, count: 4), shape: [4])])[0]
        let first = (30.0 / 4 + 1e-5).squareRoot(), second = (6.0 / 4 + 1e-5).squareRoot()
        H.assertClose(y.scalars(Float.self), x.enumerated().map { Float(2 * Double($1) / ($0 < 4 ? first : second)) })
    }

    func testBatchNormalizationInferenceAndSpatialZero() throws {
        var numbers = H.Numbers(seed: 4)
        let x = numbers.floats(2 * 3 * 4)
        let scale: [Float] = [1, 2, 0.5], bias: [Float] = [0, 1, -1], mean: [Float] = [0.1, -0.2, 0.3], variance: [Float] = [1, 0.5, 2]
        let y = try H.run("BatchNormalization", opset: 15, inputs: [Tensor(x, shape: [2, 3, 4]), Tensor(scale, shape: [3]),
                                                                   Tensor(bias, shape: [3]), Tensor(mean, shape: [3]),
                                                                   Tensor(variance, shape: [3])])[0]
        let expected = x.enumerated().map { i, v -> Float in
            let c = (i / 4) % 3
            return (v - mean[c]) / (variance[c] + 1e-5).squareRoot() * scale[c] + bias[c]
        }
        H.assertClose(y.scalars(Float.self), expected)
        // Opset 7 with spatial=0: parameters per (channel, position).
        let perElement = (0..<12).map { Float($0) * 0.1 + 0.5 }
        let z = try H.run("BatchNormalization", opset: 7, inputs: [Tensor(x, shape: [2, 3, 4])] + [Tensor](repeating: Tensor(perElement, shape: [3, 4]), count: 4),
                          attributes: [H.int("spatial", 0)])[0]
        let expectedZ = x.enumerated().map { i, v -> Float in
            let p = perElement[i % 12]
            return (v - p) / (p + 1e-5).squareRoot() * p + p
        }
        H.assertClose(z.scalars(Float.self), expectedZ)
    }

    func testBatchNormalizationTrainingModeUpdatesRunningStatistics() throws {
        let x: [Float] = [1, 2, 3, 4, 10, 20, 30, 40]  // [N=2, C=2, 2]
        let ones = Tensor([Float](repeating: 1, count: 2), shape: [2]), zeros = Tensor([Float](repeating: 0, count: 2), shape: [2])
        let outputs = try H.run("BatchNormalization", opset: 15, inputs: [Tensor(x, shape: [2, 2, 2]), ones, zeros, zeros, ones],
                                outputs: 3, attributes: [H.int("training_mode", 1)])
        // Channel 0 holds 1, 2, 10, 20; channel 1 holds 3, 4, 30, 40.
        let means: [Double] = [8.25, 19.25]
        let channels: [[Double]] = [[1, 2, 10, 20], [3, 4, 30, 40]]
        var variances: [Double] = []
        for (c, v) in channels.enumerated() {
            let squares: [Double] = v.map { ($0 - means[c]) * ($0 - means[c]) }
            variances.append(squares.reduce(0, +) / 4)
        }
        H.assertClose(outputs[1].scalars(Float.self), means.map { Float($0 * 0.1) })
        H.assertClose(outputs[2].scalars(Float.self), variances.map { Float(0.9 + $0 * 0.1) })
        H.assertClose([outputs[0].scalars(Float.self)[0]], [Float((1 - means[0]) / (variances[0] + 1e-5).squareRoot())])
    }

    /// Before opset 14 the outputs said the mode: listing the training outputs means training
    /// mode, what training_mode=1 says from 14 (onnxruntime agrees).
    func testBatchNormalizationBeforeOpset14TrainsWhenItListsTrainingOutputs() throws {
        let x = Tensor([Float]([1, 2, 3, 4, 10, 20, 30, 40]), shape: [2, 2, 2])
        let ones = Tensor([Float](repeating: 1, count: 2), shape: [2]), zeros = Tensor([Float](repeating: 0, count: 2), shape: [2])
        let old = try H.run("BatchNormalization", opset: 9, inputs: [x, ones, zeros, zeros, ones], outputs: 3)
        let new = try H.run("BatchNormalization", opset: 15, inputs: [x, ones, zeros, zeros, ones], outputs: 3,
                            attributes: [H.int("training_mode", 1)])
        for (a, b) in zip(old, new) { H.assertClose(a.scalars(Float.self), b.scalars(Float.self)) }
        let inference = try H.run("BatchNormalization", opset: 9, inputs: [x, ones, zeros, zeros, ones])
        H.assertClose(inference[0].scalars(Float.self), x.scalars(Float.self).map { $0 / (1 + 1e-5).squareRoot() })
    }

    func testGroupNormalizationScalesPerGroupAtOpset18AndPerChannelAt21() throws {
        var numbers = H.Numbers(seed: 6)
        let x = Tensor(numbers.floats(2 * 4 * 3, scale: 5), shape: [2, 4, 3])
        let groupScale: [Float] = [2, -1], groupBias: [Float] = [0.5, 1]
        let old = try H.run("GroupNormalization", opset: 18,
                            inputs: [x, Tensor(groupScale, shape: [2]), Tensor(groupBias, shape: [2])],
                            attributes: [H.int("num_groups", 2)])[0]
        let new = try H.run("GroupNormalization", opset: 21,
                            inputs: [x, Tensor([Float]([2, 2, -1, -1]), shape: [4]), Tensor([Float]([0.5, 0.5, 1, 1]), shape: [4])],
                            attributes: [H.int("num_groups", 2)])[0]
        XCTAssertEqual(old.scalars(Float.self), new.scalars(Float.self))
        // With one group per channel and the same parameters it is InstanceNormalization.
        let channelScale = Tensor([Float]([1, 2, 3, 4]), shape: [4]), channelBias = Tensor([Float]([0, 1, 0, 1]), shape: [4])
        let grouped = try H.run("GroupNormalization", opset: 21, inputs: [x, channelScale, channelBias],
                                attributes: [H.int("num_groups", 4)])[0]
        let instance = try H.run("InstanceNormalization", opset: 6, inputs: [x, channelScale, channelBias])[0]
        XCTAssertEqual(grouped.scalars(Float.self), instance.scalars(Float.self))
        let values = x.scalars(Float.self).map(Double.init)
        let first = Array(values[0..<3]), mean = first.reduce(0, +) / 3
        let variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3
        H.assertClose(Array(instance.scalars(Float.self)[0..<3]), first.map { Float(($0 - mean) / (variance + 1e-5).squareRoot()) })
        XCTAssertThrowsError(try H.run("GroupNormalization", opset: 21, inputs: [x, channelScale, channelBias],
                                       attributes: [H.int("num_groups", 3)]))
    }

    func testMeanVarianceAndLpNormalization() throws {
        var numbers = H.Numbers(seed: 8)
        let values = numbers.floats(2 * 3 * 2 * 2, scale: 3)
        let x = Tensor(values, shape: [2, 3, 2, 2])
        let y = try H.run("MeanVarianceNormalization", opset: 13, inputs: [x])[0].scalars(Float.self)
        for c in 0..<3 {
            let indices = (0..<8).map { k in (k / 4) * 12 + c * 4 + k % 4 }
            let slice = indices.map { Double(values[$0]) }
            let mean = slice.reduce(0, +) / 8
            let std = (slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8).squareRoot()
            H.assertClose(indices.map { y[$0] }, slice.map { Float(($0 - mean) / (std + 1e-9)) }, "channel \(c)")
        }
        let l1 = try H.run("LpNormalization", opset: 1, inputs: [x], attributes: [H.int("axis", 1), H.int("p", 1)])[0]
        let l1Values = l1.scalars(Float.self)
        let column = [0, 4, 8].map { Double(values[$0]) }
        let norm = column.map(abs).reduce(0, +)
        H.assertClose([0, 4, 8].map { l1Values[$0] }, column.map { Float($0 / norm) })
    }

    func testLRNMatchesFormula() throws {
        let values = (0..<10).map { Float($0) * 0.5 - 2 }
        let y = try H.run("LRN", opset: 13, inputs: [Tensor(values, shape: [1, 5, 2])],
                          attributes: [H.int("size", 3), H.float("alpha", 0.2), H.float("beta", 0.6), H.float("bias", 2)])[0]
        let expected = values.indices.map { i -> Float in
            let c = i / 2, p = i % 2
            let window = max(0, c - 1)...min(4, c + 1)
            let squares = window.map { Double(values[$0 * 2 + p]) * Double(values[$0 * 2 + p]) }.reduce(0, +)
            return Float(Double(values[i]) / pow(2 + 0.2 / 3 * squares, 0.6))
        }
        H.assertClose(y.scalars(Float.self), expected)
    }
}
