import XCTest
import ONNXModel
import _TestSupport
@testable import Passes

final class ShapeInferenceLinearTests: XCTestCase {
    private func matMul(_ a: ShapeTest.Dims?, _ b: ShapeTest.Dims?, op: String = "MatMul") -> ShapeTest.Output {
        ShapeTest.single(TestModels.node(op, ["a", "b"], ["y"]),
                         inputs: [ShapeTest.input("a", .float, a), ShapeTest.input("b", .float, b)])
    }

    func testMatMulBroadcastsBatchDimsAndKeepsSymbols() {
        let result = matMul(["batch", "1", "seq", "64"], ["8", "64", "32"])
        XCTAssertEqual(result.type, .float)
        XCTAssertEqual(result.dims, ["batch", "8", "seq", "32"])
    }

    func testMatMulPromotesVectorsAndDropsTheirAxis() {
        XCTAssertEqual(matMul(["3"], ["2", "3", "4"]).dims, ["2", "4"])
        XCTAssertEqual(matMul(["2", "5", "3"], ["3"]).dims, ["2", "5"])
        XCTAssertEqual(matMul(["3"], ["3"]).dims, [])
    }

    func testMatMulWithUnknownRankLeavesShapeUnknown() {
        XCTAssertNil(matMul(nil, ["3", "4"]).dims)
    }

    func testMatMulInnerMismatchIsRejected() {
        let warnings = ShapeTest.warnings(TestModels.node("MatMul", ["a", "b"], ["y"]),
                                          inputs: [ShapeTest.input("a", .float, ["3", "4"]), ShapeTest.input("b", .float, ["3", "5"])])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("inner dims"), warnings[0])
        XCTAssertNil(matMul(["3", "4"], ["3", "5"]).dims)
    }

    func testGemmHonoursTransposeFlags() {
        let plain = ShapeTest.single(TestModels.node("Gemm", ["a", "b", "c"], ["y"]),
                                     inputs: [ShapeTest.input("a", .float, ["batch", "4"]), ShapeTest.input("b", .float, ["4", "8"]),
                                              ShapeTest.input("c", .float, ["8"])])
        XCTAssertEqual(plain.dims, ["batch", "8"])
        let transposed = ShapeTest.single(TestModels.node("Gemm", ["a", "b"], ["y"], attributes: [
            TestModels.intAttribute("transA", 1), TestModels.intAttribute("transB", 1),
        ]), inputs: [ShapeTest.input("a", .float, ["k", "m"]), ShapeTest.input("b", .float, ["n", "k"])])
        XCTAssertEqual(transposed.dims, ["m", "n"])
    }

    func testGemmKnowsItsRankEvenWhenAnInputsIsNot() {
        let result = ShapeTest.single(TestModels.node("Gemm", ["a", "b"], ["y"]),
                                      inputs: [ShapeTest.input("a", .float, nil), ShapeTest.input("b", .float, ["4", "8"])])
        XCTAssertEqual(result.dims, ["?", "8"])
    }

    func testGemmRejectsNonMatricesAndMismatchedInnerDims() {
        let node = TestModels.node("Gemm", ["a", "b"], ["y"])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [ShapeTest.input("a", .float, ["2", "3", "4"]),
                                                         ShapeTest.input("b", .float, ["4", "8"])]).count, 1)
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [ShapeTest.input("a", .float, ["2", "3"]),
                                                         ShapeTest.input("b", .float, ["4", "8"])]).count, 1)
    }

    private func einsum(_ equation: String, _ shapes: [ShapeTest.Dims?]) -> ShapeTest.Output {
        let names = shapes.indices.map { "x\($0)" }
        let node = TestModels.node("Einsum", names, ["y"], attributes: [TestModels.stringAttribute("equation", equation)])
        return ShapeTest.single(node, inputs: zip(names, shapes).map { ShapeTest.input($0, .float, $1) }, opset: 12)
    }

    func testEinsumExplicitOutput() {
        XCTAssertEqual(einsum("bij,bjk->bik", [["batch", "3", "4"], ["batch", "4", "5"]]).dims, ["batch", "3", "5"])
        XCTAssertEqual(einsum("bhid,bhjd->bhij", [["b", "8", "s", "64"], ["b", "8", "t", "64"]]).dims, ["b", "8", "s", "t"])
        XCTAssertEqual(einsum("bii->bi", [["batch", "3", "3"]]).dims, ["batch", "3"])
        XCTAssertEqual(einsum("ij->", [["3", "4"]]).dims, [])
    }

    func testEinsumImplicitOutputIsLettersUsedOnceInOrder() {
        XCTAssertEqual(einsum("ij", [["3", "4"]]).dims, ["3", "4"])
        XCTAssertEqual(einsum("ji", [["3", "4"]]).dims, ["4", "3"])
        XCTAssertEqual(einsum("ij,jk", [["m", "4"], ["4", "n"]]).dims, ["m", "n"])
    }

    func testEinsumEllipsisBroadcasts() {
        XCTAssertEqual(einsum("...ij,jk->...ik", [["batch", "seq", "4"], ["4", "5"]]).dims, ["batch", "seq", "5"])
        XCTAssertEqual(einsum("...ij,...jk", [["2", "3", "4"], ["7", "1", "4", "5"]]).dims, ["7", "2", "3", "5"])
        XCTAssertNil(einsum("...ij,jk->...ik", [nil, ["4", "5"]]).dims, "an ellipsis of unknown rank")
        XCTAssertEqual(einsum("ij,jk->ik", [nil, ["4", "5"]]).dims, ["?", "5"])
    }

    func testEinsumRejectsOperandsThatDoNotFitTheirTerms() {
        let node = TestModels.node("Einsum", ["a"], ["y"], attributes: [TestModels.stringAttribute("equation", "ij->i")])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: [ShapeTest.input("a", .float, ["2", "3", "4"])], opset: 12).count, 1)
        let twoOperands = TestModels.node("Einsum", ["a"], ["y"], attributes: [TestModels.stringAttribute("equation", "ij,jk->ik")])
        XCTAssertEqual(ShapeTest.warnings(twoOperands, inputs: [ShapeTest.input("a", .float, ["2", "3"])], opset: 12).count, 1)
    }
}
