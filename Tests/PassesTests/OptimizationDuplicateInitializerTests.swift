import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

final class OptimizationDuplicateInitializerTests: XCTestCase {
    private func pass(_ report: PassReport) -> GraphPass { DuplicateInitializerPass(report: report) }

    private let values: [Float] = [0.5, -1, 2, 4]

    /// y = ((x + first) ⊙ second) - third, second holding first's values in float_data.
    private func model(second: TensorProto? = nil, third: TensorProto? = nil, secondIsInput: Bool = false) -> ModelProto {
        let graph = TestModels.graph([
            TestModels.node("Add", ["x", "first"], ["a"]),
            TestModels.node("Mul", ["a", "second"], ["b"]),
            TestModels.node("Sub", ["b", "third"], ["y"]),
        ], inputs: [TestModels.value("x", .float, [.value(4)])] + (secondIsInput ? [TestModels.value("second", .float, [.value(4)])] : []),
        outputs: [TestModels.value("y")],
        initializers: [TestModels.floatTensor("first", dims: [4], values: values),
                       second ?? OptimizationTest.floatDataTensor("second", dims: [4], values: values),
                       third ?? TestModels.floatTensor("third", dims: [4], values: [1, 2, 3, 4])])
        return TestModels.model(graph)
    }

    func testEqualInitializersMergeWhateverTheirEncoding() throws {
        let outcome = try OptimizationTest.apply(pass, to: model())
        XCTAssertEqual(outcome.after.graph.initializers.compactMap(\.name), ["first", "third"])
        XCTAssertEqual(outcome.after.graph.nodes[1].inputs, ["a", "first"])
        XCTAssertEqual(outcome.report.messages, ["merged initializer second into first, which holds the same values"])
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// Same bytes under other dims, or the same values in another type, are other tensors.
    func testSameBytesWithOtherDimsOrTypeStay() throws {
        let reshaped = model(second: TestModels.floatTensor("second", dims: [2, 2], values: values))
        XCTAssertFalse(try OptimizationTest.apply(pass, to: reshaped).changed)
        let asBits = Tensor(values.map(\.bitPattern).map(Int32.init(bitPattern:)), shape: [4]).toProto(name: "third")
        var proto = model(second: TestModels.floatTensor("second", dims: [4], values: [9, 9, 9, 9]), third: asBits)
        proto.graph!.node[2] = TestModels.node("Cast", ["third"], ["third_float"], attributes: [OptimizationTest.castToFloat])
        XCTAssertFalse(try OptimizationTest.apply(pass, to: proto).changed)
    }

    /// A feed may replace an initializer that is a graph input.
    func testInitializerThatIsAGraphInputStays() throws {
        XCTAssertFalse(try OptimizationTest.apply(pass, to: model(secondIsInput: true)).changed)
    }

    /// A branch reading the copy from the main graph reads the original afterwards.
    func testBranchReadingTheCopyIsRewired() throws {
        let then = TestModels.graph([TestModels.node("Mul", ["x", "copy"], ["product"])], inputs: [],
                                          outputs: [TestModels.value("product")], name: "then")
        let otherwise = TestModels.graph([TestModels.node("Add", ["x", "original"], ["sum"])], inputs: [],
                                               outputs: [TestModels.value("sum")], name: "else")
        let proto = OptimizationTest.ifModel(then: then, else: otherwise, inputs: [TestModels.value("x", .float, [.value(4)])],
                                             initializers: [TestModels.floatTensor("original", dims: [4], values: values),
                                                            TestModels.floatTensor("copy", dims: [4], values: values)],
                                             output: TestModels.value("y"))
        let outcome = try OptimizationTest.apply(pass, to: proto)
        XCTAssertEqual(try OptimizationTest.firstSubgraph(outcome.after).nodes[0].inputs, ["x", "original"])
        XCTAssertEqual(outcome.after.graph.initializers.compactMap(\.name), ["original"])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }
}
