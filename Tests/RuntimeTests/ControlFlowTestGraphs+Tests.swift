import ONNXModel
import _TestSupport

/// The small models ControlFlowTests runs.
enum ControlFlowGraphs {
    static func graph(_ nodes: [NodeProto], inputs: [ValueInfoProto] = [], outputs: [ValueInfoProto]) -> GraphProto {
        TestModels.graph(nodes, inputs: inputs, outputs: outputs)
    }

    /// out = x + y when c, else (through a nested If on !c) x ⊙ y.
    static func ifModel() -> Model {
        let then = graph([TestModels.node("Add", ["x", "y"], ["sum"])], outputs: [TestModels.value("sum")])
        let innerThen = graph([TestModels.node("Mul", ["x", "y"], ["inner_product"])], outputs: [TestModels.value("inner_product")])
        let innerElse = graph([TestModels.node("Sub", ["x", "y"], ["difference"])], outputs: [TestModels.value("difference")])
        let otherwise = graph([
            TestModels.node("Not", ["c"], ["not_c"]),
            TestModels.node("If", ["not_c"], ["nested"], attributes: [
                TestModels.graphAttribute("then_branch", innerThen), TestModels.graphAttribute("else_branch", innerElse),
            ]),
        ], outputs: [TestModels.value("nested")])
        let main = graph([
            TestModels.node("If", ["c"], ["out"], attributes: [
                TestModels.graphAttribute("then_branch", then), TestModels.graphAttribute("else_branch", otherwise),
            ]),
        ], inputs: [TestModels.value("c", .bool), TestModels.value("x"), TestModels.value("y")], outputs: [TestModels.value("out")])
        return Model(TestModels.model(main, opset: 16))
    }

    /// Loop(M, cond, acc0) with body: acc += x; scan = acc · i (declared [2]); cond = i < limit (an
    /// outer value).
    static func loopModel(withCondition: Bool = true, bodyInputs: Int = 3) -> Model {
        let bodyInputInfos = [TestModels.value("i", .int64, []), TestModels.value("cond_in", .bool, []), TestModels.value("acc")]
        let body = graph([
            TestModels.node("Add", ["acc", "x"], ["acc_out"]),
            TestModels.node("Cast", ["i"], ["i_float"], attributes: [TestModels.intAttribute("to", Int64(DataType.float.rawValue))]),
            TestModels.node("Mul", ["acc_out", "i_float"], ["scan"]),
            TestModels.node("Less", ["i", "limit"], ["cond_out"]),
        ], inputs: Array(bodyInputInfos.prefix(bodyInputs)),
        outputs: [TestModels.value("cond_out", .bool, []), TestModels.value("acc_out"), TestModels.value("scan", .float, [.value(2)])])
        var inputs = [TestModels.value("M", .int64), TestModels.value("limit", .int64), TestModels.value("x"), TestModels.value("acc0")]
        if withCondition { inputs.append(TestModels.value("cond", .bool)) }
        let main = graph([
            TestModels.node("Loop", ["M", withCondition ? "cond" : "", "acc0"], ["acc_final", "scans"],
                            attributes: [TestModels.graphAttribute("body", body)]),
        ], inputs: inputs, outputs: [TestModels.value("acc_final"), TestModels.value("scans")])
        return Model(TestModels.model(main, opset: 16))
    }

    /// Scan over A (axis 0, forward) and B (axis 1, reverse): state += a; P = a ⊙ b stacked
    /// along axis 1 in reverse; S = the state stacked along axis -2.
    static func scanModel() -> Model {
        let body = graph([
            TestModels.node("Add", ["s", "a"], ["s_out"]),
            TestModels.node("Mul", ["a", "b"], ["p"]),
            TestModels.node("Identity", ["s_out"], ["s_copy"]),
        ], inputs: [TestModels.value("s"), TestModels.value("a"), TestModels.value("b")],
        outputs: [TestModels.value("s_out"), TestModels.value("p"), TestModels.value("s_copy")])
        let main = graph([
            TestModels.node("Scan", ["s0", "A", "B"], ["sf", "P", "S"], attributes: [
                TestModels.graphAttribute("body", body), TestModels.intAttribute("num_scan_inputs", 2),
                ShapeTesting.ints("scan_input_axes", [0, 1]), ShapeTesting.ints("scan_input_directions", [0, 1]),
                ShapeTesting.ints("scan_output_axes", [1, -2]), ShapeTesting.ints("scan_output_directions", [1, 0]),
            ]),
        ], inputs: [TestModels.value("s0"), TestModels.value("A"), TestModels.value("B")],
        outputs: [TestModels.value("sf"), TestModels.value("P"), TestModels.value("S")])
        return Model(TestModels.model(main, opset: 16))
    }
}
