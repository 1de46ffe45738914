import ONNXModel
import XCTest
import _TestSupport
@testable import Quantization

/// What the planner marks for each op family, before any calibration: roles and axes of
/// weights, biases, folded activations, shared parameters, and which nodes it visits.
final class QDQPlannerTests: XCTestCase {
    private typealias N = TestModels

    // MARK: Weighted ops

    func testConvMarksInputOutputWeightOnAxisZeroAndBias() throws {
        let marks = Rewrite.plan(RewriteModels.typed(RewriteModels.convThen([], outputs: ["c"]))).main
        XCTAssertEqual(marks.order, ["x", "c", "w"])
        XCTAssertEqual(marks.role("x"), .activation)
        XCTAssertEqual(marks.role("c"), .activation)
        XCTAssertEqual(marks.role("w"), .weight(axis: 0))
        let bias = try XCTUnwrap(marks.biases["b"])
        XCTAssertEqual([bias.input, bias.weight], ["x", "w"])
        XCTAssertEqual(bias.beta, 1)
        XCTAssertEqual(marks.calibratedTensors, ["x", "c"], "weights are not calibrated")
    }

    func testPerTensorWeightsHaveNoAxis() {
        let model = RewriteModels.typed(RewriteModels.convThen([], outputs: ["c"]))
        XCTAssertEqual(Rewrite.plan(model) { $0.perChannel = false }.main.role("w"), .weight(axis: nil))
    }

    func testConvTransposeWeightIsPerChannelOnAxisOne() {
        let node = RewriteModels.conv("deconv", "x", "w", "b", "y", op: "ConvTranspose")
        let model = RewriteModels.typed([node], inputs: [RewriteModels.input("x", [1, 2, 4, 4])], outputs: ["y"],
                                        initializers: [RewriteModels.randomTensor("w", [2, 3, 3, 3], seed: 1),
                                                       RewriteModels.randomTensor("b", [3], seed: 2)])
        let marks = Rewrite.plan(model).main
        XCTAssertEqual(marks.role("w"), .weight(axis: 1))
        XCTAssertNotNil(marks.biases["b"])
    }

    private func gemm(transB: Int64, beta: Float) -> Model {
        RewriteModels.typed(RewriteModels.gemm(transB: transB, beta: beta))
    }

    func testGemmWeightAxisFollowsTransB() {
        XCTAssertEqual(Rewrite.plan(gemm(transB: 0, beta: 1)).main.role("B"), .weight(axis: 1))
        XCTAssertEqual(Rewrite.plan(gemm(transB: 1, beta: 1)).main.role("B"), .weight(axis: 0))
    }

    func testGemmBiasCarriesBeta() throws {
        let bias = try XCTUnwrap(Rewrite.plan(gemm(transB: 1, beta: 0.5)).main.biases["C"])
        XCTAssertEqual([bias.input, bias.weight], ["x", "B"])
        XCTAssertEqual(bias.beta, 0.5)
    }

    func testMatMulInitializerIsPerChannelOnItsLastAxis() {
        XCTAssertEqual(Rewrite.plan(RewriteModels.typed(RewriteModels.matMul())).main.role("w"), .weight(axis: 1))
        let batched = RewriteModels.typed([N.node("MatMul", ["x", "w"], ["y"])], inputs: [RewriteModels.input("x", [2, 3, 8])],
                                          outputs: ["y"], initializers: [RewriteModels.randomTensor("w", [2, 8, 5], seed: 1)])
        XCTAssertEqual(Rewrite.plan(batched).main.role("w"), .weight(axis: 2))
    }

    func testMatMulComputedOperandIsAnActivation() {
        let model = RewriteModels.typed([N.node("MatMul", ["a", "b"], ["y"])],
                                        inputs: [RewriteModels.input("a", [2, 4]), RewriteModels.input("b", [4, 3])], outputs: ["y"])
        let marks = Rewrite.plan(model).main
        XCTAssertEqual(marks.order, ["a", "b", "y"])
        XCTAssertEqual(marks.role("b"), .activation)
        XCTAssertEqual(marks.calibratedTensors, ["a", "b", "y"])
    }

    // MARK: Removable activations

    func testReluAfterConvIsFoldedWithAsymmetricActivations() throws {
        let marks = Rewrite.plan(RewriteModels.typed(RewriteModels.convRelu())).main
        let fold = try XCTUnwrap(marks.folded.first)
        XCTAssertEqual(marks.folded.count, 1)
        XCTAssertEqual(fold.node.name, "relu")
        XCTAssertEqual(fold.upstream, "c")
        XCTAssertNil(marks.role("c"), "the Conv output takes the Relu output's place")
        XCTAssertEqual(marks.calibratedTensors, ["x", "y"])
    }

    func testFoldedReluIsRemovedAndItsProducerWritesItsOutput() throws {
        let tail = [N.node("Relu", ["c"], ["r"], name: "relu"),
                    N.node("MaxPool", ["r"], ["y"], attributes: [N.intsAttribute("kernel_shape", [2, 2])])]
        let model = RewriteModels.typed(RewriteModels.convThen(tail, outputs: ["y"]))
        try Rewrite.qdq(model, ranges: ["x": .init(min: -1, max: 1), "r": .init(min: 0, max: 3)])
        XCTAssertTrue(model.graph.nodes("Relu").isEmpty)
        XCTAssertEqual(try XCTUnwrap(model.graph.node(named: "conv")).outputs, ["r"])
        XCTAssertNil(model.graph.producer(of: "c"))
    }

    func testReluIsKeptWithSymmetricActivations() {
        let marks = Rewrite.plan(RewriteModels.typed(RewriteModels.convRelu())) { $0.symmetricActivations = true }.main
        XCTAssertTrue(marks.folded.isEmpty)
        XCTAssertEqual(marks.calibratedTensors, ["x", "c", "y"])
    }

    func testReluIsKeptWhenRemovableActivationsAreKept() {
        let marks = Rewrite.plan(RewriteModels.typed(RewriteModels.convRelu())) { $0.keepRemovableActivations = true }.main
        XCTAssertTrue(marks.folded.isEmpty)
        XCTAssertEqual(marks.calibratedTensors, ["x", "c", "y"])
    }

    // MARK: Data movement

    func testDataMovementOutputsShareTheQuantizedInputsParameters() {
        let tail = [N.node("Transpose", ["c"], ["t"], attributes: [N.intsAttribute("perm", [0, 1, 3, 2])]),
                    N.node("MaxPool", ["t"], ["m"], attributes: [N.intsAttribute("kernel_shape", [2, 2])]),
                    N.node("Reshape", ["m", "shape"], ["y"])]
        let model = RewriteModels.typed(RewriteModels.convThen(tail, outputs: ["y"],
                                                               extra: [N.int64Tensor("shape", dims: [2], values: [1, -1])]))
        let marks = Rewrite.plan(model).main
        XCTAssertEqual(marks.sharedWith("t"), "c")
        XCTAssertEqual(marks.sharedWith("m"), "t")
        XCTAssertEqual(marks.sharedWith("y"), "m")
        XCTAssertEqual(marks.calibratedTensors, ["x", "c"], "shared tensors borrow their parameters")
    }

    func testDataMovementOfAFloatInputIsNotShared() {
        let nodes = [N.node("Transpose", ["x"], ["t"], attributes: [N.intsAttribute("perm", [0, 1, 3, 2])]),
                     RewriteModels.conv("conv", "t", "w", "b", "y")]
        let model = RewriteModels.typed(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["y"],
                                        initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 7))
        let marks = Rewrite.plan(model).main
        XCTAssertNil(marks.role("x"))
        XCTAssertEqual(marks.role("t"), .activation)
        XCTAssertNil(marks.sharedWith("t"), "the Conv gives t parameters of its own")
    }

    func testMaxPoolBeforeOpset12StaysFloat() {
        let tail = [N.node("MaxPool", ["c"], ["y"], attributes: [N.intsAttribute("kernel_shape", [2, 2])])]
        XCTAssertNil(Rewrite.plan(RewriteModels.typed(RewriteModels.convThen(tail, outputs: ["y"], opset: 11))).main.role("y"))
    }

    private func padMarks(mode: String?, value: Float?) -> QDQMarks {
        var inputs = ["c", "pads"]
        var extra = [N.int64Tensor("pads", dims: [8], values: [0, 0, 1, 1, 0, 0, 1, 1])]
        if let value {
            inputs.append("value")
            extra.append(N.floatTensor("value", dims: [], values: [value]))
        }
        let pad = N.node("Pad", inputs, ["y"], attributes: mode.map { [N.stringAttribute("mode", $0)] } ?? [])
        return Rewrite.plan(RewriteModels.typed(RewriteModels.convThen([pad], outputs: ["y"], extra: extra))).main
    }

    func testPadWithZerosOrEdgeValuesSharesTheInputsParameters() {
        XCTAssertEqual(padMarks(mode: nil, value: nil).sharedWith("y"), "c")
        XCTAssertEqual(padMarks(mode: "constant", value: 0).sharedWith("y"), "c")
        XCTAssertEqual(padMarks(mode: "edge", value: nil).sharedWith("y"), "c")
        XCTAssertEqual(padMarks(mode: "reflect", value: nil).sharedWith("y"), "c")
    }

    func testPadWithAnotherConstantGetsParametersOfItsOwn() {
        let marks = padMarks(mode: "constant", value: 1.5)
        XCTAssertEqual(marks.role("y"), .activation)
        XCTAssertNil(marks.sharedWith("y"))
        XCTAssertEqual(marks.role("value"), .activation, "the padding value is quantized too")
    }

    // MARK: Isolated cheap ops

    /// x → Abs → `middle` → Sqrt → y: cheap ops between ops that have no QDQ rule.
    private func betweenFloatOps(_ middle: [NodeProto]) -> Model {
        let nodes = [N.node("Abs", ["x"], ["a"])] + middle + [N.node("Sqrt", ["s"], ["y"])]
        return RewriteModels.typed(nodes, inputs: [RewriteModels.input("x", [1, 4])], outputs: ["y"],
                                   initializers: [N.floatTensor("k", dims: [1], values: [0.25])])
    }

    func testIsolatedAddStaysFloat() {
        let model = betweenFloatOps([N.node("Add", ["a", "k"], ["s"])])
        XCTAssertTrue(Rewrite.plan(model).main.order.isEmpty)
    }

    func testIsolatedChainOfCheapOpsStaysFloat() {
        let model = betweenFloatOps([N.node("Mul", ["a", "a"], ["m"]), N.node("Add", ["m", "k"], ["s"])])
        XCTAssertTrue(Rewrite.plan(model).main.order.isEmpty, "a Mul feeding an Add touches no quantized compute")
    }

    func testIsolatedAddIsQuantizedWhenAskedTo() {
        let model = betweenFloatOps([N.node("Add", ["a", "k"], ["s"])])
        XCTAssertEqual(Rewrite.plan(model) { $0.quantizeIsolatedOps = true }.main.order, ["a", "k", "s"])
    }

    func testAddNextToAConvIsQuantized() {
        let tail = [N.node("Add", ["c", "k"], ["y"])]
        let model = RewriteModels.typed(RewriteModels.convThen(tail, outputs: ["y"],
                                                               extra: [N.floatTensor("k", dims: [1], values: [0.5])]))
        XCTAssertEqual(Rewrite.plan(model).main.order, ["x", "c", "w", "k", "y"])
    }

    // MARK: Node selection

    private func twoConvs() -> Model { RewriteModels.typed(RewriteModels.twoConvs()) }

    func testExcludedNodesAreNotPlanned() {
        let marks = Rewrite.plan(twoConvs()) { $0.nodesToExclude = ["conv"] }.main
        XCTAssertEqual(marks.order, ["c", "y", "w2"])
        XCTAssertEqual(Set(marks.biases.keys), ["b2"])
    }

    func testOnlyListedNodesArePlanned() {
        let marks = Rewrite.plan(twoConvs()) { $0.nodesToQuantize = ["conv"] }.main
        XCTAssertEqual(marks.order, ["x", "c", "w"])
        XCTAssertEqual(Set(marks.biases.keys), ["b"])
    }

    func testOnlyListedOpTypesArePlanned() {
        let tail = [N.node("Add", ["c", "k"], ["y"])]
        let model = RewriteModels.typed(RewriteModels.convThen(tail, outputs: ["y"],
                                                               extra: [N.floatTensor("k", dims: [1], values: [0.5])]))
        XCTAssertEqual(Rewrite.plan(model) { $0.opTypes = ["Conv"] }.main.order, ["x", "c", "w"])
    }

    // MARK: Subgraphs and shared biases

    func testIfBranchNodesArePlanned() throws {
        let model = RewriteModels.typed(RewriteModels.ifWithConvBranches())
        let plan = Rewrite.plan(model)
        XCTAssertEqual(plan.graphs.count, 3)
        XCTAssertTrue(plan.main.order.isEmpty)
        XCTAssertEqual(plan.graphs[1].order, ["x", "t", "w"])
        XCTAssertEqual(plan.graphs[1].role("w"), .weight(axis: 0))
        XCTAssertEqual(plan.graphs[2].order, ["x", "e", "w"])
        XCTAssertEqual(plan.calibratedTensors, ["x", "t", "e"])
    }

    func testBiasReadByTwoConvsIsCopied() throws {
        let nodes = [RewriteModels.conv("conv", "x", "w", "b", "c"), RewriteModels.conv("conv2", "c", "w2", "b", "y")]
        let model = RewriteModels.typed(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["y"],
                                        initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 7)
                                            + [RewriteModels.randomTensor("w2", [3, 3, 3, 3], seed: 9)])
        let marks = Rewrite.plan(model).main
        let copy = try XCTUnwrap(marks.biasCopies.first)
        XCTAssertEqual(marks.biasCopies.count, 1)
        XCTAssertEqual(copy.node.name, "conv2")
        XCTAssertEqual(copy.original, "b")
        XCTAssertNotEqual(copy.copy, "b")
        XCTAssertEqual(marks.biasOrder, ["b", copy.copy])
        XCTAssertEqual(marks.biases[copy.copy].map { [$0.input, $0.weight] }, ["c", "w2"])
    }
}
