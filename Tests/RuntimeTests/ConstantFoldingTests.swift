import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// Nodes whose inputs are all constants run once when the graph is compiled.
final class ConstantFoldingTests: XCTestCase {
    /// y = x + Concat(Slice(w, 0:2), Slice(w, 2:4)) where w may also be a graph input.
    func model(weightsAreInput: Bool = false) -> Model {
        var graph = GraphProto()
        graph.initializer = [TestModels.floatTensor("w", dims: [4], values: [1, 2, 3, 4]),
                             TestModels.int64Tensor("s0", dims: [1], values: [0]),
                             TestModels.int64Tensor("s2", dims: [1], values: [2]),
                             TestModels.int64Tensor("s4", dims: [1], values: [4])]
        graph.node = [TestModels.node("Slice", ["w", "s0", "s2"], ["low"]),
                      TestModels.node("Slice", ["w", "s2", "s4"], ["high"]),
                      TestModels.node("Concat", ["high", "low"], ["swapped"], attributes: [TestModels.intAttribute("axis", 0)]),
                      TestModels.node("Add", ["x", "swapped"], ["y"])]
        graph.input = [TestModels.value("x", .float, [.value(4)])] + (weightsAreInput ? [TestModels.value("w", .float, [.value(4)])] : [])
        graph.output = [TestModels.value("y", .float, [.value(4)])]
        return Model(TestModels.model(graph, opset: 13))
    }

    let x = Tensor([10, 20, 30, 40] as [Float], shape: [4])

    func testConstantSubgraphRunsOnceAtCompileTime() throws {
        let interpreter = try Interpreter(model: model())
        XCTAssertEqual(interpreter.main.steps.map(\.node.opType), ["Add"])
        XCTAssertEqual(try XCTUnwrap(interpreter.run(["x": x])["y"]).scalars(Float.self), [13, 24, 31, 42])
    }

    func testConstantsOnlyFoldedNodesReadAreDropped() throws {
        let interpreter = try Interpreter(model: model())
        let names = Set(interpreter.main.constants.map { interpreter.main.slotNames[$0.slot] })
        XCTAssertEqual(names, ["swapped"])
    }

    func testObserverSeesFoldedValues() throws {
        let interpreter = try Interpreter(model: model())
        var seen: [String: [Float]] = [:]
        _ = try interpreter.run(["x": x]) { name, tensor in seen[name] = tensor.scalars(Float.self) }
        XCTAssertEqual(seen["swapped"], [3, 4, 1, 2])
        XCTAssertEqual(seen["y"], [13, 24, 31, 42])
    }

    /// An initializer listed as a graph input is a default a feed may replace: nothing
    /// computed from it may be frozen.
    func testInitializerThatIsAnInputIsNotFolded() throws {
        let interpreter = try Interpreter(model: model(weightsAreInput: true))
        XCTAssertEqual(interpreter.main.steps.count, 4)
        let w = Tensor([0, 0, 1, 1] as [Float], shape: [4])
        XCTAssertEqual(try XCTUnwrap(interpreter.run(["x": x, "w": w])["y"]).scalars(Float.self), [11, 21, 30, 40])
        XCTAssertEqual(try XCTUnwrap(interpreter.run(["x": x])["y"]).scalars(Float.self), [13, 24, 31, 42])
    }

    /// A node that fails on its constants is left to run, so the error names it at run time.
    func testFailingConstantNodeFailsAtRunTime() throws {
        var proto = model().toProto()
        proto.graph!.initializer[0] = TestModels.floatTensor("w", dims: [2, 2], values: [1, 2, 3, 4])
        proto.graph!.node[2] = TestModels.node("Concat", ["high", "x"], ["swapped"], attributes: [TestModels.intAttribute("axis", 0)])
        proto.graph!.node.insert(TestModels.node("Concat", ["w", "s0"], ["bad"], attributes: [TestModels.intAttribute("axis", 0)]), at: 0)
        proto.graph!.output.append(TestModels.value("bad"))
        let interpreter = try Interpreter(model: Model(proto))
        XCTAssertEqual(interpreter.main.steps.first?.node.opType, "Concat")
        XCTAssertThrowsError(try interpreter.run(["x": x]))
    }

    /// If(c) then y = x + Slice(w) else y = x, with w an outer initializer: the Slice inside
    /// the branch is folded from the captured constant, unless w is also a graph input.
    func branchModel(weightsAreInput: Bool) -> Model {
        var then = GraphProto()
        then.node = [TestModels.node("Slice", ["w", "s2", "s4"], ["high"]),
                     TestModels.node("Add", ["x", "high"], ["sum"])]
        then.output = [TestModels.value("sum")]
        var otherwise = GraphProto()
        otherwise.node = [TestModels.node("Identity", ["x"], ["same"])]
        otherwise.output = [TestModels.value("same")]
        var graph = GraphProto()
        graph.initializer = [TestModels.floatTensor("w", dims: [4], values: [1, 2, 3, 4]),
                             TestModels.int64Tensor("s2", dims: [1], values: [2]),
                             TestModels.int64Tensor("s4", dims: [1], values: [4])]
        graph.node = [TestModels.node("If", ["c"], ["y"], attributes: [TestModels.graphAttribute("then_branch", then),
                                                                       TestModels.graphAttribute("else_branch", otherwise)])]
        graph.input = [TestModels.value("c", .bool, []), TestModels.value("x", .float, [.value(2)])]
            + (weightsAreInput ? [TestModels.value("w", .float, [.value(4)])] : [])
        graph.output = [TestModels.value("y")]
        return Model(TestModels.model(graph, opset: 16))
    }

    func thenBranch(_ interpreter: Interpreter) throws -> CompiledGraph {
        try XCTUnwrap((interpreter.main.steps[0].kernel as? IfKernel)?.thenBranch)
    }

    func testSubgraphFoldsNodesReadingOuterConstants() throws {
        let interpreter = try Interpreter(model: branchModel(weightsAreInput: false))
        XCTAssertEqual(try thenBranch(interpreter).steps.map(\.node.opType), ["Add"])
        XCTAssertEqual(try thenBranch(interpreter).captures.map(\.name), ["x"])
        let x = Tensor([10, 20] as [Float], shape: [2])
        XCTAssertEqual(try XCTUnwrap(interpreter.run(["c": Tensor(scalar: true), "x": x])["y"]).scalars(Float.self), [13, 24])
    }

    func testSubgraphDoesNotFoldOuterInputDefaults() throws {
        let interpreter = try Interpreter(model: branchModel(weightsAreInput: true))
        XCTAssertEqual(try thenBranch(interpreter).steps.map(\.node.opType), ["Slice", "Add"])
        let x = Tensor([10, 20] as [Float], shape: [2]), w = Tensor([0, 0, 5, 6] as [Float], shape: [4])
        XCTAssertEqual(try XCTUnwrap(interpreter.run(["c": Tensor(scalar: true), "x": x, "w": w])["y"]).scalars(Float.self), [15, 26])
    }
}
