import XCTest
import Foundation
import _TestSupport
@testable import Runtime

final class ReductionSoftmaxTests: XCTestCase {
    typealias H = ReductionHarness

    func testVectorExpMatchesFoundation() {
        var worst: Float = 0
        for i in 0..<20_000 {
            let x = Float(i) / 20_000 * 170 - 87
            let expected = Foundation.exp(Double(x))
            worst = max(worst, Float(abs(Double(FloatRows.exp(x)) - expected) / expected))
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FloatRows.exp(-Float.infinity), 0)
        XCTAssertEqual(FloatRows.exp(Float(0)), 1)
    }

    func testFloatLoopsMatchReferenceOnRandomShapes() {
        var numbers = H.Numbers(seed: 11)
        for trial in 0..<50 {
            let shape = numbers.shape(rank: 1...4, dims: 1...11)
            let axis = numbers.int(0...(shape.count - 1))
            let values = numbers.floats(Shapes.count(shape), scale: trial % 3 == 0 ? 60 : 4)
            let layout = ReductionLayout(shape: shape, axis: axis, keepDims: true)
            for variant in [SoftmaxVariant.softmax, .logSoftmax] {
                var fast = [Float](repeating: 0, count: values.count), reference = fast
                values.withUnsafeBufferPointer { x in
                    fast.withUnsafeMutableBufferPointer { y in
                        SoftmaxLoops.float(x.baseAddress!, y.baseAddress!, layout, variant, threads: 2)
                    }
                    reference.withUnsafeMutableBufferPointer { y in
                        SoftmaxLoops.reference(x.baseAddress!, y.baseAddress!, layout, variant, threads: 1)
                    }
                }
                H.assertClose(fast, reference, relative: 1e-5, absolute: 1e-6, "\(variant) of \(shape) along \(axis)")
            }
        }
    }

    func testSoftmaxIgnoresMaskedPositions() throws {
        let x = Tensor([Float]([0, 1, -.infinity, 2, 1000, 999, -1e30, 1000]), shape: [2, 4])
        let y = try H.run("Softmax", opset: 13, inputs: [x])[0].scalars(Float.self)
        let e: [Float] = [1, Float(M_E), 0, Float(M_E * M_E)].map { $0 / Float(1 + M_E + M_E * M_E) }
        H.assertClose(Array(y[0..<4]), e)
        H.assertClose(Array(y[4..<8]), [Float(1 / (2 + exp(-1.0))), Float(exp(-1.0) / (2 + exp(-1.0))), 0,
                                         Float(1 / (2 + exp(-1.0)))])
        let log = try H.run("LogSoftmax", opset: 13, inputs: [x])[0].scalars(Float.self)
        XCTAssertEqual(log[2], -.infinity)
        H.assertClose([log[0]], [Float(-Foundation.log(1 + M_E + M_E * M_E))])
    }

    func testBeforeOpset13TheInputIsFlattenedAtAxis() throws {
        let values = (0..<24).map { Float($0 % 7) * 0.3 }
        let x = Tensor(values, shape: [2, 3, 4])
        let old = try H.run("Softmax", opset: 11, inputs: [x], attributes: [H.int("axis", 1)])[0].scalars(Float.self)
        for row in 0..<2 {
            let slice = values[(row * 12)..<(row * 12 + 12)].map { exp(Double($0)) }
            let total = slice.reduce(0, +)
            H.assertClose(Array(old[(row * 12)..<(row * 12 + 12)]), slice.map { Float($0 / total) })
        }
        let hard = try H.run("Hardmax", opset: 11, inputs: [x], attributes: [H.int("axis", 1)])[0].scalars(Float.self)
        XCTAssertEqual(hard.enumerated().filter { $0.element == 1 }.map(\.offset), [6, 13])
    }

    func testHardmaxTakesTheFirstMaximum() throws {
        let x = Tensor([Float]([3, 3, 1, 0, 2, 2]), shape: [2, 3])
        let y = try H.run("Hardmax", opset: 13, inputs: [x])[0]
        XCTAssertEqual(y.scalars(Float.self), [1, 0, 0, 0, 1, 0])
        let columns = try H.run("Hardmax", opset: 13, inputs: [x], attributes: [H.int("axis", 0)])[0]
        XCTAssertEqual(columns.scalars(Float.self), [1, 1, 0, 0, 0, 1])
    }

    func testHalfInputsAreComputedInFloatAndRoundedBack() throws {
        let values: [Float] = [0.5, -1.25, 2, 3.5, 0, 1]
        let half = Tensor(uninitialized: .float16, shape: [2, 3])
        for (i, v) in values.enumerated() { half.mutableElements(UInt16.self)[i] = Float16(v).bitPattern }
        let softmax = try H.run("Softmax", opset: 13, inputs: [half])[0]
        let reference = try H.run("Softmax", opset: 13, inputs: [Tensor(values, shape: [2, 3])])[0]
        XCTAssertEqual(softmax.type, .float16)
        XCTAssertEqual(softmax.scalars(UInt16.self), reference.scalars(Float.self).map { Float16($0).bitPattern })
        let mean = try H.run("ReduceMean", opset: 13, inputs: [half], attributes: [H.ints("axes", [1])])[0]
        XCTAssertEqual(mean.type, .float16)
        XCTAssertEqual(mean.scalars(UInt16.self).map { Float(Float16(bitPattern: $0)) }, [Float(Float16(Float(1.25) / 3)), 1.5])
    }
}
