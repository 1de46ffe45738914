import XCTest
import CKernels
import Foundation
import ONNXModel
import _TestSupport
@testable import Runtime

/// SIMD forms of the unary rules against their scalar forms, and the op-level semantics the
/// node tests leave out (special values, integer inputs, large parallel tensors).
final class ElementwiseUnaryTests: XCTestCase {
    /// Values every SIMD rule must agree with its scalar rule on.
    static let specials: [Float] = [0, -0, 1, -1, 0.5, -0.5, 3, -3, 6, -6, 1e-6, -1e-6, 20, -20, 88, -88, 100, -100,
                                    .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                    .leastNonzeroMagnitude]

    func testVectorExpStaysWithinTwoUlpOfExpf() {
        var worst: Float = 0
        var x: Float = -104
        while x < 89 {
            let lanes = (0..<16).map { x + Float($0) * 0.000_37 }
            let vector = VectorMath.exp(FloatVector(lanes))
            for (lane, value) in lanes.enumerated() {
                let expected = expf(value)
                if expected.isInfinite || expected < Float.leastNormalMagnitude {
                    XCTAssertEqual(Double(vector[lane]), Double(expected), accuracy: Double(Float.leastNormalMagnitude), "exp(\(value))")
                } else {
                    worst = max(worst, abs(vector[lane] - expected) / expected.ulp)
                }
            }
            x += 0.0131
        }
        XCTAssertLessThanOrEqual(worst, 2)
        let special = VectorMath.exp(FloatVector([.nan, .infinity, -.infinity, 0, 88.72, 88.73, -87.3, -103] + [Float](repeating: 1, count: 8)))
        XCTAssertTrue(special[0].isNaN)
        XCTAssertEqual(special[1], .infinity)
        XCTAssertEqual(special[2], 0)
        XCTAssertEqual(special[3], 1)
        XCTAssertEqual(special[4], expf(88.72), accuracy: expf(88.72).ulp * 2)
        XCTAssertEqual(special[5], .infinity)
    }

    func testVectorTanhStaysWithinTwoUlpOfTanhf() {
        var worst: Float = 0
        var x: Float = -12
        while x < 12 {
            let lanes = (0..<16).map { x + Float($0) * 0.000_41 }
            let vector = VectorMath.tanh(FloatVector(lanes))
            for (lane, value) in lanes.enumerated() {
                let expected = tanhf(value)
                worst = max(worst, abs(vector[lane] - expected) / max(expected.magnitude, Float.leastNormalMagnitude).ulp)
            }
            x += 0.0071
        }
        XCTAssertLessThanOrEqual(worst, 2)
        let special = VectorMath.tanh(FloatVector([.nan, .infinity, -.infinity, 0, -0, 1e-30, 100, -100] + [Float](repeating: 1, count: 8)))
        XCTAssertTrue(special[0].isNaN)
        XCTAssertEqual(Array((0..<8).map { special[$0] }.dropFirst()), [1, -1, 0, -0, 1e-30, 1, -1])
    }

    func testVectorErfStaysWithinThreeUlpOfTheDoubleErf() {
        var worst: Float = 0
        var inputs: [Float] = []
        var x: Float = -4.5
        while x < 4.5 { inputs.append(x); x += 0.000_731 }
        var y = [Float](repeating: 0, count: inputs.count)
        qt_erf_f32(inputs, &y, inputs.count)
        for (value, result) in zip(inputs, y) {
            let exact = erf(Double(value))
            worst = max(worst, Float(abs(Double(result) - exact)) / max(Float(exact).magnitude, Float.leastNormalMagnitude).ulp)
            XCTAssertEqual(result, qt_erf_scalar(value), "the vector loop and the scalar formula differ at \(value)")
        }
        XCTAssertLessThanOrEqual(worst, 3)
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -Float.zero, 3.93, -100, 1e-30, -1e-40, 3.92]
        var out = [Float](repeating: 0, count: specials.count)
        qt_erf_f32(specials, &out, specials.count)
        XCTAssertTrue(out[0].isNaN)
        XCTAssertEqual(Array(out[1..<7]), [1, -1, 0, 0, 1, -1])
        XCTAssertEqual(out[4].sign, .minus, "erf(-0) is -0")
        for i in 7..<specials.count {
            XCTAssertEqual(out[i], erff(specials[i]), accuracy: 2 * erff(specials[i]).magnitude.ulp, "erf(\(specials[i]))")
        }
    }

    func testErfAndGeluDoNotDependOnTheThreadSplit() throws {
        let values = (0..<100_003).map { Float(sin(Double($0) * 0.013) * 5) }
        let x = Tensor(values, shape: [values.count])
        for rule in [ErfKernel.rule as any UnaryRule, GeluKernel.rule] {
            let one = try UnaryMap.apply(rule, x, threads: 1).scalars(Float.self)
            let two = try UnaryMap.apply(rule, x, threads: 2).scalars(Float.self)
            XCTAssertTrue(one.elementsEqual(two) { $0.bitPattern == $1.bitPattern })
            // Gelu's 1 + erf cancels for negative x: erf's few ulp of 1 scale with |x|, not with the result.
            for i in stride(from: 0, to: values.count, by: 97) {
                let tolerance = 4 * (abs(one[i]).ulp + abs(values[i]) * Float(1).ulp)
                XCTAssertEqual(one[i], rule.real(values[i]), accuracy: tolerance, "\(type(of: rule))(\(values[i]))")
            }
        }
    }

    func testSIMDRulesMatchTheirScalarReference() throws {
        let rules: [(String, any UnaryRule, Float)] = [
            ("Relu", ReluKernel.rule, 0), ("LeakyRelu", ElementwiseRuleNode.kernel(LeakyReluKernel.self, [ElementwiseHarness.float("alpha", 0.1)]), 0),
            ("HardSigmoid", ElementwiseRuleNode.kernel(HardSigmoidKernel.self, []), 0), ("HardSwish", HardSwishKernel.rule, 0),
            ("Sigmoid", SigmoidKernel.rule, 3e-7), ("Exp", ExpKernel.rule, 3e-7), ("Abs", AbsKernel.rule, 0),
            ("Neg", NegKernel.rule, 0), ("Sqrt", SqrtKernel.rule, 0), ("Floor", FloorKernel.rule, 0),
            ("Ceil", CeilKernel.rule, 0), ("Round", RoundKernel.rule, 0), ("Reciprocal", ReciprocalKernel.rule, 0),
            ("Clip", ClipRange(low: -1.5, high: 2), 0), ("ClipCrossed", ClipRange(low: 2, high: -1), 0),
            ("Erf", ErfKernel.rule, 5e-7), ("Tanh", TanhKernel.rule, 3e-7),
        ]
        var random = SeededRandom(seed: 3)
        var inputs = Self.specials
        for _ in 0..<4000 { inputs.append(random.float(-30...30)) }
        for (name, rule, tolerance) in rules {
            let (fast, reference) = Self.bothLoops(rule, inputs)
            for i in inputs.indices {
                if reference[i].isNaN { XCTAssertTrue(fast[i].isNaN, "\(name)(\(inputs[i]))"); continue }
                let allowed = tolerance * max(abs(reference[i]), 1e-30)
                XCTAssertTrue(fast[i] == reference[i] || abs(fast[i] - reference[i]) <= allowed,
                              "\(name)(\(inputs[i])) = \(fast[i]), scalar \(reference[i])")
            }
        }
    }

    func testLargeTensorsSplitOverThreadsGiveTheSameValues() throws {
        var random = SeededRandom(seed: 5)
        let x = random.floatTensor([3, 50_001])
        for op in ["Relu", "Sigmoid", "Tanh", "Exp", "Softsign"] {
            let parallel = try ElementwiseHarness.run(op, [x.tensor], threads: 4).scalars(Float.self)
            let serial = try ElementwiseHarness.run(op, [x.tensor], threads: 1).scalars(Float.self)
            XCTAssertEqual(parallel, serial, op)
        }
    }

    func testActivationsAtKnownPoints() throws {
        let x = Tensor([-2, -0.5, 0, 0.5, 2] as [Float], shape: [5])
        func values(_ op: String, _ attributes: [AttributeProto] = []) throws -> [Float] {
            try ElementwiseHarness.run(op, [x], attributes: attributes).scalars(Float.self)
        }
        XCTAssertEqual(try values("Elu"), [expm1f(-2), expm1f(-0.5), 0, 0.5, 2])
        XCTAssertEqual(try values("Softplus")[2], logf(2), accuracy: 1e-7)
        XCTAssertEqual(try values("Gelu")[4], 2 * 0.5 * (1 + erff(2 / Float(2).squareRoot())), accuracy: 1e-6)
        XCTAssertEqual(try values("Gelu", [ElementwiseHarness.string("approximate", "tanh")])[4], 1.954_597, accuracy: 1e-5)
        for (value, expected) in zip(try values("HardSwish"), [-1 / 3, -0.5 * 2.5 / 6, 0, 0.5 * 3.5 / 6, 2 * 5 / 6] as [Float]) {
            XCTAssertEqual(value, expected, accuracy: 1e-6)
        }
        XCTAssertEqual(try values("Round"), [-2, -0, 0, 0, 2])
        XCTAssertEqual(try values("Sign"), [-1, -1, 0, 1, 1])
        XCTAssertThrowsError(try values("Gelu", [ElementwiseHarness.string("approximate", "erf")]))
    }

    func testClipBoundsFromAttributesInputsAndIntegers() throws {
        let x = Tensor([-3, -1, 0, 1, 3] as [Float], shape: [5])
        let old = [ElementwiseHarness.float("min", -1), ElementwiseHarness.float("max", 2)]
        XCTAssertEqual(try ElementwiseHarness.run("Clip", [x], attributes: old, opset: 6).scalars(Float.self), [-1, -1, 0, 1, 2])
        XCTAssertEqual(try ElementwiseHarness.run("Clip", [x, Tensor(scalar: Float(0))]).scalars(Float.self), [0, 0, 0, 1, 3])
        let ints = Tensor([-300, 5, 300] as [Int64], shape: [3])
        let clipped = try ElementwiseHarness.run("Clip", [ints, Tensor(scalar: Int64(-10)), Tensor(scalar: Int64(10))])
        XCTAssertEqual(clipped.scalars(Int64.self), [-10, 5, 10])
        XCTAssertThrowsError(try ElementwiseHarness.run("Clip", [x, Tensor([0, 1] as [Float], shape: [2])]))
    }

    func testIntegerUnaryOps() throws {
        let x = Tensor([-128, -3, 0, 7] as [Int8], shape: [4])
        XCTAssertEqual(try ElementwiseHarness.run("Abs", [x]).scalars(Int8.self), [-128, 3, 0, 7])
        XCTAssertEqual(try ElementwiseHarness.run("Neg", [x]).scalars(Int8.self), [-128, 3, 0, -7])
        XCTAssertEqual(try ElementwiseHarness.run("Sign", [x]).scalars(Int8.self), [-1, -1, 0, 1])
        XCTAssertEqual(try ElementwiseHarness.run("Relu", [x]).scalars(Int8.self), [0, 0, 0, 7])
        XCTAssertThrowsError(try ElementwiseHarness.run("Sqrt", [x]))
    }

    private static func bothLoops(_ rule: any UnaryRule, _ inputs: [Float]) -> ([Float], [Float]) {
        var fast = [Float](repeating: 0, count: inputs.count)
        var reference = fast
        inputs.withUnsafeBufferPointer { x in
            fast.withUnsafeMutableBufferPointer { rule.floatLoop(x.baseAddress!, $0.baseAddress!, 0..<inputs.count) }
            reference.withUnsafeMutableBufferPointer { rule.referenceLoop(x.baseAddress!, $0.baseAddress!, 0..<inputs.count) }
        }
        return (fast, reference)
    }
}

private extension UnaryKernel {
    /// The kernel with its attributes' defaults, used as a rule.
    static var rule: Self { ElementwiseRuleNode.kernel(Self.self, []) }
}

private enum ElementwiseRuleNode {
    static func kernel<Kernel: OpKernel>(_: Kernel.Type, _ attributes: [AttributeProto]) -> Kernel {
        let node = Node(opType: "Test", inputs: [], outputs: [], attributes: attributes.map(Attribute.init))
        let kernelNode = KernelNode(node: node, opset: 21) { _ in throw RuntimeError.unsupported("no subgraphs here") }
        return try! Kernel(kernelNode)
    }
}
