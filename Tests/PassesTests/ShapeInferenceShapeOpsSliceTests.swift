import XCTest
import ONNXModel
import Passes
import _TestSupport

final class ShapeInferenceSliceTests: XCTestCase {
    let x = ShapeTest.input("x", .float, ["batch", "seq", "768"])

    func testConcatAddsTheJoinedAxisAndKeepsTheOthers() {
        let concat = TestModels.node("Concat", ["a", "b"], ["y"], attributes: [ShapeOpsTest.int("axis", -1)])
        XCTAssertEqual(ShapeTest.single(concat, inputs: [ShapeTest.input("a", .float, ["batch", "3"]),
                                                         ShapeTest.input("b", .float, ["batch", "seq"])]).dims, ["batch", "seq + 3"])
        // A concrete size wins over a symbol for dims that must agree.
        XCTAssertEqual(ShapeTest.single(concat, inputs: [ShapeTest.input("a", .float, ["?", "3"]),
                                                         ShapeTest.input("b", .float, ["4", "?"])]).dims, ["4", "b_dim1 + 3"])
        // A joined dim some input does not know stays unknown.
        let (model, _) = ShapeTest.infer([TestModels.node("Reshape", ["a", "t"], ["r"]),
                                          TestModels.node("Concat", ["r", "b"], ["y"], attributes: [ShapeOpsTest.int("axis", 1)])],
                                         inputs: [ShapeTest.input("a", .float, ["6"]), ShapeTest.input("b", .float, ["2", "5"]),
                                                  ShapeTest.input("t", .int64, ["2"])], outputs: ["y"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["2", "?"])
        let (_, report) = ShapeTest.infer([concat], inputs: [ShapeTest.input("a", .float, ["2", "3"]), ShapeTest.input("b", .float, ["4", "3"])],
                                          outputs: ["y"])
        XCTAssertEqual(report.contradictions.count, 1, "dims 2 and 4 must agree off the joined axis")
    }

    func testSplitSizesAcrossOpsets() {
        func parts(_ node: NodeProto, opset: Int64, initializers: [TensorProto] = [], input: ValueInfoProto? = nil) -> [ShapeTest.Dims?] {
            let (model, _) = ShapeTest.infer([node], inputs: [input ?? ShapeTest.input("z", .float, ["6", "batch"])],
                                             initializers: initializers, outputs: node.output, opset: opset)
            return node.output.map { ShapeTest.result(model, $0).dims }
        }
        let legacy = TestModels.node("Split", ["z"], ["p", "q"], attributes: [TestModels.intsAttribute("split", [2, 4])])
        XCTAssertEqual(parts(legacy, opset: 11), [["2", "batch"], ["4", "batch"]])
        let fromInput = TestModels.node("Split", ["z", "sizes"], ["p", "q"])
        XCTAssertEqual(parts(fromInput, opset: 13, initializers: [ShapeOpsTest.ints("sizes", [1, 5])]), [["1", "batch"], ["5", "batch"]])
        let equal = TestModels.node("Split", ["z"], ["p", "q", "r"])
        XCTAssertEqual(parts(equal, opset: 13), [["2", "batch"], ["2", "batch"], ["2", "batch"]])
        // Halves of a concatenation of two batch-wide tensors are batch wide.
        let (doubled, _) = ShapeTest.infer([TestModels.node("Concat", ["z", "z"], ["zz"], attributes: [ShapeOpsTest.int("axis", 1)]),
                                            TestModels.node("Split", ["zz"], ["p", "q"], attributes: [ShapeOpsTest.int("axis", 1)])],
                                           inputs: [ShapeTest.input("z", .float, ["6", "batch"])], outputs: ["p", "q"], opset: 13)
        XCTAssertEqual(ShapeTest.result(doubled, "zz").dims, ["6", "2*batch"])
        XCTAssertEqual(ShapeTest.result(doubled, "q").dims, ["6", "batch"])
        let odd = parts(TestModels.node("Split", ["z"], ["p", "q"], attributes: [ShapeOpsTest.int("axis", 1)]), opset: 13)
        XCTAssertEqual(odd, [["6", "?"], ["6", "?"]], "batch need not be even")
        // num_outputs (18): parts of ⌈length / n⌉, the last one smaller.
        let numOutputs = TestModels.node("Split", ["z"], ["p", "q", "r"], attributes: [ShapeOpsTest.int("num_outputs", 3)])
        XCTAssertEqual(parts(numOutputs, opset: 18, input: ShapeTest.input("z", .float, ["10"])), [["4"], ["4"], ["2"]])
        XCTAssertEqual(parts(numOutputs, opset: 18, input: ShapeTest.input("z", .float, ["n"])),
                       [["ceil((n)/3)"], ["ceil((n)/3)"], ["-2*ceil((n)/3) + n"]])
    }

    func testSplitIntoUnequalPartsBefore18Warns() {
        let (_, report) = ShapeTest.infer([TestModels.node("Split", ["z"], ["p", "q"])], inputs: [ShapeTest.input("z", .float, ["5"])],
                                          outputs: ["p", "q"], opset: 13)
        XCTAssertEqual(report.contradictions.count, 1)
    }

    func testSplitOfAShapeKeepsItsElements() {
        let nodes = [TestModels.node("Shape", ["x"], ["s"]),
                     TestModels.node("Split", ["s", "sizes"], ["lead", "last"])]
        XCTAssertEqual(ShapeOpsTest.elements(of: "lead", nodes: nodes, inputs: [x], initializers: [ShapeOpsTest.ints("sizes", [2, 1])]),
                       ["batch", "seq"])
    }

    func testSliceWithNegativeAndHugeEnds() {
        func sliced(_ starts: [Int64], _ ends: [Int64], axes: [Int64]? = nil, steps: [Int64]? = nil,
                    input: ValueInfoProto? = nil) -> ShapeTest.Dims? {
            var initializers = [ShapeOpsTest.ints("starts", starts), ShapeOpsTest.ints("ends", ends)]
            var names = ["x", "starts", "ends"]
            if let axes { initializers.append(ShapeOpsTest.ints("axes", axes)); names.append("axes") }
            if let steps {
                if axes == nil { names.append("") }
                initializers.append(ShapeOpsTest.ints("steps", steps))
                names.append("steps")
            }
            return ShapeTest.single(TestModels.node("Slice", names, ["y"]), inputs: [input ?? x], initializers: initializers).dims
        }
        XCTAssertEqual(sliced([1], [Int64.max], axes: [1]), ["batch", "seq - 1", "768"])
        XCTAssertEqual(sliced([-1], [Int64.max], axes: [1]), ["batch", "1", "768"])
        XCTAssertEqual(sliced([0], [-1], axes: [-2]), ["batch", "seq - 1", "768"])
        XCTAssertEqual(sliced([-1], [Int64.min], axes: [1], steps: [-1]), ["batch", "seq", "768"])
        XCTAssertEqual(sliced([0], [Int64.max], axes: [1], steps: [2]), ["batch", "ceil((seq)/2)", "768"])
        let concrete = ShapeTest.input("x", .float, ["10", "20"])
        XCTAssertEqual(sliced([2, -5], [-1, 1000], input: concrete), ["7", "5"])
        XCTAssertEqual(sliced([-1], [Int64.min], steps: [-1], input: concrete), ["10", "20"])
        XCTAssertEqual(sliced([1], [10], steps: [2], input: concrete), ["5", "20"])
        XCTAssertEqual(sliced([100], [200], axes: [1], input: concrete), ["10", "0"])
        XCTAssertEqual(sliced([Int64.min], [-50], axes: [0], input: concrete), ["0", "20"])
    }

    func testSliceAttributesBeforeOpset10() {
        let node = TestModels.node("Slice", ["x"], ["y"], attributes: [TestModels.intsAttribute("starts", [0, 1]),
                                                                       TestModels.intsAttribute("ends", [Int(Int32.max), 3]),
                                                                       TestModels.intsAttribute("axes", [1, 2])])
        XCTAssertEqual(ShapeTest.single(node, inputs: [x], opset: 9).dims, ["batch", "seq", "2"])
    }

    func testSliceWithUnknownStartsKeepsTheOtherDims() {
        let node = TestModels.node("Slice", ["x", "starts", "ends", "axes"], ["y"])
        let result = ShapeTest.single(node, inputs: [x, ShapeTest.input("starts", .int64, ["1"]), ShapeTest.input("ends", .int64, ["1"])],
                                      initializers: [ShapeOpsTest.ints("axes", [2])])
        XCTAssertEqual(result.dims, ["batch", "seq", "?"])
    }

    func testSliceOfAShapeAndByASymbolicEnd() {
        // Shape(x)[1:] and a position table cut to the sequence length: table[0:seq].
        let nodes = [TestModels.node("Shape", ["x"], ["s"]), TestModels.node("Slice", ["s", "one", "end"], ["tail"])]
        XCTAssertEqual(ShapeOpsTest.elements(of: "tail", nodes: nodes, inputs: [x],
                                             initializers: [ShapeOpsTest.ints("one", [1]), ShapeOpsTest.ints("end", [Int64.max])]),
                       ["seq", "768"])
        let (seqNodes, seqInits) = ShapeOpsTest.dim("x", 1, "len")
        let cut = TestModels.node("Slice", ["table", "zero", "len"], ["positions"])
        let (model, _) = ShapeTest.infer(seqNodes + [cut], inputs: [x, ShapeTest.input("table", .float, ["512", "768"])],
                                         initializers: seqInits + [ShapeOpsTest.ints("zero", [0])], outputs: ["positions"])
        XCTAssertEqual(ShapeTest.result(model, "positions").dims, ["seq", "768"])
    }

    func testExpandToASymbolicShape() {
        let (nodes, inits) = ShapeOpsTest.dim("x", 0, "b")
        let all = nodes + [TestModels.node("Concat", ["b", "one", "four"], ["target"], attributes: [ShapeOpsTest.int("axis", 0)]),
                           TestModels.node("Expand", ["m", "target"], ["y"])]
        let (model, _) = ShapeTest.infer(all, inputs: [x, ShapeTest.input("m", .float, ["3", "1"])],
                                         initializers: inits + [ShapeOpsTest.ints("one", [1]), ShapeOpsTest.ints("four", [4])],
                                         outputs: ["y"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "3", "4"])
        let unknownTarget = ShapeTest.single(TestModels.node("Expand", ["m", "t"], ["y"]),
                                             inputs: [ShapeTest.input("m", .float, ["3", "1"]), ShapeTest.input("t", .int64, ["3"])])
        XCTAssertEqual(unknownTarget.dims, ["?", "3", "?"])
    }

    func testTileMultipliesDims() {
        let result = ShapeTest.single(TestModels.node("Tile", ["z", "r"], ["y"]), inputs: [ShapeTest.input("z", .float, ["batch", "3"])],
                                      initializers: [ShapeOpsTest.ints("r", [2, 2])])
        XCTAssertEqual(result.dims, ["2*batch", "6"])
    }

    func testPadAcrossOpsets() {
        let input = ShapeTest.input("z", .float, ["batch", "3"])
        let legacy = TestModels.node("Pad", ["z"], ["y"], attributes: [TestModels.intsAttribute("pads", [0, 1, 0, 1])])
        XCTAssertEqual(ShapeTest.single(legacy, inputs: [input], opset: 10).dims, ["batch", "5"])
        let fromInput = TestModels.node("Pad", ["z", "p"], ["y"])
        XCTAssertEqual(ShapeTest.single(fromInput, inputs: [input], initializers: [ShapeOpsTest.ints("p", [1, 0, 2, -1])], opset: 11).dims,
                       ["batch + 3", "2"])
        let withAxes = TestModels.node("Pad", ["z", "p", "", "a"], ["y"])
        XCTAssertEqual(ShapeTest.single(withAxes, inputs: [input], initializers: [ShapeOpsTest.ints("p", [2, 3]), ShapeOpsTest.ints("a", [-1])],
                                        opset: 18).dims, ["batch", "8"])
        XCTAssertEqual(ShapeTest.single(fromInput, inputs: [input, ShapeTest.input("p", .int64, ["4"])], opset: 11).dims, ["?", "?"])
    }
}
