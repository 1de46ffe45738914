import XCTest
import ONNXModel
import ProtoWire
import Passes
import _TestSupport

final class ShapeInferenceGatherTests: XCTestCase {
    let x = ShapeTest.input("x", .float, ["batch", "seq", "768"])

    func testGatherInsertsTheIndicesShape() {
        let result = ShapeTest.single(TestModels.node("Gather", ["x", "i"], ["y"], attributes: [ShapeOpsTest.int("axis", 1)]),
                                      inputs: [x, ShapeTest.input("i", .int64, ["2", "3"])])
        XCTAssertEqual(result.type, .float)
        XCTAssertEqual(result.dims, ["batch", "2", "3", "768"])
    }

    func testGatherPicksShapeElementsWithNegativeIndices() {
        let nodes = [TestModels.node("Shape", ["x"], ["s"]), TestModels.node("Gather", ["s", "i"], ["picked"])]
        XCTAssertEqual(ShapeOpsTest.elements(of: "picked", nodes: nodes, inputs: [x], initializers: [ShapeOpsTest.ints("i", [-1, 0])]),
                       ["768", "batch"])
    }

    func testGatherElementsAndGatherND() {
        let elements = ShapeTest.single(TestModels.node("GatherElements", ["x", "i"], ["y"]),
                                        inputs: [x, ShapeTest.input("i", .int64, ["batch", "seq", "2"])])
        XCTAssertEqual(elements.type, .float)
        XCTAssertEqual(elements.dims, ["batch", "seq", "2"])
        let data = ShapeTest.input("d", .float, ["2", "3", "4"])
        let plain = ShapeTest.single(TestModels.node("GatherND", ["d", "i"], ["y"]), inputs: [data, ShapeTest.input("i", .int64, ["5", "2"])])
        XCTAssertEqual(plain.dims, ["5", "4"])
        let batched = TestModels.node("GatherND", ["d", "i"], ["y"], attributes: [ShapeOpsTest.int("batch_dims", 1)])
        XCTAssertEqual(ShapeTest.single(batched, inputs: [data, ShapeTest.input("i", .int64, ["2", "1"])]).dims, ["2", "4"])
        XCTAssertEqual(ShapeTest.single(batched, inputs: [data, ShapeTest.input("i", .int64, ["2", "1"])], opset: 11).dims, ["2", "3", "4"],
                       "batch_dims only exists from opset 12")
    }

    func testScattersAndCumSumKeepTheDataShape() {
        for op in ["ScatterND", "ScatterElements", "Scatter"] {
            let result = ShapeTest.single(TestModels.node(op, ["x", "i", "u"], ["y"]),
                                          inputs: [x, ShapeTest.input("i", .int64, ["2", "1"]), ShapeTest.input("u", .float, ["2"])],
                                          opset: op == "Scatter" ? 10 : 16)
            XCTAssertEqual(result.dims, ["batch", "seq", "768"], op)
        }
        XCTAssertEqual(ShapeTest.single(TestModels.node("CumSum", ["x", "a"], ["y"]), inputs: [x],
                                        initializers: [ShapeOpsTest.scalar("a", 1)]).dims, ["batch", "seq", "768"])
    }

    func testCompressCountsAKnownConditionAndOtherwiseMakesASymbol() {
        var condition = TensorProto()
        condition.name = "c"
        condition.dims = [3]
        condition.dataType = DataType.bool.rawValue
        condition.int32Data = [1, 0, 1]
        let node = TestModels.node("Compress", ["z", "c"], ["y"], attributes: [ShapeOpsTest.int("axis", 0)])
        let input = ShapeTest.input("z", .float, ["3", "batch"])
        XCTAssertEqual(ShapeTest.single(node, inputs: [input], initializers: [condition]).dims, ["2", "batch"])
        let unknown = ShapeTest.single(node, inputs: [input, ShapeTest.input("c", .bool, ["3"])]).dims
        XCTAssertEqual(unknown?.count, 2)
        XCTAssertTrue(unknown?[0].hasPrefix("compress") == true, "\(String(describing: unknown))")
        let flat = ShapeTest.single(TestModels.node("Compress", ["z", "c"], ["y"]), inputs: [input, ShapeTest.input("c", .bool, ["3"])]).dims
        XCTAssertEqual(flat?.count, 1)
    }

    func testNonZeroCountIsAFreshSymbol() {
        let (model, _) = ShapeTest.infer([TestModels.node("NonZero", ["x"], ["a"]), TestModels.node("NonZero", ["x"], ["b"])],
                                         inputs: [x], outputs: ["a", "b"])
        let a = ShapeTest.result(model, "a"), b = ShapeTest.result(model, "b")
        XCTAssertEqual(a.type, .int64)
        XCTAssertEqual(a.dims?.first, "3")
        XCTAssertTrue(a.dims?.last?.hasPrefix("nonzero") == true)
        XCTAssertNotEqual(a.dims?.last, b.dims?.last, "two runs need not find the same count")
    }

    func testOneHotInsertsTheDepth() {
        let indices = ShapeTest.input("i", .int64, ["batch", "seq"])
        let values = TestModels.floatTensor("v", dims: [2], values: [0, 1])
        let last = ShapeTest.single(TestModels.node("OneHot", ["i", "depth", "v"], ["y"]), inputs: [indices],
                                    initializers: [ShapeOpsTest.scalar("depth", 10), values])
        XCTAssertEqual(last.type, .float)
        XCTAssertEqual(last.dims, ["batch", "seq", "10"])
        let middle = ShapeTest.single(TestModels.node("OneHot", ["i", "depth", "v"], ["y"], attributes: [ShapeOpsTest.int("axis", 1)]),
                                      inputs: [indices], initializers: [ShapeOpsTest.scalar("depth", 10), values])
        XCTAssertEqual(middle.dims, ["batch", "10", "seq"])
    }

    func testTopKTakesKFromTheAttributeBeforeOpset10AndTheInputAfter() {
        let input = ShapeTest.input("z", .float, ["batch", "50"])
        let (legacy, _) = ShapeTest.infer([TestModels.node("TopK", ["z"], ["v", "i"], attributes: [ShapeOpsTest.int("k", 5)])],
                                          inputs: [input], outputs: ["v", "i"], opset: 9)
        XCTAssertEqual(ShapeTest.result(legacy, "v").dims, ["batch", "5"])
        XCTAssertEqual(ShapeTest.result(legacy, "i").type, .int64)
        let (current, _) = ShapeTest.infer([TestModels.node("TopK", ["z", "k"], ["v", "i"], attributes: [ShapeOpsTest.int("axis", 0)])],
                                           inputs: [input], initializers: [ShapeOpsTest.ints("k", [1])], outputs: ["v", "i"], opset: 11)
        XCTAssertEqual(ShapeTest.result(current, "i").dims, ["1", "50"])
        let unknownK = ShapeTest.single(TestModels.node("TopK", ["z", "k"], ["v", "i"]), inputs: [input, ShapeTest.input("k", .int64, ["1"])],
                                        opset: 11)
        XCTAssertEqual(unknownK.dims, ["batch", "?"])
    }
}

final class ShapeInferenceGeneratorTests: XCTestCase {
    let x = ShapeTest.input("x", .float, ["batch", "seq", "768"])

    func testShapeIsAVectorOfTheDims() {
        let result = ShapeTest.single(TestModels.node("Shape", ["x"], ["s"]), inputs: [x])
        XCTAssertEqual(result.type, .int64)
        XCTAssertEqual(result.dims, ["3"])
        XCTAssertEqual(ShapeOpsTest.elements(of: "s", nodes: [TestModels.node("Shape", ["x"], ["s"])], inputs: [x], initializers: []),
                       ["batch", "seq", "768"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("Shape", ["u"], ["s"]), inputs: [ShapeTest.input("u", .float, nil)]).dims, ["?"])
    }

    func testShapeStartAndEndFromOpset15() {
        let node = TestModels.node("Shape", ["x"], ["s"], attributes: [ShapeOpsTest.int("start", 1), ShapeOpsTest.int("end", -1)])
        XCTAssertEqual(ShapeOpsTest.elements(of: "s", nodes: [node], inputs: [x], initializers: [], opset: 15), ["seq"])
        XCTAssertEqual(ShapeOpsTest.elements(of: "s", nodes: [node], inputs: [x], initializers: [], opset: 14), ["batch", "seq", "768"])
        let clamped = TestModels.node("Shape", ["x"], ["s"], attributes: [ShapeOpsTest.int("start", -10), ShapeOpsTest.int("end", 10)])
        XCTAssertEqual(ShapeTest.single(clamped, inputs: [x], opset: 15).dims, ["3"])
    }

    func testSizeIsTheSymbolicElementCount() {
        let nodes = [TestModels.node("Size", ["x"], ["n"]), TestModels.node("Unsqueeze", ["n", "axis"], ["v"])]
        XCTAssertEqual(ShapeOpsTest.elements(of: "v", nodes: nodes, inputs: [x], initializers: [ShapeOpsTest.ints("axis", [0])]),
                       ["768*batch*seq"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("Size", ["x"], ["n"]), inputs: [x]).dims, [])
    }

    func testConstantOfShapeTypeComesFromItsValue() {
        let shape = ShapeTest.input("t", .int64, ["2"])
        let plain = ShapeTest.single(TestModels.node("ConstantOfShape", ["t"], ["y"]), inputs: [shape])
        XCTAssertEqual(plain.type, .float)
        XCTAssertEqual(plain.dims, ["?", "?"])
        let typed = TestModels.node("ConstantOfShape", ["t"], ["y"],
                                    attributes: [TestModels.tensorAttribute("value", TestModels.int64Tensor("v", dims: [1], values: [1]))])
        XCTAssertEqual(ShapeTest.single(typed, inputs: [shape]).type, .int64)
    }

    func testConstantAttributesGiveTypeShapeAndValue() {
        func constant(_ attribute: AttributeProto) -> (type: DataType?, dims: ShapeTest.Dims?) {
            ShapeTest.single(TestModels.node("Constant", [], ["c"], attributes: [attribute]), inputs: [], opset: 13)
        }
        XCTAssertEqual(constant(TestModels.floatAttribute("value_float", 1)).dims, [])
        XCTAssertEqual(constant(TestModels.intsAttribute("value_ints", [1, 2, 3])).type, .int64)
        XCTAssertEqual(constant(TestModels.floatsAttribute("value_floats", [1, 2])).dims, ["2"])
        XCTAssertEqual(constant(TestModels.stringAttribute("value_string", "hi")).type, .string, "strings have no kernel: the rule answers")
        var strings = AttributeProto()
        strings.name = "value_strings"
        strings.strings = [Bytes(Array("a".utf8)), Bytes(Array("b".utf8))]
        strings.type = AttributeProto.AttributeType.strings.rawValue
        XCTAssertEqual(constant(strings).dims, ["2"])
        // A weight-sized value is not evaluated; its type and dims still come from the attribute.
        let big = TestModels.floatTensor("w", dims: [300, 300], values: Array(repeating: 0, count: 90_000))
        let weight = constant(TestModels.tensorAttribute("value", big))
        XCTAssertEqual(weight.type, .float)
        XCTAssertEqual(weight.dims, ["300", "300"])
    }

    func testConstantValuesFeedShapeArithmetic() {
        let nodes = [TestModels.node("Constant", [], ["target"], attributes: [TestModels.intsAttribute("value_ints", [0, -1])]),
                     TestModels.node("Reshape", ["x", "target"], ["y"])]
        let (model, _) = ShapeTest.infer(nodes, inputs: [x], outputs: ["y"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "768*seq"])
    }

    func testRangeUpToASymbolicLimit() {
        let (nodes, inits) = ShapeOpsTest.dim("x", 1, "len")
        func ranged(step: Int64) -> ShapeTest.Dims? {
            let all = nodes + [TestModels.node("Squeeze", ["len", "zero_axis"], ["limit"]),
                               TestModels.node("Range", ["start", "limit", "step"], ["r"])]
            let (model, _) = ShapeTest.infer(all, inputs: [x], initializers: inits + [ShapeOpsTest.scalar("start", 0),
                                                                                      ShapeOpsTest.scalar("step", step)], outputs: ["r"])
            XCTAssertEqual(ShapeTest.result(model, "r").type, .int64)
            return ShapeTest.result(model, "r").dims
        }
        XCTAssertEqual(ranged(step: 1), ["seq"])
        XCTAssertEqual(ranged(step: 2), ["ceil((seq)/2)"])
        XCTAssertEqual(ranged(step: -1), ["0"], "counting down from 0 never reaches seq")
    }

    func testResizeByScalesAndBySymbolicSizes() {
        let image = ShapeTest.input("z", .float, ["n", "3", "h", "w"])
        func resized(_ scales: [Float], opset: Int64 = 13) -> ShapeTest.Dims? {
            ShapeTest.single(TestModels.node("Resize", ["z", "", "s"], ["y"]), inputs: [image],
                             initializers: [TestModels.floatTensor("s", dims: [4], values: scales)], opset: opset).dims
        }
        XCTAssertEqual(resized([1, 1, 2, 2]), ["n", "3", "2*h", "2*w"])
        XCTAssertEqual(resized([1, 1, 0.5, 0.75]), ["n", "3", "floor((h)/2)", "?"])
        let (nodes, inits) = ShapeOpsTest.dim("z", 0, "batch")
        let all = nodes + [TestModels.node("Concat", ["batch", "rest"], ["sizes"], attributes: [ShapeOpsTest.int("axis", 0)]),
                           TestModels.node("Resize", ["z", "", "", "sizes"], ["y"])]
        let (model, report) = ShapeTest.infer(all, inputs: [image], initializers: inits + [ShapeOpsTest.ints("rest", [3, 64, 32])], outputs: ["y"])
        XCTAssertEqual(report.warnings, [])
        XCTAssertEqual(ShapeTest.result(model, "sizes").dims, ["4"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["n", "3", "64", "32"])
    }

    func testResizeVersions() {
        let image = ShapeTest.input("z", .float, ["1", "3", "20", "10"])
        let scales = TestModels.floatTensor("s", dims: [4], values: [1, 1, 1.5, 2])
        XCTAssertEqual(ShapeTest.single(TestModels.node("Resize", ["z", "s"], ["y"]), inputs: [image], initializers: [scales], opset: 10).dims,
                       ["1", "3", "30", "20"])
        let upsample7 = TestModels.node("Upsample", ["z"], ["y"], attributes: [TestModels.floatsAttribute("scales", [1, 1, 2, 2])])
        XCTAssertEqual(ShapeTest.single(upsample7, inputs: [image], opset: 7).dims, ["1", "3", "40", "20"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("Upsample", ["z", "s"], ["y"]), inputs: [image], initializers: [scales], opset: 9).dims,
                       ["1", "3", "30", "20"])
        // Opset 18: sizes for the listed axes, fitted to keep the aspect ratio.
        let fitted = TestModels.node("Resize", ["z", "", "", "sizes"], ["y"],
                                     attributes: [ShapeOpsTest.axes([2, 3]), TestModels.stringAttribute("keep_aspect_ratio_policy", "not_larger")])
        XCTAssertEqual(ShapeTest.single(fitted, inputs: [image], initializers: [ShapeOpsTest.ints("sizes", [10, 10])], opset: 18).dims,
                       ["1", "3", "10", "5"])
        let unknownScales = ShapeTest.single(TestModels.node("Resize", ["z", "", "s"], ["y"]),
                                             inputs: [image, ShapeTest.input("s", .float, ["4"])], opset: 13)
        XCTAssertEqual(unknownScales.dims, ["?", "?", "?", "?"])
    }
}
