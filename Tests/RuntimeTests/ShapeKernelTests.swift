import XCTest
import ONNXModel
@testable import Runtime

/// Behaviour the node tests do not pin down: views without copies, opset-dependent inputs,
/// clamping, error cases, element types other than float.
final class ShapeKernelTests: XCTestCase {
    typealias T = ShapeTesting

    private func ints(_ values: [Int]) -> Tensor { Tensor(values.map(Int64.init), shape: [values.count]) }

    func testViewsShareStorage() throws {
        let input = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let reshaped = try T.run(try T.kernel(ReshapeKernel.self, "Reshape", inputs: 2), [input, ints([0, -1])])[0]
        XCTAssertEqual(reshaped.shape, [2, 12])
        XCTAssertTrue(reshaped.storage === input.storage)
        let flattened = try T.run(try T.kernel(FlattenKernel.self, "Flatten", [T.int("axis", -1)]), [input])[0]
        XCTAssertEqual(flattened.shape, [6, 4])
        XCTAssertTrue(flattened.storage === input.storage)
        let unsqueezed = try T.run(try T.kernel(UnsqueezeKernel.self, "Unsqueeze", inputs: 2), [input, ints([-1, 0])])[0]
        XCTAssertEqual(unsqueezed.shape, [1, 2, 3, 4, 1])
        XCTAssertTrue(unsqueezed.storage === input.storage)
        let outputs = try T.run(try T.kernel(DropoutKernel.self, "Dropout", outputs: 2), [input])
        XCTAssertTrue(outputs[0].storage === input.storage)
        XCTAssertEqual(outputs[1].type, .bool)
        XCTAssertTrue(outputs[1].scalars(Bool.self).allSatisfy { $0 })
    }

    func testReshapeRules() throws {
        XCTAssertEqual(try ReshapeKernel.resolve([0, 0, -1], input: [2, 3, 4], allowZero: false), [2, 3, 4])
        XCTAssertEqual(try ReshapeKernel.resolve([0, 4], input: [0, 4], allowZero: true), [0, 4])
        XCTAssertThrowsError(try ReshapeKernel.resolve([-1, -1], input: [4], allowZero: false))
        XCTAssertThrowsError(try ReshapeKernel.resolve([5], input: [4], allowZero: false))
        XCTAssertThrowsError(try ReshapeKernel.resolve([0, -1], input: [0, 4], allowZero: true))
    }

    func testSqueezeAndUnsqueezeReadAxesByOpset() throws {
        let input = Tensor([Int8](repeating: 3, count: 3), shape: [1, 3, 1])
        let old = try T.kernel(SqueezeKernel.self, "Squeeze", opset: 11, [T.ints("axes", [0])])
        XCTAssertEqual(try T.run(old, [input])[0].shape, [3, 1])
        let new = try T.kernel(SqueezeKernel.self, "Squeeze", opset: 13, inputs: 2)
        XCTAssertEqual(try T.run(new, [input, nil])[0].shape, [3])
        XCTAssertThrowsError(try T.run(new, [input, ints([1])]))
        let unsqueeze = try T.kernel(UnsqueezeKernel.self, "Unsqueeze", opset: 11, [T.ints("axes", [1])])
        XCTAssertEqual(try T.run(unsqueeze, [input])[0].shape, [1, 1, 3, 1])
    }

    func testSliceClampsAndSteps() throws {
        XCTAssertEqual(Shapes.sliceRange(start: -1, end: Int.min, step: -1, dim: 5).count, 5)
        XCTAssertEqual(Shapes.sliceRange(start: 10, end: 20, step: 1, dim: 5).count, 0)
        XCTAssertEqual(Shapes.sliceRange(start: 0, end: Int.max, step: 2, dim: 5).count, 3)
        XCTAssertEqual(Shapes.sliceRange(start: 4, end: 0, step: -3, dim: 5).count, 2)
        let input = Tensor((0..<12).map(Int32.init), shape: [3, 4])
        let slice = try T.kernel(SliceKernel.self, "Slice", opset: 13, inputs: 5)
        let output = try T.run(slice, [input, ints([-1, 3]), ints([Int(Int64.min), 0]), ints([0, 1]), ints([-2, -2])])[0]
        XCTAssertEqual(output.shape, [2, 2])
        XCTAssertEqual(output.scalars(Int32.self), [11, 9, 3, 1])
        let legacy = try T.kernel(SliceKernel.self, "Slice", opset: 9, [T.ints("starts", [1]), T.ints("ends", [3]), T.ints("axes", [1])])
        XCTAssertEqual(try T.run(legacy, [input])[0].scalars(Int32.self), [1, 2, 5, 6, 9, 10])
        XCTAssertThrowsError(try T.run(slice, [input, ints([0]), ints([1]), ints([0]), ints([0])]))
    }

    func testConcatAndSplitRoundTripBytes() throws {
        var generator = T.Generator(seed: 4)
        let a = T.randomTensor(.float16, [2, 3, 5], &generator), b = T.randomTensor(.float16, [2, 1, 5], &generator)
        let concat = try T.kernel(ConcatKernel.self, "Concat", inputs: 2, [T.int("axis", -2)])
        let joined = try T.run(concat, [a, b])[0]
        XCTAssertEqual(joined.shape, [2, 4, 5])
        let split = try T.kernel(SplitKernel.self, "Split", opset: 13, inputs: 2, outputs: 2, [T.int("axis", 1)])
        let parts = try T.run(split, [joined, ints([3, 1])])
        XCTAssertEqual(T.bytes(parts[0]), T.bytes(a))
        XCTAssertEqual(T.bytes(parts[1]), T.bytes(b))
        XCTAssertThrowsError(try T.run(concat, [a, T.randomTensor(.float16, [3, 1, 5], &generator)]))
    }

    func testRandomConcatSplitRoundTripsAndGatherMatchesIndexing() throws {
        var generator = T.Generator(seed: 6)
        for _ in 0..<60 {
            let rank = Int.random(in: 1...4, using: &generator)
            let axis = Int.random(in: 0..<rank, using: &generator)
            let type = [DataType.uint8, .int16, .float, .double].randomElement(using: &generator)!
            var parts: [Tensor] = []
            let base = (0..<rank).map { _ in Int.random(in: 1...5, using: &generator) }
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                var shape = base
                shape[axis] = Int.random(in: 0...4, using: &generator)
                parts.append(T.randomTensor(type, shape, &generator))
            }
            let joined = try T.run(try T.kernel(ConcatKernel.self, "Concat", inputs: parts.count, [T.int("axis", axis)]), parts, threads: 3)[0]
            let split = try T.kernel(SplitKernel.self, "Split", opset: 13, inputs: 2, outputs: parts.count, [T.int("axis", axis)])
            let back = try T.run(split, [joined, ints(parts.map { $0.shape[axis] })], threads: 3)
            XCTAssertEqual(back.map(T.bytes), parts.map(T.bytes))

            guard joined.shape[axis] > 0 else { continue }
            let picks = (0..<Int.random(in: 1...6, using: &generator)).map { _ in Int.random(in: 0..<joined.shape[axis], using: &generator) }
            let gathered = try T.run(try T.kernel(GatherKernel.self, "Gather", inputs: 2, [T.int("axis", axis)]), [joined, ints(picks)])[0]
            let size = Tensor.elementSize(type), inner = joined.shape[(axis + 1)...].reduce(1, *) * size
            var expected: [UInt8] = []
            let bytes = T.bytes(joined)
            for outer in 0..<joined.shape[..<axis].reduce(1, *) {
                for pick in picks { expected += bytes[((outer * joined.shape[axis] + pick) * inner)..<((outer * joined.shape[axis] + pick + 1) * inner)] }
            }
            XCTAssertEqual(T.bytes(gathered), expected)
        }
    }

    func testSplitNumOutputsMakesTheLastPartSmaller() throws {
        let split = try T.kernel(SplitKernel.self, "Split", opset: 18, outputs: 3, [T.int("num_outputs", 3)])
        let parts = try T.run(split, [Tensor((0..<7).map(Int64.init), shape: [7])])
        XCTAssertEqual(parts.map(\.shape), [[3], [3], [1]])
    }

    func testGatherCopiesRowsAndRejectsBadIndices() throws {
        let data = Tensor((0..<12).map(Int64.init), shape: [4, 3])
        let gather = try T.kernel(GatherKernel.self, "Gather", inputs: 2)
        let rows = try T.run(gather, [data, Tensor([Int32(-1), 0], shape: [2])])[0]
        XCTAssertEqual(rows.scalars(Int64.self), [9, 10, 11, 0, 1, 2])
        let columns = try T.run(try T.kernel(GatherKernel.self, "Gather", inputs: 2, [T.int("axis", 1)]),
                                [data, Tensor(scalar: Int64(2))])[0]
        XCTAssertEqual(columns.shape, [4])
        XCTAssertEqual(columns.scalars(Int64.self), [2, 5, 8, 11])
        XCTAssertThrowsError(try T.run(gather, [data, Tensor(scalar: Int64(4))]))
    }

    func testGatherNDWithBatchDimsAndGatherElements() throws {
        let data = Tensor((0..<8).map(Float.init), shape: [2, 2, 2])
        let gatherND = try T.kernel(GatherNDKernel.self, "GatherND", inputs: 2, [T.int("batch_dims", 1)])
        let picked = try T.run(gatherND, [data, Tensor([Int64(1), 0], shape: [2, 1])])[0]
        XCTAssertEqual(picked.shape, [2, 2])
        XCTAssertEqual(picked.scalars(Float.self), [2, 3, 4, 5])
        let elements = try T.kernel(GatherElementsKernel.self, "GatherElements", inputs: 2, [T.int("axis", 2)])
        let chosen = try T.run(elements, [data, Tensor([Int64](repeating: 1, count: 4), shape: [2, 2, 1])])[0]
        XCTAssertEqual(chosen.scalars(Float.self), [1, 3, 5, 7])
    }

    func testScatterReductionsOnIntegers() throws {
        let data = Tensor([Int32](repeating: 1, count: 4), shape: [4])
        let indices = Tensor([Int64(1), 1, 3], shape: [3, 1])
        let updates = Tensor([Int32(5), 6, 7], shape: [3])
        let add = try T.kernel(ScatterNDKernel.self, "ScatterND", inputs: 3, [T.string("reduction", "add")])
        XCTAssertEqual(try T.run(add, [data, indices, updates])[0].scalars(Int32.self), [1, 12, 1, 8])
        let max = try T.kernel(ScatterElementsKernel.self, "ScatterElements", inputs: 3, [T.string("reduction", "max")])
        XCTAssertEqual(try T.run(max, [data, Tensor([Int64(2), 2], shape: [2]), Tensor([Int32(-3), 4], shape: [2])])[0]
            .scalars(Int32.self), [1, 1, 4, 1])
        let plain = try T.kernel(ScatterNDKernel.self, "ScatterND", opset: 13, inputs: 3)
        let bools = try T.run(plain, [Tensor([false, false], shape: [2]), Tensor([Int64(1)], shape: [1, 1]), Tensor([true], shape: [1])])[0]
        XCTAssertEqual(bools.scalars(Bool.self), [false, true])
    }

    func testPadModesWithCroppingAndAxes() throws {
        let data = Tensor([Int16(1), 2, 3], shape: [3])
        func pad(_ mode: String, _ pads: [Int]) throws -> [Int16] {
            let kernel = try T.kernel(PadKernel.self, "Pad", opset: 19, inputs: 3, [T.string("mode", mode)])
            return try T.run(kernel, [data, ints(pads), Tensor(scalar: Int16(9))])[0].scalars(Int16.self)
        }
        XCTAssertEqual(try pad("constant", [2, 1]), [9, 9, 1, 2, 3, 9])
        XCTAssertEqual(try pad("reflect", [3, 3]), [2, 3, 2, 1, 2, 3, 2, 1, 2])
        XCTAssertEqual(try pad("edge", [2, -1]), [1, 1, 1, 2])
        XCTAssertEqual(try pad("wrap", [2, 2]), [2, 3, 1, 2, 3, 1, 2])
        XCTAssertEqual(try pad("reflect", [-1, 2]), [2, 3, 2, 3])
        let matrix = Tensor((0..<4).map(Float.init), shape: [2, 2])
        let axes = try T.kernel(PadKernel.self, "Pad", opset: 18, inputs: 4)
        let padded = try T.run(axes, [matrix, ints([1, 0]), nil, ints([-1])])[0]
        XCTAssertEqual(padded.scalars(Float.self), [0, 0, 1, 0, 2, 3])
    }

    func testTopKKeepsLowerIndexFirstOnTies() throws {
        let input = Tensor([Float(1), 3, 3, 2, 3], shape: [1, 5])
        let topK = try T.kernel(TopKKernel.self, "TopK", opset: 11, inputs: 2, outputs: 2)
        let outputs = try T.run(topK, [input, ints([3])])
        XCTAssertEqual(outputs[0].scalars(Float.self), [3, 3, 3])
        XCTAssertEqual(outputs[1].scalars(Int64.self), [1, 2, 4])
        let smallest = try T.kernel(TopKKernel.self, "TopK", opset: 11, inputs: 2, outputs: 2, [T.int("largest", 0)])
        XCTAssertEqual(try T.run(smallest, [input, ints([2])])[1].scalars(Int64.self), [0, 3])
    }

    func testCumSumExclusiveReverseOnInt64() throws {
        let kernel = try T.kernel(CumSumKernel.self, "CumSum", inputs: 2, [T.int("exclusive", 1), T.int("reverse", 1)])
        let output = try T.run(kernel, [Tensor([Int64(1), 2, 3, 4, 5, 6], shape: [2, 3]), Tensor(scalar: Int32(1))])[0]
        XCTAssertEqual(output.scalars(Int64.self), [5, 3, 0, 11, 6, 0])
    }

    func testNonZeroTreatsNegativeZeroAsZero() throws {
        let kernel = try T.kernel(NonZeroKernel.self, "NonZero")
        let output = try T.run(kernel, [Tensor([Float(0), -0.0, 2, .nan], shape: [2, 2])])[0]
        XCTAssertEqual(output.shape, [2, 2])
        XCTAssertEqual(output.scalars(Int64.self), [1, 1, 0, 1])
    }

    func testOneHotWithFloatIndicesAndOutOfRange() throws {
        let kernel = try T.kernel(OneHotKernel.self, "OneHot", opset: 11, inputs: 3, [T.int("axis", 0)])
        let output = try T.run(kernel, [Tensor([Float(1), -1, 7], shape: [3]), Tensor(scalar: Float(3)), Tensor([Int8(0), 5], shape: [2])])[0]
        XCTAssertEqual(output.shape, [3, 3])
        XCTAssertEqual(output.scalars(Int8.self), [0, 0, 0, 5, 0, 0, 0, 5, 0])
    }

    func testRangeShapeAndConstantOfShape() throws {
        let range = try T.kernel(RangeKernel.self, "Range", inputs: 3)
        XCTAssertEqual(try T.run(range, [Tensor(scalar: Int32(10)), Tensor(scalar: Int32(1)), Tensor(scalar: Int32(-4))])[0]
            .scalars(Int32.self), [10, 6, 2])
        XCTAssertEqual(try T.run(range, [Tensor(scalar: 0.5), Tensor(scalar: 1.5), Tensor(scalar: 0.25)])[0].count, 4)
        let shape = try T.kernel(ShapeKernel.self, "Shape", opset: 15, [T.int("start", -3), T.int("end", -1)])
        XCTAssertEqual(try T.run(shape, [Tensor(zeros: .bool, shape: [2, 3, 4, 5])])[0].scalars(Int64.self), [3, 4])
        let constant = try T.kernel(ConstantOfShapeKernel.self, "ConstantOfShape")
        let zeros = try T.run(constant, [ints([2, 0])])[0]
        XCTAssertEqual(zeros.shape, [2, 0])
        XCTAssertThrowsError(try T.run(constant, [ints([-1])]))
    }

    func testTileAndExpandOnBool() throws {
        let input = Tensor([true, false], shape: [2, 1])
        let tiled = try T.run(try T.kernel(TileKernel.self, "Tile", inputs: 2), [input, ints([2, 2])])[0]
        XCTAssertEqual(tiled.shape, [4, 2])
        XCTAssertEqual(tiled.scalars(Bool.self), [true, true, false, false, true, true, false, false])
        let expanded = try T.run(try T.kernel(ExpandKernel.self, "Expand", inputs: 2), [input, ints([2, 1, 3])])[0]
        XCTAssertEqual(expanded.shape, [2, 2, 3])
        XCTAssertEqual(expanded.scalars(Bool.self).filter { $0 }.count, 6)
    }

    func testDepthToSpaceModesInvertSpaceToDepth() throws {
        var generator = T.Generator(seed: 5)
        let input = T.randomTensor(.uint8, [2, 3, 4, 6], &generator)
        let toDepth = try T.kernel(SpaceToDepthKernel.self, "SpaceToDepth", [T.int("blocksize", 2)])
        let depth = try T.run(toDepth, [input])[0]
        XCTAssertEqual(depth.shape, [2, 12, 2, 3])
        let back = try T.kernel(DepthToSpaceKernel.self, "DepthToSpace", [T.int("blocksize", 2), T.string("mode", "DCR")])
        XCTAssertEqual(T.bytes(try T.run(back, [depth])[0]), T.bytes(input))
    }

    func testMalformedSizesThrowInsteadOfTrapping() throws {
        let input = Tensor([Float](repeating: 1, count: 4), shape: [2, 2])
        let huge = Int(Int64.max)
        XCTAssertThrowsError(try T.run(try T.kernel(PadKernel.self, "Pad", inputs: 2), [input, ints([huge, 0, huge, 0])]))
        XCTAssertThrowsError(try T.run(try T.kernel(TileKernel.self, "Tile", inputs: 2), [input, ints([1 << 40, 1 << 40])]))
        XCTAssertThrowsError(try T.run(try T.kernel(ReshapeKernel.self, "Reshape", inputs: 2), [input, ints([-1, 1 << 40, 1 << 40])]))
        XCTAssertThrowsError(try T.run(try T.kernel(ExpandKernel.self, "Expand", inputs: 2), [input, ints([1 << 40, 1 << 40, 2])]))
        XCTAssertThrowsError(try T.run(try T.kernel(ConstantOfShapeKernel.self, "ConstantOfShape"), [ints([huge, 2])]))
        XCTAssertThrowsError(try T.run(try T.kernel(GatherElementsKernel.self, "GatherElements", inputs: 2),
                                       [input, Tensor([Int64(2), 0, 0, 0], shape: [2, 2])]))
        XCTAssertThrowsError(try T.run(try T.kernel(ScatterNDKernel.self, "ScatterND", inputs: 3),
                                       [input, Tensor([Int64(-3)], shape: [1, 1]), Tensor([Float(1), 1], shape: [1, 2])]))
        let resize = try T.kernel(ResizeKernel.self, "Resize", opset: 18, inputs: 4, [T.string("keep_aspect_ratio_policy", "not_smaller")])
        XCTAssertThrowsError(try T.run(resize, [input, nil, nil, ints([huge, 1])]))
        XCTAssertThrowsError(try T.run(try T.kernel(SplitKernel.self, "Split", opset: 13, inputs: 2, outputs: 2), [input, ints([huge, huge])]))
    }
}
