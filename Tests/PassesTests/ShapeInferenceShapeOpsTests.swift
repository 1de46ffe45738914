import XCTest
import ONNXModel
import Passes
import _TestSupport

/// Builders shared by the shape-op tests: int64 constants and attributes, spelled briefly.
enum ShapeOpsTest {
    static func ints(_ name: String, _ values: [Int64]) -> TensorProto {
        TestModels.int64Tensor(name, dims: [Int64(values.count)], values: values)
    }

    static func scalar(_ name: String, _ value: Int64) -> TensorProto {
        TestModels.int64Tensor(name, dims: [], values: [value])
    }

    static func axes(_ values: [Int]) -> AttributeProto { TestModels.intsAttribute("axes", values) }

    static func int(_ name: String, _ value: Int64) -> AttributeProto { TestModels.intAttribute(name, value) }

    /// Nodes taking dim `index` of `tensor`'s shape as a one-element vector named `output`.
    static func dim(_ tensor: String, _ index: Int64, _ output: String, opset: Int64 = 13) -> ([NodeProto], [TensorProto]) {
        let unsqueeze = opset >= 13
            ? TestModels.node("Unsqueeze", ["\(output)_scalar", "zero_axis"], [output])
            : TestModels.node("Unsqueeze", ["\(output)_scalar"], [output], attributes: [axes([0])])
        return ([TestModels.node("Shape", [tensor], ["\(output)_shape"]),
                 TestModels.node("Gather", ["\(output)_shape", "\(output)_index"], ["\(output)_scalar"]),
                 unsqueeze],
                [scalar("\(output)_index", index)] + (opset >= 13 ? [ints("zero_axis", [0])] : []))
    }

    /// The dims `op` gives when its shape-like input is the Concat of `pieces` (names of
    /// one-element vectors), fed to ConstantOfShape: how the tests read symbolic elements.
    static func elements(of name: String, nodes: [NodeProto], inputs: [ValueInfoProto],
                         initializers: [TensorProto], opset: Int64 = 13) -> ShapeTest.Dims? {
        let probe = TestModels.node("ConstantOfShape", [name], ["probe"])
        let (model, _) = ShapeTest.infer(nodes + [probe], inputs: inputs, initializers: initializers, outputs: ["probe"], opset: opset)
        return ShapeTest.result(model, "probe").dims
    }
}

final class ShapeInferenceReshapeTests: XCTestCase {
    let x = ShapeTest.input("x", .float, ["batch", "seq", "384"])

    /// The attention-head split of transformer exports: Shape → Gather → Unsqueeze → Concat → Reshape.
    func testShapeGatherUnsqueezeConcatReshapeGivesNamedDims() {
        for opset: Int64 in [11, 13] {
            let (batchNodes, batchInits) = ShapeOpsTest.dim("x", 0, "b", opset: opset)
            let (seqNodes, seqInits) = ShapeOpsTest.dim("x", 1, "s", opset: opset)
            let nodes = batchNodes + seqNodes + [
                TestModels.node("Concat", ["b", "s", "heads"], ["target"], attributes: [ShapeOpsTest.int("axis", 0)]),
                TestModels.node("Reshape", ["x", "target"], ["y"]),
            ]
            let (model, report) = ShapeTest.infer(nodes, inputs: [x], initializers: batchInits + seqInits.filter { $0.name != "zero_axis" }
                                                  + [ShapeOpsTest.ints("heads", [12, 32])], outputs: ["y"], opset: opset)
            XCTAssertEqual(report.warnings, [], "opset \(opset)")
            XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "seq", "12", "32"], "opset \(opset)")
            XCTAssertEqual(ShapeTest.result(model, "target").dims, ["4"])
            XCTAssertEqual(ShapeTest.result(model, "b").type, .int64)
        }
    }

    func testReshapeMinusOneDividesTheSymbolicElementCount() {
        func reshaped(_ target: [Int64], _ input: ValueInfoProto) -> ShapeTest.Dims? {
            ShapeTest.single(TestModels.node("Reshape", [input.name ?? "", "t"], ["y"]), inputs: [input],
                             initializers: [ShapeOpsTest.ints("t", target)]).dims
        }
        XCTAssertEqual(reshaped([0, 0, -1, 32], x), ["batch", "seq", "12", "32"])
        XCTAssertEqual(reshaped([-1, 384], x), ["batch*seq", "384"])
        XCTAssertEqual(reshaped([-1], x), ["384*batch*seq"])
        XCTAssertEqual(reshaped([0, -1], x), ["batch", "384*seq"])
        // n*3 elements do not split exactly into rows of 2: that dim stays unknown.
        XCTAssertEqual(reshaped([-1, 2], ShapeTest.input("z", .float, ["n", "3"])), ["?", "2"])
    }

    func testReshapeMinusOneNextToASymbolicTargetDim() {
        let (nodes, inits) = ShapeOpsTest.dim("x", 0, "b")
        let all = nodes + [TestModels.node("Concat", ["b", "rest"], ["target"], attributes: [ShapeOpsTest.int("axis", 0)]),
                           TestModels.node("Reshape", ["x", "target"], ["y"])]
        let (model, _) = ShapeTest.infer(all, inputs: [x], initializers: inits + [ShapeOpsTest.ints("rest", [-1, 64])], outputs: ["y"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "6*seq", "64"])
    }

    func testReshapeZeroCopiesTheInputDimUnlessAllowZero() {
        let input = ShapeTest.input("z", .float, ["n", "4"])
        func reshaped(allowZero: Int64, opset: Int64) -> ShapeTest.Dims? {
            ShapeTest.single(TestModels.node("Reshape", ["z", "t"], ["y"], attributes: [ShapeOpsTest.int("allowzero", allowZero)]),
                             inputs: [input], initializers: [ShapeOpsTest.ints("t", [0, 4])], opset: opset).dims
        }
        XCTAssertEqual(reshaped(allowZero: 0, opset: 14), ["n", "4"])
        XCTAssertEqual(reshaped(allowZero: 1, opset: 14), ["0", "4"])
        XCTAssertEqual(reshaped(allowZero: 1, opset: 13), ["n", "4"], "allowzero only exists from opset 14")
    }

    func testReshapeToAnUnknownShapeKeepsTheRankItsLengthGives() {
        let result = ShapeTest.single(TestModels.node("Reshape", ["x", "t"], ["y"]),
                                      inputs: [x, ShapeTest.input("t", .int64, ["3"])])
        XCTAssertEqual(result.type, .float)
        XCTAssertEqual(result.dims, ["?", "?", "?"])
    }

    func testReshapeCarriesShapeElements() {
        // Shape(x) reshaped to [3] and back is still the shape.
        let nodes = [TestModels.node("Shape", ["x"], ["s"]), TestModels.node("Reshape", ["s", "t"], ["r"])]
        XCTAssertEqual(ShapeOpsTest.elements(of: "r", nodes: nodes, inputs: [x], initializers: [ShapeOpsTest.ints("t", [-1])]),
                       ["batch", "seq", "384"])
    }

    func testFlatten() {
        let input = ShapeTest.input("z", .float, ["batch", "3", "4", "5"])
        func flattened(_ axis: Int64) -> ShapeTest.Dims? {
            ShapeTest.single(TestModels.node("Flatten", ["z"], ["y"], attributes: [ShapeOpsTest.int("axis", axis)]), inputs: [input]).dims
        }
        XCTAssertEqual(flattened(2), ["3*batch", "20"])
        XCTAssertEqual(flattened(-1), ["12*batch", "5"])
        XCTAssertEqual(flattened(0), ["1", "60*batch"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("Flatten", ["z"], ["y"]), inputs: [input]).dims, ["batch", "60"])
    }

    func testSqueezeAxesAreAnAttributeBeforeOpset13AndAnInputFrom13() {
        let input = ShapeTest.input("z", .float, ["batch", "1", "4", "1"])
        let opset11 = ShapeTest.single(TestModels.node("Squeeze", ["z"], ["y"], attributes: [ShapeOpsTest.axes([1])]),
                                       inputs: [input], opset: 11)
        XCTAssertEqual(opset11.dims, ["batch", "4", "1"])
        let opset13 = ShapeTest.single(TestModels.node("Squeeze", ["z", "a"], ["y"]), inputs: [input],
                                       initializers: [ShapeOpsTest.ints("a", [-1])], opset: 13)
        XCTAssertEqual(opset13.dims, ["batch", "1", "4"])
        // At 13 an axes attribute means nothing: without axes every size-1 dim goes, which
        // needs every dim concrete.
        let ignored = ShapeTest.single(TestModels.node("Squeeze", ["z"], ["y"], attributes: [ShapeOpsTest.axes([1])]),
                                       inputs: [ShapeTest.input("z", .float, ["3", "1", "4"])], opset: 13)
        XCTAssertEqual(ignored.dims, ["3", "4"])
        let symbolic = ShapeTest.single(TestModels.node("Squeeze", ["z"], ["y"]), inputs: [input], opset: 13)
        XCTAssertNil(symbolic.dims)
        XCTAssertEqual(symbolic.type, .float)
    }

    func testSqueezingASizeOtherThanOneWarns() {
        let (_, report) = ShapeTest.infer([TestModels.node("Squeeze", ["z"], ["y"], attributes: [ShapeOpsTest.axes([0])])],
                                          inputs: [ShapeTest.input("z", .float, ["3", "1"])], outputs: ["y"], opset: 11)
        XCTAssertEqual(report.contradictions.count, 1)
    }

    func testUnsqueezeAtBothOpsets() {
        let input = ShapeTest.input("z", .float, ["batch", "4"])
        let opset11 = ShapeTest.single(TestModels.node("Unsqueeze", ["z"], ["y"], attributes: [ShapeOpsTest.axes([0, -1])]),
                                       inputs: [input], opset: 11)
        XCTAssertEqual(opset11.dims, ["1", "batch", "4", "1"])
        let opset13 = ShapeTest.single(TestModels.node("Unsqueeze", ["z", "a"], ["y"]), inputs: [input],
                                       initializers: [ShapeOpsTest.ints("a", [1])], opset: 13)
        XCTAssertEqual(opset13.dims, ["batch", "1", "4"])
        let unknownAxes = ShapeTest.single(TestModels.node("Unsqueeze", ["z", "a"], ["y"]),
                                           inputs: [input, ShapeTest.input("a", .int64, ["2"])], opset: 13)
        XCTAssertEqual(unknownAxes.dims, ["?", "?", "?", "?"])
    }

    func testIdentityAndDropout() {
        XCTAssertEqual(ShapeTest.single(TestModels.node("Identity", ["x"], ["y"]), inputs: [x]).dims, ["batch", "seq", "384"])
        for (opset, maskType) in [(Int64(7), DataType.float), (12, .bool), (13, .bool)] {
            let (model, _) = ShapeTest.infer([TestModels.node("Dropout", ["x"], ["y", "mask"])], inputs: [x],
                                             outputs: ["y", "mask"], opset: opset)
            XCTAssertEqual(ShapeTest.result(model, "y").dims, ["batch", "seq", "384"])
            XCTAssertEqual(ShapeTest.result(model, "mask").type, maskType, "opset \(opset)")
            XCTAssertEqual(ShapeTest.result(model, "mask").dims, ["batch", "seq", "384"])
        }
    }

    func testTransposeWithDefaultAndGivenPerm() {
        XCTAssertEqual(ShapeTest.single(TestModels.node("Transpose", ["x"], ["y"]), inputs: [x]).dims, ["384", "seq", "batch"])
        let permuted = ShapeTest.single(TestModels.node("Transpose", ["x"], ["y"], attributes: [TestModels.intsAttribute("perm", [1, 0, 2])]),
                                        inputs: [x])
        XCTAssertEqual(permuted.dims, ["seq", "batch", "384"])
    }

    func testDepthToSpaceAndSpaceToDepth() {
        let block = ShapeOpsTest.int("blocksize", 2)
        let image = ShapeTest.input("z", .float, ["n", "8", "h", "w"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("DepthToSpace", ["z"], ["y"], attributes: [block]), inputs: [image]).dims,
                       ["n", "2", "2*h", "2*w"])
        let even = ShapeTest.input("z", .float, ["n", "3", "8", "h"])
        XCTAssertEqual(ShapeTest.single(TestModels.node("SpaceToDepth", ["z"], ["y"], attributes: [block]), inputs: [even]).dims,
                       ["n", "12", "4", "?"])
    }

    /// Shape arithmetic whose inputs are all known runs on the interpreter's kernels: a float
    /// Range (no rule could size it) and a Shape → Gather → Mul → Concat → Reshape of a
    /// concrete input.
    func testAllConstantInputsAreEvaluatedByKernels() {
        let floats = [TestModels.floatTensor("start", dims: [], values: [0]), TestModels.floatTensor("limit", dims: [], values: [2.5]),
                      TestModels.floatTensor("delta", dims: [], values: [0.5])]
        XCTAssertEqual(ShapeTest.single(TestModels.node("Range", ["start", "limit", "delta"], ["r"]), inputs: [], initializers: floats).dims,
                       ["5"])
        let nodes = [TestModels.node("Shape", ["z"], ["s"]),
                     TestModels.node("Gather", ["s", "first_two"], ["pair"]),
                     TestModels.node("ReduceProd", ["pair"], ["rows"], attributes: [ShapeOpsTest.int("keepdims", 1)]),
                     TestModels.node("Concat", ["rows", "minus_one"], ["target"], attributes: [ShapeOpsTest.int("axis", 0)]),
                     TestModels.node("Reshape", ["z", "target"], ["y"])]
        let (model, report) = ShapeTest.infer(nodes, inputs: [ShapeTest.input("z", .float, ["2", "3", "4"])],
                                              initializers: [ShapeOpsTest.ints("first_two", [0, 1]), ShapeOpsTest.ints("minus_one", [-1])],
                                              outputs: ["y"])
        XCTAssertEqual(report.warnings, [])
        XCTAssertEqual(ShapeTest.result(model, "rows").dims, ["1"])
        XCTAssertEqual(ShapeTest.result(model, "y").dims, ["6", "4"])
    }
}
