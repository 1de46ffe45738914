import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// Resize's fast paths (separable passes, fused bilinear, mapped gather) against the
/// tensor-product reference, over random shapes and every mode; plus the geometry rules.
final class ShapeResizeTests: XCTestCase {
    typealias Options = ShapeOps.ResizeOptions

    private func randomOptions(_ generator: inout ShapeTesting.Generator) -> Options {
        var options = Options()
        let coordinates: [Options.Coordinates] = [.halfPixel, .halfPixelSymmetric, .pytorchHalfPixel, .alignCorners,
                                                  .asymmetric, .tfCropAndResize]
        options.mode = [.linear, .cubic].randomElement(using: &generator)!
        options.coordinates = coordinates.randomElement(using: &generator)!
        options.antialias = Bool.random(using: &generator)
        options.excludeOutside = Bool.random(using: &generator)
        options.extrapolation = 7
        return options
    }

    private func randomGeometry(_ shape: [Int], resizing axes: [Int], _ generator: inout ShapeTesting.Generator) -> [ShapeOps.ResizeAxis] {
        shape.indices.map { axis in
            guard axes.contains(axis) else { return ShapeOps.ResizeAxis(input: shape[axis], output: shape[axis], scale: 1) }
            let output = Int.random(in: 1...9, using: &generator)
            return ShapeOps.ResizeAxis(input: shape[axis], output: output, scale: Double(output) / Double(shape[axis]),
                                       roiStart: Double.random(in: -0.2...0.4, using: &generator),
                                       roiEnd: Double.random(in: 0.6...1.2, using: &generator))
        }
    }

    private func assertClose(_ actual: Tensor, _ expected: Tensor, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, message, file: file, line: line)
        for (a, b) in zip(actual.scalars(Float.self), expected.scalars(Float.self)) where abs(a - b) > 1e-4 * max(1, abs(b)) {
            XCTFail("\(a) != \(b): \(message)", file: file, line: line)
            return
        }
    }

    func testSeparableAndBilinearPathsMatchReference() {
        var generator = ShapeTesting.Generator(seed: 11)
        for _ in 0..<150 {
            let rank = Int.random(in: 1...4, using: &generator)
            let shape = (0..<rank).map { _ in Int.random(in: 1...6, using: &generator) }
            let resized = rank >= 2 && Bool.random(using: &generator) ? [rank - 2, rank - 1]
                : shape.indices.filter { _ in Bool.random(using: &generator) }
            let geometry = randomGeometry(shape, resizing: resized, &generator)
            let options = randomOptions(&generator)
            let input = Tensor(ShapeTesting.floats(shape.reduce(1, *), &generator), shape: shape)
            let interpolation = ShapeOps.Interpolation<Float>(taps: geometry.map { $0.taps(options) }, extrapolation: 7, threads: 3)
            assertClose(interpolation.run(input), interpolation.reference(input), "\(shape) \(geometry) \(options)")
        }
    }

    func testMappedGatherMatchesReference() throws {
        var generator = ShapeTesting.Generator(seed: 12)
        for _ in 0..<100 {
            let rank = Int.random(in: 0...4, using: &generator)
            let shape = (0..<rank).map { _ in Int.random(in: 1...5, using: &generator) }
            let maps = shape.map { dim in
                (0..<Int.random(in: 0...12, using: &generator)).map { _ in Int.random(in: -1..<dim, using: &generator) }
            }
            let input = ShapeTesting.randomTensor(.int16, shape, &generator)
            let gather = ShapeOps.MappedGather(input: input, maps: maps, fill: [0xAB, 0xCD], threads: 2)
            XCTAssertEqual(ShapeTesting.bytes(try gather.run(elementSize: 2)), ShapeTesting.bytes(gather.reference()), "\(shape) \(maps)")
        }
    }

    func testNearestModesPickTheSpecifiedNeighbour() {
        var options = Options()
        let axis = ShapeOps.ResizeAxis(input: 2, output: 6, scale: 3)
        options.coordinates = .asymmetric
        options.nearest = .legacy
        XCTAssertEqual(axis.nearestMap(options), [0, 0, 0, 1, 1, 1])
        options.nearest = .roundPreferFloor
        XCTAssertEqual(axis.nearestMap(options), [0, 0, 1, 1, 1, 1])
        options.nearest = .ceil
        XCTAssertEqual(axis.nearestMap(options), [0, 1, 1, 1, 1, 1])
        options.coordinates = .tfCropAndResize
        options.nearest = .floor
        let cropped = ShapeOps.ResizeAxis(input: 2, output: 3, scale: 1.5, roiStart: -0.5, roiEnd: 1)
        XCTAssertEqual(cropped.nearestMap(options), [-1, 0, 1])
    }

    func testGeometryFromScalesSizesAndAspectPolicies() throws {
        let fromScales = try ResizeKernel.geometry([1, 3, 5, 5], scales: [Double(Float(0.6)), 2], sizes: nil, roi: nil, axes: [2, 3], policy: .stretch)
        XCTAssertEqual(fromScales.map(\.output), [1, 3, 3, 10])
        let notLarger = try ResizeKernel.geometry([4, 8], scales: nil, sizes: [2, 2], roi: nil, axes: nil, policy: .notLarger)
        XCTAssertEqual(notLarger.map(\.output), [1, 2])
        XCTAssertEqual(notLarger.map(\.scale), [0.25, 0.25])
        let notSmaller = try ResizeKernel.geometry([4, 8], scales: nil, sizes: [2, 2], roi: nil, axes: nil, policy: .notSmaller)
        XCTAssertEqual(notSmaller.map(\.output), [2, 4])
        XCTAssertThrowsError(try ResizeKernel.geometry([4], scales: [0], sizes: nil, roi: nil, axes: nil, policy: .stretch))
        XCTAssertThrowsError(try ResizeKernel.geometry([4], scales: nil, sizes: nil, roi: nil, axes: nil, policy: .stretch))
    }

    func testUpsampleAttributeScalesOnIntegers() throws {
        let kernel = try ShapeTesting.kernel(ResizeKernel.self, "Upsample", opset: 7, [ShapeTesting.floats("scales", [1, 2])])
        let output = try ShapeTesting.run(kernel, [Tensor([Int32(1), 2], shape: [1, 2])])[0]
        XCTAssertEqual(output.scalars(Int32.self), [1, 1, 2, 2])
    }
}
