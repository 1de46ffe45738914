import XCTest
import ONNXModel
import ProtoWire
import _TestSupport
@testable import Runtime

/// Runs one node through the interpreter, and makes deterministic test data. Shared by the
/// Reduction* and Normalization* tests.
enum ReductionHarness {
    static func run(_ op: String, opset: Int64, inputs: [Tensor?], outputs: Int = 1,
                    attributes: [AttributeProto] = []) throws -> [Tensor] {
        let inputNames = inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" }
        let outputNames = (0..<outputs).map { "out\($0)" }
        var graph = GraphProto()
        graph.name = op
        graph.node = [TestModels.node(op, inputNames, outputNames, name: op, attributes: attributes)]
        graph.input = inputs.enumerated().compactMap { i, tensor in tensor.map { TestModels.value("in\(i)", $0.type) } }
        graph.output = outputNames.map { TestModels.value($0, .float) }
        let interpreter = try Interpreter(model: Model(TestModels.model(graph, opset: opset)),
                                          options: InterpreterOptions(threads: 2))
        var feeds: [String: Tensor] = [:]
        for (i, tensor) in inputs.enumerated() { if let tensor { feeds["in\(i)"] = tensor } }
        let results = try interpreter.run(feeds)
        return try outputNames.map { name in
            guard let tensor = results[name] else { throw RuntimeError.invalidModel("no output \(name)") }
            return tensor
        }
    }

    static func ints(_ name: String, _ values: [Int]) -> AttributeProto { TestModels.intsAttribute(name, values) }

    static func int(_ name: String, _ value: Int) -> AttributeProto { TestModels.intAttribute(name, Int64(value)) }

    static func float(_ name: String, _ value: Float) -> AttributeProto { TestModels.floatAttribute(name, value) }

    static func string(_ name: String, _ value: String) -> AttributeProto { TestModels.stringAttribute(name, value) }

    /// Deterministic values in -scale...scale (a 64-bit LCG).
    struct Numbers {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
            (0..<count).map { _ in Float(next() * 2 - 1) * scale }
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() * Double(range.count)) }
        mutating func shape(rank: ClosedRange<Int>, dims: ClosedRange<Int>) -> [Int] {
            (0..<int(rank)).map { _ in int(dims) }
        }
    }

    static func assertClose(_ actual: [Float], _ expected: [Float], relative: Float = 1e-5, absolute: Float = 1e-6,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            if a.isNaN && e.isNaN || a == e { continue }
            if !(abs(a - e) <= absolute + relative * abs(e)) {
                XCTFail("\(message) element \(i): \(a), expected \(e)", file: file, line: line)
                return
            }
        }
    }
}

final class ReductionTests: XCTestCase {
    typealias H = ReductionHarness

    func testLayoutFindsOneContiguousBlockOrPermutes() {
        let middle = ReductionLayout(shape: [2, 3, 4, 5], axes: [1, 2], keepDims: true)
        XCTAssertEqual([middle.outer, middle.reduced, middle.inner], [2, 12, 5])
        XCTAssertNil(middle.permutation)
        XCTAssertEqual(middle.outputShape, [2, 1, 1, 5])
        let split = ReductionLayout(shape: [2, 3, 4, 5], axes: [0, 2], keepDims: false)
        XCTAssertEqual(split.permutation, [1, 3, 0, 2])
        XCTAssertEqual([split.outer, split.reduced, split.inner], [15, 8, 1])
        XCTAssertEqual(split.outputShape, [3, 5])
        // A size-1 kept axis between reduced ones does not break the block.
        let unit = ReductionLayout(shape: [2, 1, 3], axes: [0, 2], keepDims: true)
        XCTAssertNil(unit.permutation)
        XCTAssertEqual([unit.outer, unit.reduced, unit.inner], [1, 6, 1])
    }

    func testFloatFastPathsMatchReferenceOnRandomShapes() throws {
        var numbers = H.Numbers(seed: 1)
        let operations: [ReduceOperation] = [.sum, .mean, .max, .min, .l1, .l2, .sumSquare, .logSum, .prod, .logSumExp]
        for trial in 0..<60 {
            let shape = numbers.shape(rank: 1...4, dims: 1...9)
            let axes = Set(shape.indices.filter { _ in numbers.next() < 0.5 })
            let values = numbers.floats(Shapes.count(shape), scale: 2).map { $0 + 2.5 }
            let tensor = Tensor(values, shape: shape)
            let layout = ReductionLayout(shape: shape, axes: axes.isEmpty ? [0] : axes, keepDims: trial % 2 == 0)
            for operation in operations {
                let fast = try Reducer.reduce(tensor, layout, operation, threads: 2)
                let reference = try Reducer.reduce(tensor, layout, operation, threads: 1, fastPaths: false)
                XCTAssertEqual(fast.shape, reference.shape)
                H.assertClose(fast.scalars(Float.self), reference.scalars(Float.self), relative: 2e-5,
                              "\(operation) of \(shape) over \(axes)")
            }
        }
    }

    func testLongRowSumStaysAccurate() throws {
        var numbers = H.Numbers(seed: 7)
        let values = numbers.floats(200_000).map { $0 * 1e-3 + 0.1 }
        let exact = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let mean = try H.run("ReduceMean", opset: 18, inputs: [Tensor(values, shape: [1, 200_000])],
                             attributes: [H.int("keepdims", 0)])[0]
        XCTAssertEqual(Double(mean.scalars(Float.self)[0]), exact, accuracy: exact * 1e-6)
    }

    func testEmptyReductionsGiveIdentities() throws {
        let empty = Tensor([Float](), shape: [2, 0, 3])
        let axes = Tensor([Int64(1)], shape: [1])
        let expected: [(String, Float)] = [("ReduceSum", 0), ("ReduceProd", 1), ("ReduceMax", -.infinity),
                                           ("ReduceMin", .infinity), ("ReduceLogSumExp", -.infinity),
                                           ("ReduceL2", 0), ("ReduceLogSum", -.infinity)]
        for (op, value) in expected {
            let result = try H.run(op, opset: 18, inputs: [empty, axes])[0]
            XCTAssertEqual(result.shape, [2, 1, 3], op)
            XCTAssertEqual(result.scalars(Float.self), [Float](repeating: value, count: 6), op)
        }
        let mean = try H.run("ReduceMean", opset: 18, inputs: [empty, axes])[0]
        XCTAssertTrue(mean.scalars(Float.self).allSatisfy(\.isNaN))
    }

    func testAxesAttributeBeforeOpset18AndInputAfter() throws {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let attribute = try H.run("ReduceMean", opset: 13, inputs: [x], attributes: [H.ints("axes", [-1])])[0]
        let input = try H.run("ReduceMean", opset: 18, inputs: [x, Tensor([Int64(-1)], shape: [1])])[0]
        XCTAssertEqual(attribute.shape, [2, 3, 1])
        XCTAssertEqual(attribute.scalars(Float.self), [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
        XCTAssertEqual(input.scalars(Float.self), attribute.scalars(Float.self))
        let sumAll = try H.run("ReduceSum", opset: 11, inputs: [x], attributes: [H.int("keepdims", 0)])[0]
        XCTAssertEqual(sumAll.shape, [])
        XCTAssertEqual(sumAll.scalars(Float.self), [276])
        let noop = try H.run("ReduceSum", opset: 13, inputs: [x, Tensor([Int64](), shape: [0])],
                             attributes: [H.int("noop_with_empty_axes", 1)])[0]
        XCTAssertEqual(noop.shape, x.shape)
        XCTAssertThrowsError(try H.run("ReduceSum", opset: 13, inputs: [x, Tensor([Int64(3)], shape: [1])]))
    }

    func testIntegerAndBoolReductions() throws {
        let x = Tensor([Int64(3), -4, 5, 6, 7, -8], shape: [2, 3])
        let axes = Tensor([Int64(1)], shape: [1])
        XCTAssertEqual(try H.run("ReduceSum", opset: 13, inputs: [x, axes])[0].scalars(Int64.self), [4, 5])
        XCTAssertEqual(try H.run("ReduceProd", opset: 18, inputs: [x, axes])[0].scalars(Int64.self), [-60, -336])
        XCTAssertEqual(try H.run("ReduceMax", opset: 18, inputs: [x, axes])[0].scalars(Int64.self), [5, 7])
        XCTAssertEqual(try H.run("ReduceL1", opset: 18, inputs: [x, axes])[0].scalars(Int64.self), [12, 21])
        XCTAssertEqual(try H.run("ReduceMean", opset: 18, inputs: [x, axes])[0].scalars(Int64.self), [1, 1])
        let flags = Tensor([true, false, true, true], shape: [2, 2])
        XCTAssertEqual(try H.run("ReduceMax", opset: 20, inputs: [flags, axes])[0].scalars(Bool.self), [true, true])
        XCTAssertEqual(try H.run("ReduceMin", opset: 20, inputs: [flags, axes])[0].scalars(Bool.self), [false, true])
        XCTAssertThrowsError(try H.run("ReduceSum", opset: 13, inputs: [flags, axes]))
    }

    func testArgMaxAndArgMinAgainstPlainSearch() throws {
        var numbers = H.Numbers(seed: 3)
        for trial in 0..<30 {
            let shape = numbers.shape(rank: 1...4, dims: 1...6)
            // Few distinct values, so ties are common.
            let values = numbers.floats(Shapes.count(shape)).map { ($0 * 3).rounded() }
            let axis = numbers.int(0...(shape.count - 1))
            let last = trial % 2
            for op in ["ArgMax", "ArgMin"] {
                let result = try H.run(op, opset: 13, inputs: [Tensor(values, shape: shape)],
                                       attributes: [H.int("axis", axis), H.int("select_last_index", last)])[0]
                let layout = ReductionLayout(shape: shape, axis: axis, keepDims: true)
                var expected: [Int64] = []
                for o in 0..<layout.outer {
                    for i in 0..<layout.inner {
                        let column = (0..<layout.reduced).map { values[(o * layout.reduced + $0) * layout.inner + i] }
                        let target = op == "ArgMax" ? column.max()! : column.min()!
                        let index = last == 1 ? column.lastIndex(of: target)! : column.firstIndex(of: target)!
                        expected.append(Int64(index))
                    }
                }
                XCTAssertEqual(result.shape, layout.outputShape)
                XCTAssertEqual(result.scalars(Int64.self), expected, "\(op) \(shape) axis \(axis)")
            }
        }
    }

    func testPermutationMovesAxes() {
        let x = Tensor((0..<24).map(Int32.init), shape: [2, 3, 4])
        let y = ReductionTranspose.permute(x, [2, 0, 1])
        XCTAssertEqual(y.shape, [4, 2, 3])
        XCTAssertEqual(Array(y.scalars(Int32.self).prefix(6)), [0, 4, 8, 12, 16, 20])
        let back = ReductionTranspose.permute(y, ReductionTranspose.inverse([2, 0, 1]))
        XCTAssertEqual(back.scalars(Int32.self), x.scalars(Int32.self))
    }
}
