import XCTest
import ONNXModel
import ProtoWire
import _TestSupport
@testable import Runtime

/// The broadcast plan and the SIMD/parallel binary paths against plain per-element reference
/// loops, on seeded random shapes.
final class ElementwiseBroadcastTests: XCTestCase {
    func testPlanMergesAxesIntoRuns() throws {
        let channel = try XCTUnwrap(BroadcastPlan([[2, 3, 4, 5], [3, 1, 1]]))
        XCTAssertEqual(channel.dims, [2, 3, 20])
        XCTAssertEqual(channel.strides[1], [0, 1, 0])
        XCTAssertEqual(channel.steps, [1, 0])

        let bias = try XCTUnwrap(BroadcastPlan([[2, 7, 16], [16]]))
        XCTAssertEqual(bias.dims, [14, 16])
        XCTAssertEqual(bias.steps, [1, 1])

        let same = try XCTUnwrap(BroadcastPlan([[2, 1, 3], [2, 1, 3]]))
        XCTAssertEqual(same.dims, [6])

        let scalar = try XCTUnwrap(BroadcastPlan([[4, 5], []]))
        XCTAssertEqual(scalar.dims, [20])
        XCTAssertEqual(scalar.steps, [1, 0])

        XCTAssertNil(BroadcastPlan([[2, 3], [4]]))
        XCTAssertEqual(BroadcastPlan([[], [1]])?.dims, [1])
    }

    func testRunsVisitEveryElementWithTheReferenceOffsets() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<300 {
            let shapes = random.broadcastableShapes(operands: 3, maxRank: 5, maxDim: 4)
            let plan = try XCTUnwrap(BroadcastPlan(shapes))
            let start = random.int(0...plan.count)
            let end = random.int(start...plan.count)
            var visited = start
            plan.forEachRun(in: start..<end) { offsets, first, count in
                XCTAssertEqual(first, visited)
                for i in 0..<count {
                    for (k, shape) in shapes.enumerated() {
                        let expected = BroadcastPlan.referenceOffset(of: first + i, operand: shape, output: plan.outputShape)
                        XCTAssertEqual(offsets[k] + i * plan.steps[k], expected, "\(shapes) element \(first + i)")
                    }
                }
                visited += count
            }
            XCTAssertEqual(visited, end)
        }
    }

    func testFloatFastPathsMatchTheScalarReference() throws {
        var random = SeededRandom(seed: 11)
        let ops: [(String, (Float, Float) -> Float)] = [
            ("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 }),
            ("PRelu", { $0 < 0 ? $0 * $1 : $0 }), ("Max", { Swift.max($0, $1) }), ("Min", { Swift.min($0, $1) }),
        ]
        var shapes = [[[16, 32, 9, 9], [32, 1, 1]], [[2, 37, 48], [48]], [[3, 30000], [1]], [[70000], [70000]], [[1], [3, 30000]]]
        for _ in 0..<40 { shapes.append(random.broadcastableShapes(operands: 2, maxRank: 4, maxDim: 40)) }
        for pair in shapes {
            let a = random.floatTensor(pair[0])
            let b = random.floatTensor(pair[1]).map { $0 == 0 ? 1 : $0 }
            for (op, reference) in ops {
                let result = try ElementwiseHarness.run(op, [a.tensor, b.tensor], threads: 2)
                let expected = ElementwiseHarness.reference(a, b, reference)
                XCTAssertEqual(result.shape, expected.shape, "\(op) \(pair)")
                XCTAssertEqual(result.scalars(Float.self), expected.values, "\(op) \(pair)")
            }
        }
    }

    func testIntegerArithmeticWrapsTruncatesAndRejectsZeroDivisors() throws {
        let a = Tensor([7, -7, 7, -7, Int32.min, 3] as [Int32], shape: [6])
        let b = Tensor([2, 2, -2, -2, -1, 5] as [Int32], shape: [6])
        XCTAssertEqual(try ElementwiseHarness.run("Div", [a, b]).scalars(Int32.self), [3, -3, -3, 3, Int32.min, 0])
        XCTAssertEqual(try ElementwiseHarness.run("Mod", [a, b]).scalars(Int32.self), [1, 1, -1, -1, 0, 3])
        let fmod = [ElementwiseHarness.int("fmod", 1)]
        XCTAssertEqual(try ElementwiseHarness.run("Mod", [a, b], attributes: fmod).scalars(Int32.self), [1, -1, 1, -1, 0, 3])
        XCTAssertEqual(try ElementwiseHarness.run("Add", [a, b]).scalars(Int32.self)[4], Int32.max)
        let zero = Tensor([1, 0, 1, 1, 1, 1] as [Int32], shape: [6])
        XCTAssertThrowsError(try ElementwiseHarness.run("Div", [a, zero]))
    }

    func testIntegerAndMixedTypePowers() throws {
        let base = Tensor([2, -3, 5, 1, -1, 2] as [Int64], shape: [6])
        let exponent = Tensor([10, 3, 0, -4, -3, -1] as [Int64], shape: [6])
        XCTAssertEqual(try ElementwiseHarness.run("Pow", [base, exponent]).scalars(Int64.self), [1024, -27, 1, 1, -1, 0])
        let floats = Tensor([1.5, -2, 4] as [Float], shape: [3])
        let ints = Tensor([2, 3, 0] as [Int32], shape: [3])
        XCTAssertEqual(try ElementwiseHarness.run("Pow", [floats, ints]).scalars(Float.self), [2.25, -8, 1])
        let halves = Tensor([0.5, 2, 1] as [Float], shape: [3])
        XCTAssertEqual(try ElementwiseHarness.run("Pow", [Tensor([4, 3, 9] as [Int32], shape: [3]), halves]).scalars(Int32.self), [2, 9, 9])
    }

    func testHalfPrecisionComputesInFloatAndRoundsOnce() throws {
        let halves = Tensor([Float16(2), Float16(9), Float16(-1.5)].map(\.bitPattern), shape: [3])
        let base = Tensor(type: .float16, shape: [3], storage: halves.storage)
        let root = try ElementwiseHarness.run("Pow", [base, Tensor(scalar: Float(0.5))])
        XCTAssertEqual(root.type, .float16)
        let values = root.scalars(UInt16.self).map { Float(Float16(bitPattern: $0)) }
        XCTAssertEqual(values[0], Float(Float16(Float(2).squareRoot())))
        XCTAssertEqual(values[1], 3)
        XCTAssertTrue(values[2].isNaN)
        let sum = try ElementwiseHarness.run("Add", [base, base]).scalars(UInt16.self).map { Float(Float16(bitPattern: $0)) }
        XCTAssertEqual(sum, [4, 18, -3])
    }

    func testEmptyTensorsGiveEmptyResults() throws {
        let empty = Tensor([Float](), shape: [0, 3])
        XCTAssertEqual(try ElementwiseHarness.run("Add", [empty, Tensor([1, 2, 3] as [Float], shape: [3])]).shape, [0, 3])
        XCTAssertEqual(try ElementwiseHarness.run("Sigmoid", [empty]).shape, [0, 3])
        XCTAssertEqual(try ElementwiseHarness.run("Cast", [empty], attributes: [ElementwiseHarness.int("to", 7)]).shape, [0, 3])
        XCTAssertThrowsError(try ElementwiseHarness.run("Add", [empty, Tensor([1, 2] as [Float], shape: [2])]))
    }

    func testWhereBroadcastsAllThreeInputs() throws {
        let condition = Tensor([true, false] as [Bool], shape: [2, 1])
        let x = Tensor([1, 2, 3] as [Int64], shape: [3])
        let y = Tensor([-1] as [Int64], shape: [1])
        let result = try ElementwiseHarness.run("Where", [condition, x, y])
        XCTAssertEqual(result.shape, [2, 3])
        XCTAssertEqual(result.scalars(Int64.self), [1, 2, 3, -1, -1, -1])
        let mask = Tensor([true, false, true] as [Bool], shape: [3])
        let same = try ElementwiseHarness.run("Where", [mask, x, Tensor([7, 8, 9] as [Int64], shape: [3])])
        XCTAssertEqual(same.scalars(Int64.self), [1, 8, 3])
    }

    func testVariadicOpsBroadcastEveryInput() throws {
        let a = Tensor([1, 2, 3] as [Float], shape: [3])
        let b = Tensor([10, 20] as [Float], shape: [2, 1])
        let c = Tensor([100] as [Float], shape: [1])
        XCTAssertEqual(try ElementwiseHarness.run("Sum", [a, b, c]).scalars(Float.self), [111, 112, 113, 121, 122, 123])
        let mean: [Float] = [111, 112, 113, 121, 122, 123].map { $0 / 3 }
        XCTAssertEqual(try ElementwiseHarness.run("Mean", [a, b, c]).scalars(Float.self), mean)
        XCTAssertEqual(try ElementwiseHarness.run("Max", [a, b]).scalars(Float.self), [10, 10, 10, 20, 20, 20])
    }

    func testLegacyBroadcastAlignsBAtAxis() throws {
        let a = Tensor([Float](repeating: 1, count: 24), shape: [2, 3, 4])
        let b = Tensor([0, 10, 20] as [Float], shape: [3])
        let attributes = [ElementwiseHarness.int("broadcast", 1), ElementwiseHarness.int("axis", 1)]
        let result = try ElementwiseHarness.run("Add", [a, b], attributes: attributes, opset: 6)
        XCTAssertEqual(Array(result.scalars(Float.self)[0..<12]), [1, 1, 1, 1, 11, 11, 11, 11, 21, 21, 21, 21])
    }
}

/// Runs one node through the interpreter, and reference loops for comparison.
enum ElementwiseHarness {
    static func run(_ op: String, _ inputs: [Tensor], attributes: [AttributeProto] = [], opset: Int64 = 21,
                    threads: Int = 1) throws -> Tensor {
        let names = inputs.indices.map { "x\($0)" }
        var graph = GraphProto()
        graph.node = [TestModels.node(op, names, ["y"], name: op.lowercased(), attributes: attributes)]
        graph.input = zip(names, inputs).map { TestModels.value($0, $1.type) }
        graph.output = [TestModels.value("y")]
        let interpreter = try Interpreter(model: Model(TestModels.model(graph, opset: opset)), options: InterpreterOptions(threads: threads))
        let outputs = try interpreter.run(Dictionary(uniqueKeysWithValues: zip(names, inputs)))
        return try XCTUnwrap(outputs["y"])
    }

    static func int(_ name: String, _ value: Int64) -> AttributeProto { TestModels.intAttribute(name, value) }

    static func float(_ name: String, _ value: Float) -> AttributeProto { TestModels.floatAttribute(name, value) }

    static func string(_ name: String, _ value: String) -> AttributeProto { TestModels.stringAttribute(name, value) }

    /// op(a, b) element by element through the plain broadcast index arithmetic.
    static func reference(_ a: FloatValues, _ b: FloatValues, _ op: (Float, Float) -> Float) -> FloatValues {
        let shape = Shapes.broadcast([a.shape, b.shape])!
        let (stridesA, stridesB) = (Shapes.broadcastStrides(a.shape, to: shape), Shapes.broadcastStrides(b.shape, to: shape))
        let values = (0..<Shapes.count(shape)).map { i -> Float in
            var (remainder, offsetA, offsetB) = (i, 0, 0)
            for axis in shape.indices.reversed() {
                let index = remainder % shape[axis]
                remainder /= shape[axis]
                offsetA += index * stridesA[axis]
                offsetB += index * stridesB[axis]
            }
            return op(a.values[offsetA], b.values[offsetB])
        }
        return FloatValues(shape: shape, values: values)
    }
}

struct FloatValues {
    let shape: [Int]
    let values: [Float]
    var tensor: Tensor { Tensor(values, shape: shape) }
    func map(_ f: (Float) -> Float) -> FloatValues { FloatValues(shape: shape, values: values.map(f)) }
}

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func float(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }

    mutating func floatTensor(_ shape: [Int], in range: ClosedRange<Float> = -4...4) -> FloatValues {
        FloatValues(shape: shape, values: (0..<Shapes.count(shape)).map { _ in float(range) })
    }

    /// Shapes that broadcast together: each operand drops leading axes and sets some to 1.
    mutating func broadcastableShapes(operands: Int, maxRank: Int, maxDim: Int) -> [[Int]] {
        let output = (0..<int(0...maxRank)).map { _ in int(1...maxDim) }
        return (0..<operands).map { _ in
            Array(output.dropFirst(int(0...output.count))).map { int(0...2) == 0 ? 1 : $0 }
        }
    }
}
