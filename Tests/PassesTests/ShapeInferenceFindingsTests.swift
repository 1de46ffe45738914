import ONNXModel
@testable import Passes
import _TestSupport
import XCTest

/// A rule's finding is either a contradiction (the node cannot run as written: preprocess
/// refuses the model) or a warning (qtool cannot infer it: the outputs stay unknown).
final class ShapeInferenceFindingsTests: XCTestCase {
    func testMismatchedMatrixProductIsAContradiction() {
        let node = TestModels.node("MatMul", ["a", "b"], ["y"], name: "mm")
        let inputs = [ShapeTest.input("a", .float, ["1", "4"]), ShapeTest.input("b", .float, ["5", "3"])]
        XCTAssertEqual(ShapeTest.contradictions(node, inputs: inputs).count, 1)
        XCTAssertTrue(ShapeTest.contradictions(node, inputs: inputs)[0].hasPrefix("node 'mm' (MatMul): "))
    }

    func testOpWithoutRuleIsOnlyAWarning() {
        let node = TestModels.node("Frobnicate", ["a"], ["y"], domain: "com.example")
        let inputs = [ShapeTest.input("a", .float, ["1", "4"])]
        XCTAssertEqual(ShapeTest.contradictions(node, inputs: inputs), [])
        XCTAssertEqual(ShapeTest.warnings(node, inputs: inputs).count, 1)
    }

    func testLimitationIsNotAContradiction() {
        XCTAssertFalse(ShapeError("dims 2 and 3 do not broadcast").isLimitation)
        XCTAssertTrue(ShapeError(limitation: "not inferred").isLimitation)
    }
}
