import XCTest
import ONNXModel
@testable import Runtime

/// The fast strided copy (runs, tiled transpose, strided loop) against the one-element-at-a-time
/// reference, on random views and on the permutations models use most.
final class ShapeStridedCopyTests: XCTestCase {
    typealias Copy = ShapeOps.StridedCopy

    private func assertMatchesReference(_ input: Tensor, offset: Int, shape: [Int], strides: [Int], threads: Int,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let fast = try Copy.gather(input, offset: offset, shape: shape, strides: strides, threads: threads)
        let expected = Tensor(uninitialized: input.type, shape: shape)
        let size = Tensor.elementSize(input.type)
        Copy.reference(shape: shape, source: strides, destination: Shapes.strides(shape),
                       from: UnsafeRawPointer(input.storage.raw) + offset * size, to: expected.storage.raw, elementSize: size)
        XCTAssertEqual(ShapeTesting.bytes(fast), ShapeTesting.bytes(expected), "shape \(shape) strides \(strides)", file: file, line: line)
    }

    func testRandomPermutationsOfEveryElementWidth() throws {
        var generator = ShapeTesting.Generator(seed: 1)
        for type in [DataType.uint8, .float16, .float, .int64, .complex128] {
            for _ in 0..<40 {
                let rank = Int.random(in: 1...5, using: &generator)
                let shape = (0..<rank).map { _ in Int.random(in: 1...7, using: &generator) }
                let input = ShapeTesting.randomTensor(type, shape, &generator)
                let perm = Array(0..<rank).shuffled(using: &generator)
                let strides = Shapes.strides(shape)
                try assertMatchesReference(input, offset: 0, shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] },
                                           threads: Int.random(in: 1...4, using: &generator))
            }
        }
    }

    func testRandomSlicesWithNegativeStepsAndBroadcasts() throws {
        var generator = ShapeTesting.Generator(seed: 2)
        for _ in 0..<200 {
            let rank = Int.random(in: 1...4, using: &generator)
            let shape = (0..<rank).map { _ in Int.random(in: 1...9, using: &generator) }
            let input = ShapeTesting.randomTensor(.int32, shape, &generator)
            let strides = Shapes.strides(shape)
            var viewShape: [Int] = [], viewStrides: [Int] = [], offset = 0
            for axis in 0..<rank {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: // reversed with a step
                    let step = Int.random(in: 1...3, using: &generator)
                    offset += (shape[axis] - 1) * strides[axis]
                    viewShape.append((shape[axis] - 1) / step + 1)
                    viewStrides.append(-step * strides[axis])
                case 1: // broadcast of one element
                    viewShape.append(Int.random(in: 1...5, using: &generator))
                    viewStrides.append(0)
                default:
                    viewShape.append(shape[axis])
                    viewStrides.append(strides[axis])
                }
            }
            try assertMatchesReference(input, offset: offset, shape: viewShape, strides: viewStrides, threads: 3)
        }
    }

    func testCommonTransposesOfEveryWidthAcrossThreads() throws {
        var generator = ShapeTesting.Generator(seed: 3)
        let cases: [(shape: [Int], perm: [Int])] = [
            ([3, 67, 129], [0, 2, 1]),        // last two axes
            ([2, 19, 33, 41], [0, 2, 3, 1]),  // NCHW -> NHWC
            ([2, 33, 41, 19], [0, 3, 1, 2]),  // NHWC -> NCHW
            ([2, 37, 8, 64], [0, 2, 1, 3]),   // [B, S, H, D] -> [B, H, S, D]
            ([300, 500], [1, 0]),
        ]
        for (shape, perm) in cases {
            for type in [DataType.float, .uint8, .bfloat16, .double, .complex128] {
                let input = ShapeTesting.randomTensor(type, shape, &generator)
                let strides = Shapes.strides(shape)
                try assertMatchesReference(input, offset: 0, shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] }, threads: 4)
            }
        }
    }

    func testCoalescingMergesContiguousAxesAndDropsOnes() {
        let copy = Copy(shape: [2, 1, 3, 4], source: [12, 12, 4, 1], destination: [12, 12, 4, 1])
        XCTAssertEqual(copy.shape, [24])
        let transpose = Copy(shape: [5, 3, 4], source: [1, 20, 5], destination: [12, 4, 1])
        XCTAssertEqual(transpose.shape, [5, 12])
        XCTAssertEqual(transpose.source, [1, 5])
    }

    func testEmptyViewsCopyNothing() throws {
        let input = Tensor([Float](repeating: 1, count: 6), shape: [2, 3])
        let output = try Copy.gather(input, shape: [0, 3], strides: [3, 1], threads: 2)
        XCTAssertEqual(output.shape, [0, 3])
    }
}
