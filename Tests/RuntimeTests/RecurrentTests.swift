import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// LSTM, GRU and RNN against the spec's equations written out element by element, over the
/// options the ONNX backend tests leave out: both directions, sequence_lens, layout 1, clip,
/// input_forget, linear_before_reset, and batches large enough for the GEMM path.
final class RecurrentTests: XCTestCase {
    func testLSTMMatchesTheEquations() throws {
        for (seed, direction) in ["forward", "reverse", "bidirectional"].enumerated() {
            try RecurrentTesting.check(RecurrentCase(op: "LSTM", direction: direction), seed: UInt64(seed))
        }
        try RecurrentTesting.check(RecurrentCase(op: "LSTM", withBias: false, withInitialState: false, withPeepholes: false), seed: 3)
        try RecurrentTesting.check(RecurrentCase(op: "LSTM", clip: 0.4, inputForget: true), seed: 4)
    }

    func testGRUMatchesTheEquationsWithAndWithoutLinearBeforeReset() throws {
        for linear in [false, true] {
            for (seed, direction) in ["forward", "reverse", "bidirectional"].enumerated() {
                try RecurrentTesting.check(RecurrentCase(op: "GRU", direction: direction, linearBeforeReset: linear), seed: UInt64(seed))
            }
        }
    }

    func testRNNMatchesTheEquations() throws {
        try RecurrentTesting.check(RecurrentCase(op: "RNN", direction: "bidirectional", clip: 0.8), seed: 5)
    }

    func testShorterSequencesStopEarlyAndLeaveZerosInY() throws {
        for op in ["LSTM", "GRU", "RNN"] {
            for direction in ["forward", "bidirectional"] {
                try RecurrentTesting.check(RecurrentCase(op: op, sequence: 5, batch: 3, direction: direction, lengths: [5, 2, 0]), seed: 6)
            }
        }
    }

    func testBatchwiseLayout() throws {
        for op in ["LSTM", "GRU", "RNN"] {
            try RecurrentTesting.check(RecurrentCase(op: op, direction: "bidirectional", layout: 1, lengths: [3, 1]), seed: 7)
        }
    }

    func testLargeBatchesTakeTheGEMMPath() throws {
        let batch = RecurrentProducts.dotRowLimit + 3
        for op in ["LSTM", "GRU"] {
            try RecurrentTesting.check(RecurrentCase(op: op, sequence: 4, batch: batch, inputSize: 9, hidden: 11,
                                                     direction: "bidirectional"), seed: 8)
        }
    }

    func testLongSequencesStreamTransposedWeights() throws {
        for op in ["LSTM", "GRU", "RNN"] {
            try RecurrentTesting.check(RecurrentCase(op: op, sequence: RecurrentWeights.transposeFromSteps + 2, batch: 2, hidden: 40,
                                                     direction: "bidirectional", lengths: [6, 3]), seed: 12)
        }
    }

    func testPreparedWeightsMatchTheReferenceLoop() {
        var generator = RecurrentTesting.Generator(seed: 13)
        // (rows, k, n, steps): dot products, transposed blocks with tails, qt_sgemm, and one
        // transposed product big enough to split across threads.
        for (rows, k, n, steps) in [(1, 7, 5, 1), (2, 33, 70, 9), (3, 16, 96, 4), (6, 20, 45, 9), (1, 1024, 1024, 9)] {
            let h = (0..<(rows * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            let r = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            let columns = (n / 3)..<n
            var fast = [Float](repeating: .nan, count: rows * columns.count), reference = fast
            r.withUnsafeBufferPointer { weights in
                RecurrentWeights(weights.baseAddress!, n: n, k: k, rows: rows, steps: steps)
                    .multiply(h, columns: columns, into: &fast, ldc: columns.count, threads: 2)
                RecurrentProducts.referenceMultiplyTransposed(h, rows: rows, k: k, lda: k, weights.baseAddress! + columns.lowerBound * k,
                                                              n: columns.count, into: &reference, ldc: columns.count)
            }
            let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-5 * Float(k), "rows \(rows) k \(k) n \(n) steps \(steps)")
        }
    }

    func testProductsMatchTheReferenceLoop() {
        var generator = RecurrentTesting.Generator(seed: 9)
        // Random small shapes, then two big enough to split across threads (columns, then rows).
        let shapes = (0..<20).map { _ in
            (Int.random(in: 1...12, using: &generator), Int.random(in: 1...40, using: &generator), Int.random(in: 1...50, using: &generator))
        } + [(2, 512, 2048), (40, 256, 256)]
        for (rows, k, n) in shapes {
            let lda = k + Int.random(in: 0...3, using: &generator)
            let a = (0..<(rows * lda)).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<(n * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            var fast = [Float](repeating: .nan, count: rows * n), reference = fast
            RecurrentProducts.multiplyTransposed(a, rows: rows, k: k, lda: lda, b, n: n, into: &fast, ldc: n, threads: 2)
            RecurrentProducts.referenceMultiplyTransposed(a, rows: rows, k: k, lda: lda, b, n: n, into: &reference, ldc: n)
            let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-5 * Float(k), "rows \(rows) k \(k) n \(n)")
        }
    }

    /// onnxruntime hands activation_alpha/beta values only to the functions that take them, in order.
    func testActivationParametersAreConsumedInOrder() throws {
        let parsed = try RecurrentActivation.parse(["Sigmoid", "Affine", "Softplus", "HardSigmoid", "LeakyRelu"],
                                                   alphas: [0.5, 0.2], betas: [0.1])
        XCTAssertEqual(parsed, [.sigmoid, .affine(alpha: 0.5, beta: 0.1), .softplus, .hardSigmoid(alpha: 0.2, beta: 0.5),
                                .leakyRelu(alpha: 0.01)])
        XCTAssertThrowsError(try RecurrentActivation.parse(["Swish"], alphas: [], betas: []))
    }

    func testActivationsComputeTheirFormulas() {
        let cases: [(RecurrentActivation, Float, Float)] = [
            (.relu, -2, 0), (.tanh, 0.5, tanhf(0.5)), (.sigmoid, -30, 1 / (1 + expf(30))), (.softsign, 3, 0.75),
            (.softplus, 40, 40), (.affine(alpha: 2, beta: 1), 3, 7), (.leakyRelu(alpha: 0.1), -2, -0.2),
            (.thresholdedRelu(alpha: 1), 1, 0), (.scaledTanh(alpha: 2, beta: 0.5), 1, 2 * tanhf(0.5)),
            (.hardSigmoid(alpha: 0.2, beta: 0.5), 10, 1), (.elu(alpha: 2), -1, 2 * (expf(-1) - 1)),
        ]
        for (activation, input, expected) in cases {
            var value = input
            activation.apply(&value, 1)
            XCTAssertEqual(value, expected, accuracy: 1e-6, "\(activation)")
        }
    }

    func testVectorSigmoidAndTanhMatchLibm() {
        let inputs = (0..<4003).map { Float($0 - 2001) * 0.01 } + [-100, -88, 88, 100, 1e-6, -1e-6, 0]
        var sigmoid = inputs, tanh = inputs
        VectorActivation.sigmoid(&sigmoid, sigmoid.count)
        VectorActivation.tanh(&tanh, tanh.count)
        for (i, x) in inputs.enumerated() {
            let expectedSigmoid = 1 / (1 + Foundation.exp(-Double(x))), expectedTanh = Foundation.tanh(Double(x))
            XCTAssertLessThanOrEqual(abs(Double(sigmoid[i]) - expectedSigmoid), 4e-7 * expectedSigmoid + 1e-30, "sigmoid(\(x))")
            XCTAssertLessThanOrEqual(abs(Double(tanh[i]) - expectedTanh), 4e-7 * max(abs(expectedTanh), 1e-30), "tanh(\(x))")
        }
    }

    func testMismatchedShapesAreErrorsNotCrashes() throws {
        var testCase = RecurrentCase(op: "GRU")
        var inputs = testCase.inputs(seed: 10)
        inputs["W"] = Tensor(zeros: .float, shape: [1, 7, testCase.inputSize])
        XCTAssertThrowsError(try Interpreter(model: testCase.model()).run(inputs))
        testCase.lengths = [1, 9]
        inputs = testCase.inputs(seed: 10)
        XCTAssertThrowsError(try Interpreter(model: testCase.model()).run(inputs))
        inputs["sequence_lens"] = nil
        inputs["X"] = Tensor(zeros: .float, shape: [3, 2])
        XCTAssertThrowsError(try Interpreter(model: RecurrentCase(op: "LSTM").model()).run(inputs))
    }
}
