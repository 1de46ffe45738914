import XCTest
import ONNXModel
import Runtime
import _TestSupport
@testable import Passes

/// The opset upgrade as a whole: what it refuses, what it raises, where it looks, and that every
/// schema change up to opset 21 is classified. The adapters' numerics are in
/// OptimizationOpsetAdapterTests.
final class OptimizationOpsetUpgradeTests: XCTestCase {
    private let x = TestModels.value("x", .float, [.value(2), .value(3), .value(4)])

    private func model(_ nodes: [NodeProto], opset: Int64, inputs: [ValueInfoProto]? = nil,
                       outputs: [ValueInfoProto] = [TestModels.value("y")]) -> ModelProto {
        TestModels.model(TestModels.graph(nodes, inputs: inputs ?? [x], outputs: outputs), opset: opset, irVersion: 3)
    }

    /// Every new version of every op in opsets 8...21 is either compatible or has an adapter,
    /// never both; adapters exist only for ops and versions the history knows.
    func testEverySchemaChangeUpTo21IsClassified() {
        for (op, versions) in OpsetHistory.versions {
            for version in versions.dropFirst() where (8...21).contains(version) {
                let compatible = OpsetCompatibility.versions[op]?.contains(version) ?? false
                let adapted = OpsetAdapters.adapters[op]?.versions.contains(version) ?? false
                XCTAssertTrue(compatible != adapted, "\(op)-\(version): compatible \(compatible), adapted \(adapted)")
            }
        }
        let adapted = OpsetAdapters.adapters.mapValues(\.versions)
        for (op, versions) in OpsetCompatibility.versions.merging(adapted, uniquingKeysWith: { $0.union($1) }) {
            XCTAssertTrue(versions.isSubset(of: Set(OpsetHistory.versions[op] ?? [])), "\(op) \(versions.sorted())")
        }
    }

    func testRaisesOpsetAndIRVersionAndNotesTheRewrites() throws {
        let squeeze = TestModels.node("Squeeze", ["x"], ["y"], name: "sq", attributes: [TestModels.intsAttribute("axes", [0])])
        let x = TestModels.value("x", .float, [.value(1), .value(3)])
        let (outcome, result) = try OptimizationTest.upgrade(model([squeeze], opset: 11, inputs: [x]), to: 21)
        XCTAssertEqual(result, .upgraded(from: 11))
        try OptimizationTest.assertUpgraded(outcome, to: 21, irVersion: 10, messages: [
            "rewrote Squeeze sq: axes as an input", "raised the ai.onnx opset from 11 to 21", "raised ir_version 3 to 10 (opset 21)",
        ])
    }

    func testModelAtOrAboveTheTargetIsLeftAlone() throws {
        let (outcome, result) = try OptimizationTest.upgrade(model([TestModels.node("Relu", ["x"], ["y"])], opset: 13), to: 13)
        XCTAssertEqual(result, .alreadyThere)
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(outcome.report.messages, [])
    }

    func testTargetsOutsideEightTo21Throw() {
        for target in [7, 22] {
            XCTAssertThrowsError(try OpsetUpgrade.upgrade(Model(model([], opset: 7)), to: target))
        }
    }

    func testSourcesBelowSevenAndMissingImportsAreRefused() throws {
        let relu = TestModels.node("Relu", ["x"], ["y"])
        XCTAssertEqual(try OptimizationTest.upgrade(model([relu], opset: 6), to: 13).1,
                       .refused(["upgrading from below opset 7 is not supported"]))
        var proto = model([relu], opset: 9)
        proto.opsetImport = []
        XCTAssertEqual(try OptimizationTest.upgrade(proto, to: 13).1, .refused(["the model imports no ai.onnx opset"]))
    }

    /// Every blocked node is named, and a blocked upgrade edits nothing, not even the nodes that
    /// could move.
    func testBlockedNodesAreAllNamedAndNothingChanges() throws {
        let nodes = [
            TestModels.node("Squeeze", ["x"], ["s"], attributes: [TestModels.intsAttribute("axes", [0])]),
            TestModels.node("ImageScaler", ["s"], ["i"], name: "scaler"),
            TestModels.node("Softmax", ["u"], ["y"], name: "soft", attributes: [TestModels.intAttribute("axis", 1)]),
        ]
        let proto = model(nodes, opset: 8, inputs: [x, TestModels.value("u")])
        let (outcome, result) = try OptimizationTest.upgrade(proto, to: 13)
        XCTAssertEqual(result, .refused(["ImageScaler scaler: there is no ai.onnx ImageScaler at opset 8",
                                         "Softmax soft: the rank of 'u' is unknown"]))
        XCTAssertFalse(outcome.changed)
        XCTAssertEqual(outcome.after.toProto(), proto)
        XCTAssertEqual(outcome.report.messages, [])
    }

    /// Function bodies keep their own ai.onnx import, which must mean the same ops, and
    /// training_info graphs are not rewritten: a node there that would change blocks.
    func testFunctionAndTrainingNodesThatWouldChangeBlock() throws {
        let squeeze = TestModels.node("Squeeze", ["a"], ["b"], attributes: [TestModels.intsAttribute("axes", [0])])
        var proto = model([TestModels.node("Relu", ["x"], ["y"])], opset: 12)
        var function = FunctionProto()
        function.name = "squeezer"
        function.node = [squeeze]
        function.opsetImport = [OperatorSetIdProto(domain: "", version: 12)]
        proto.functions = [function]
        var training = TrainingInfoProto()
        training.algorithm = TestModels.graph([TestModels.node("Scan", ["c"], ["d"], attributes: [
            TestModels.graphAttribute("body", TestModels.graph([squeeze], outputs: [])),
        ])], outputs: [])
        proto.trainingInfo = [training]
        XCTAssertEqual(try OptimizationTest.upgrade(proto, to: 13).1, .refused([
            "local function 'squeezer' has a Squeeze node that changes by opset 13; function bodies are not upgraded",
            "training_info has a Squeeze node that changes by opset 13; training graphs are not upgraded",
        ]))
        XCTAssertEqual(try OptimizationTest.upgrade(proto, to: 12).1, .alreadyThere)
    }

    /// Nodes in If branches are rewritten too, and reported with their subgraph.
    func testSubgraphNodesAreUpgraded() throws {
        func branch(_ name: String, axes: [Int]) -> GraphProto {
            let mean = TestModels.node("ReduceMean", ["x"], ["\(name)_out"], attributes: [TestModels.intsAttribute("axes", axes)])
            return TestModels.graph([mean], outputs: [TestModels.value("\(name)_out")], name: name)
        }
        let proto = OptimizationTest.ifModel(then: branch("then", axes: [1]), else: branch("else", axes: [0, 2]),
                                             inputs: [x], output: TestModels.value("y"), opset: 17)
        let (outcome, result) = try OptimizationTest.upgrade(proto, to: 18)
        XCTAssertEqual(result, .upgraded(from: 17))
        for index in 0..<2 {
            XCTAssertEqual(try OptimizationTest.firstSubgraph(outcome.after, index).nodes.first?.inputs.count, 2)
        }
        XCTAssertEqual(outcome.report.messages.prefix(2), [
            "rewrote ReduceMean writing then_out: axes as an input (in subgraph 'then')",
            "rewrote ReduceMean writing else_out: axes as an input (in subgraph 'else')",
        ])
        try OptimizationTest.assertSameOutputsOnBothBranches(outcome)
    }

    /// Types and ranks come from shape inference when the model declares none, without the
    /// model gaining value_info.
    func testUndeclaredRanksAreInferredOnACopy() throws {
        let nodes = [
            TestModels.node("Relu", ["x"], ["r"]),
            TestModels.node("Clip", ["r"], ["c"], attributes: [TestModels.floatAttribute("max", 0.5)]),
            TestModels.node("Softmax", ["c"], ["y"], attributes: [TestModels.intAttribute("axis", 1)]),
        ]
        let (outcome, result) = try OptimizationTest.upgrade(model(nodes, opset: 10), to: 13)
        XCTAssertEqual(result, .upgraded(from: 10))
        XCTAssertEqual(OptimizationTest.ops(outcome.after.graph), ["Relu", "Clip", "Shape", "Flatten", "Softmax", "Reshape"])
        XCTAssertEqual(outcome.after.graph.valueInfo.count, 0)
        try OptimizationTest.assertSameOutputs(outcome)
    }

    /// A model of ops that only gained types, negative axes or defaulted attributes moves from
    /// 7 to 21 untouched but for its opset and IR version.
    func testCompatibleOpsMoveUnchanged() throws {
        let image = TestModels.value("x", .float, [.value(1), .value(2), .value(6), .value(6)])
        let nodes = [
            TestModels.node("Conv", ["x", "w"], ["c"], attributes: [TestModels.intsAttribute("pads", [1, 1, 1, 1])]),
            TestModels.node("Relu", ["c"], ["r"]),
            TestModels.node("MaxPool", ["r"], ["p"], attributes: [TestModels.intsAttribute("kernel_shape", [2, 2]),
                                                                  TestModels.intsAttribute("strides", [2, 2])]),
            TestModels.node("AveragePool", ["p"], ["a"], attributes: [TestModels.intsAttribute("kernel_shape", [2, 2])]),
            TestModels.node("Flatten", ["a"], ["f"]),
            TestModels.node("Gemm", ["f", "g", "b"], ["m"], attributes: [TestModels.intAttribute("transB", 1)]),
            TestModels.node("Sum", ["m", "b"], ["y"]),
        ]
        let initializers = [OptimizationTest.weights("w", dims: [3, 2, 3, 3], seed: 1),
                            OptimizationTest.weights("g", dims: [2, 12], seed: 2),
                            OptimizationTest.weights("b", dims: [2], seed: 3)]
        // IR 3: every initializer is also a graph input.
        let inputs = [image] + initializers.map { TestModels.value($0.name!, .float, $0.dims.map { .value($0) }) }
        let graph = TestModels.graph(nodes, inputs: inputs, outputs: [TestModels.value("y")], initializers: initializers)
        let proto = TestModels.model(graph, opset: 7, irVersion: 3)
        let (outcome, result) = try OptimizationTest.upgrade(proto, to: 21)
        XCTAssertEqual(result, .upgraded(from: 7))
        XCTAssertEqual(outcome.report.messages, ["raised the ai.onnx opset from 7 to 21", "raised ir_version 3 to 10 (opset 21)"])
        try OptimizationTest.assertSameOutputs(outcome)
    }
}

extension OptimizationTest {
    /// Upgrades a model built from `proto` to `target`, keeping the original to compare with.
    static func upgrade(_ proto: ModelProto, to target: Int) throws -> (Outcome, OpsetUpgrade.Outcome) {
        let report = PassReport()
        let after = Model(proto)
        let result = try OpsetUpgrade.upgrade(after, to: target, report: report)
        var changed = false
        if case .upgraded = result { changed = true }
        return (Outcome(before: Model(proto), after: after, changed: changed, report: report), result)
    }

    /// Asserts the opset and IR version the model now has, the report's exact lines, and that it
    /// computes what it did.
    static func assertUpgraded(_ outcome: Outcome, to opset: Int64, irVersion: Int64, messages: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(outcome.after.opsetVersion(for: ""), opset, file: file, line: line)
        XCTAssertEqual(outcome.after.proto.irVersion, irVersion, file: file, line: line)
        XCTAssertEqual(outcome.report.messages, messages, file: file, line: line)
        try assertSameOutputs(outcome, file: file, line: line)
    }
}
