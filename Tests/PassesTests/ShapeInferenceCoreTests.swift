import XCTest
import ONNXModel
import _TestSupport
@testable import Passes
import Runtime

final class SymbolicDimTests: XCTestCase {
    let batch = SymbolicDim(symbol: "batch"), seq = SymbolicDim(symbol: "seq")

    func testArithmeticIsNormalized() {
        XCTAssertEqual((batch * seq).description, "batch*seq")
        XCTAssertEqual(seq * batch, batch * seq)
        XCTAssertEqual((batch + 1).description, "batch + 1")
        XCTAssertEqual((batch + 1 - batch).value, 1)
        XCTAssertEqual((SymbolicDim(2) * batch - 1).description, "2*batch - 1")
        XCTAssertEqual(SymbolicDim(3) * 4, 12)
    }

    func testExactDivision() {
        XCTAssertEqual((batch * seq).dividedExactly(by: seq), batch)
        XCTAssertEqual((SymbolicDim(6) * batch).dividedExactly(by: 3), SymbolicDim(2) * batch)
        XCTAssertNil((batch + 1).dividedExactly(by: seq))
        XCTAssertNil(SymbolicDim(7).dividedExactly(by: 2))
    }

    func testFloorAndCeilDivision() {
        XCTAssertEqual(SymbolicDim(7).floorDivided(by: 2), 3)
        XCTAssertEqual(SymbolicDim(-7).floorDivided(by: 2), -4)
        XCTAssertEqual(SymbolicDim(7).ceilDivided(by: 2), 4)
        XCTAssertEqual((SymbolicDim(4) * batch).floorDivided(by: 2), SymbolicDim(2) * batch)
        let half = (batch + 1).floorDivided(by: 2)
        XCTAssertEqual(half.description, "floor((batch + 1)/2)")
        XCTAssertEqual(half, (batch + 1).floorDivided(by: 2), "equal expressions stay equal")
    }
}

final class ShapeInferenceCoreTests: XCTestCase {
    func testBroadcastWithSymbols() throws {
        let result = ShapeTest.single(TestModels.node("Add", ["a", "b"], ["y"]),
                                      inputs: [ShapeTest.input("a", .float, ["batch", "1", "4"]), ShapeTest.input("b", .float, ["3", "1"])])
        XCTAssertEqual(result.type, .float)
        XCTAssertEqual(result.dims, ["batch", "3", "4"])
    }

    func testComparisonGivesBool() {
        let result = ShapeTest.single(TestModels.node("Less", ["a", "b"], ["y"]),
                                      inputs: [ShapeTest.input("a", .int64, ["n"]), ShapeTest.input("b", .int64, [])])
        XCTAssertEqual(result.type, .bool)
        XCTAssertEqual(result.dims, ["n"])
    }

    func testIncompatibleBroadcastIsAContradictionAndInferenceContinues() {
        let (model, report) = ShapeTest.infer([TestModels.node("Add", ["a", "b"], ["c"], name: "bad"),
                                               TestModels.node("Relu", ["a"], ["d"])],
                                              inputs: [ShapeTest.input("a", .float, ["3"]), ShapeTest.input("b", .float, ["4"])],
                                              outputs: ["c", "d"])
        XCTAssertEqual(report.contradictions.count, 1)
        XCTAssertTrue(report.contradictions[0].contains("'bad'"), report.contradictions[0])
        XCTAssertEqual(ShapeTest.result(model, "d").dims, ["3"])
    }

    func testConstantInputsAreEvaluated() {
        let result = ShapeTest.single(TestModels.node("Add", ["a", "b"], ["y"]), inputs: [],
                                      initializers: [TestModels.int64Tensor("a", dims: [2], values: [1, 2]),
                                                     TestModels.int64Tensor("b", dims: [2], values: [10, 20])])
        XCTAssertEqual(result.type, .int64)
        XCTAssertEqual(result.dims, ["2"])
    }

    func testUnnamedInputDimsGetSymbolsSoEqualDimsAreTraced() {
        let result = ShapeTest.single(TestModels.node("Mul", ["a", "a"], ["y"]), inputs: [ShapeTest.input("a", .float, ["?", "2"])])
        XCTAssertEqual(result.dims, ["a_dim0", "2"])
    }

    func testUnknownOpWarnsAndGuessesRankOnlyWhenAsked() {
        var custom = TestModels.node("Frobnicate", ["a"], ["y"], name: "f")
        custom.domain = "example.custom"
        let (model, report) = ShapeTest.infer([custom], inputs: [ShapeTest.input("a", .float, ["2", "3"])], outputs: ["y"])
        XCTAssertEqual(report.warnings.count, 1)
        XCTAssertNil(ShapeTest.result(model, "y").dims)
        var options = ShapeInference.Options()
        options.guessOutputRank = true
        let (guessed, _) = ShapeTest.infer([custom], inputs: [ShapeTest.input("a", .float, ["2", "3"])], outputs: ["y"], options: options)
        XCTAssertEqual(ShapeTest.result(guessed, "y").dims, ["?", "?"])
    }

    func testDeclaredOutputDimsWin() {
        var graph = GraphProto()
        graph.node = [TestModels.node("Relu", ["a"], ["y"])]
        graph.input = [ShapeTest.input("a", .float, ["n", "?"])]
        graph.output = [ShapeTest.input("y", .float, ["batch", "?"])]
        let model = Model(TestModels.model(graph, opset: 17))
        ShapeInference().run(on: model)
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "a_dim1"])
    }
}

final class ShapeRuleCoverageTests: XCTestCase {
    /// Every op the interpreter runs has a shape rule (the interpreter's kernels evaluate
    /// constant inputs, but symbolic and unknown inputs need the rule).
    func testEveryInterpreterOpHasAShapeRule() {
        let interpreted = Set(KernelRegistry.entries.filter { $0.domain == "ai.onnx" }.map(\.op))
        let missing = interpreted.subtracting(ShapeRules.supportedOps).sorted()
        XCTAssertEqual(missing, [], "ops without a shape rule")
    }
}
