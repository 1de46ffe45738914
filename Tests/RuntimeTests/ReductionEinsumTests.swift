import XCTest
import _TestSupport
@testable import Runtime

final class ReductionEinsumTests: XCTestCase {
    typealias H = ReductionHarness

    private func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
        try H.run("Einsum", opset: 12, inputs: operands, attributes: [H.string("equation", equation)])[0]
    }

    /// Fast path (GEMM) against the general contraction loop, for Float and Double.
    func testBatchedProductsMatchTheGeneralLoop() throws {
        let cases: [(String, [[Int]])] = [
            ("bij,bjk->bik", [[3, 4, 5], [3, 5, 6]]),
            ("bhid,bhjd->bhij", [[2, 3, 7, 8], [2, 3, 9, 8]]),
            ("bhij,bhjd->bhid", [[2, 2, 5, 6], [2, 2, 6, 4]]),
            ("ij,jk", [[4, 3], [3, 5]]),
            ("ik,jk->ij", [[4, 3], [5, 3]]),
            ("ki,kj->ij", [[6, 3], [6, 5]]),
            ("bij,bkj->bki", [[2, 3, 4], [2, 5, 4]]),
            ("i,j->ij", [[3], [4]]),
            ("ij,ij->", [[3, 4], [3, 4]]),
            ("...ij,...jk->...ik", [[2, 3, 4], [2, 4, 5]]),
            ("bxy,yz->bxz", [[2, 3, 4], [4, 6]]),
        ]
        var numbers = H.Numbers(seed: 5)
        for (equation, shapes) in cases {
            let values = shapes.map { numbers.floats(Shapes.count($0)) }
            let floats = zip(values, shapes).map { Tensor($0, shape: $1) }
            let doubles = zip(values, shapes).map { Tensor($0.map(Double.init), shape: $1) }
            let plan = try EinsumPlan(try EinsumEquation(equation), shapes: shapes)
            XCTAssertNotNil(EinsumProducts.BatchedProduct(plan, shapes: shapes), equation)
            let general = plan.contract(doubles, Double.self)
            let fast = try einsum(equation, floats)
            let fastDouble = try einsum(equation, doubles)
            XCTAssertEqual(fast.shape, general.shape, equation)
            H.assertClose(fast.scalars(Float.self), general.scalars(Double.self).map { Float($0) }, relative: 1e-5,
                          absolute: 1e-5, equation)
            XCTAssertEqual(fastDouble.scalars(Double.self).count, general.count)
            for (a, b) in zip(fastDouble.scalars(Double.self), general.scalars(Double.self)) {
                XCTAssertEqual(a, b, accuracy: 1e-12, equation)
            }
        }
    }

    func testDiagonalsTracesAndImplicitOutput() throws {
        let m = Tensor((0..<9).map(Float.init), shape: [3, 3])
        XCTAssertEqual(try einsum("ii", [m]).scalars(Float.self), [12])
        XCTAssertEqual(try einsum("ii->i", [m]).scalars(Float.self), [0, 4, 8])
        XCTAssertEqual(try einsum("ba", [m]).scalars(Float.self), [0, 3, 6, 1, 4, 7, 2, 5, 8])
        XCTAssertEqual(try einsum("ij->", [m]).scalars(Float.self), [36])
        XCTAssertEqual(try einsum("ij->j", [m]).scalars(Float.self), [9, 12, 15])
        let batch = Tensor((0..<18).map(Float.init), shape: [2, 3, 3])
        XCTAssertEqual(try einsum("...ii->...i", [batch]).scalars(Float.self), [0, 4, 8, 9, 13, 17])
    }

    func testEllipsisBroadcastsSizeOneAxes() throws {
        let a = Tensor([Float](repeating: 1, count: 6), shape: [1, 2, 3])
        let b = Tensor((0..<12).map(Float.init), shape: [2, 3, 2])
        let y = try einsum("...ij,...jk->...ik", [a, b])
        XCTAssertEqual(y.shape, [2, 2, 2])
        XCTAssertEqual(y.scalars(Float.self), [6, 9, 6, 9, 24, 27, 24, 27])
    }

    func testIntegersWrapInsteadOfTrapping() throws {
        let a = Tensor([Int64.max, 2], shape: [2])
        XCTAssertEqual(try einsum("i,i->", [a, a]).scalars(Int64.self), [1 &+ 4])
    }

    func testMalformedEquationsAreErrors() {
        XCTAssertThrowsError(try EinsumEquation("ij,jk->i-k"))
        XCTAssertThrowsError(try EinsumEquation("i...j...,jk"))
        XCTAssertThrowsError(try einsum("ij,jk->ik", [Tensor([Float](repeating: 0, count: 6), shape: [2, 3]),
                                                     Tensor([Float](repeating: 0, count: 8), shape: [4, 2])]))
        XCTAssertThrowsError(try einsum("ij->ik", [Tensor([Float](repeating: 0, count: 6), shape: [2, 3])]))
    }
}
