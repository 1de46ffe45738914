import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// The com.microsoft quantized kernels on small cases worked out by hand. Bit-exact agreement
/// with onnxruntime itself is checked by Tests/Interop/test_microsoft_ops.py.
final class MicrosoftKernelTests: XCTestCase {
    /// Runs one com.microsoft node whose inputs are all graph inputs (nil: absent optional input).
    func run(_ op: String, _ inputs: [(String, Tensor)?], _ attributes: [AttributeProto] = []) throws -> Tensor {
        let node = TestModels.node(op, inputs.map { $0?.0 ?? "" }, ["y"], domain: "com.microsoft", attributes: attributes)
        let present = inputs.compactMap { $0 }
        let graph = TestModels.graph([node], inputs: present.map { TestModels.value($0.0, $0.1.type) }, outputs: [TestModels.value("y")])
        let model = TestModels.model(graph, opset: 17, extraOpsets: [OperatorSetIdProto(domain: "com.microsoft", version: 1)])
        let interpreter = try Interpreter(model: Model(model), options: InterpreterOptions(threads: 2))
        return try XCTUnwrap(interpreter.run(Dictionary(uniqueKeysWithValues: present))["y"])
    }

    func u8(_ values: [UInt8], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
    func i8(_ values: [Int8], _ shape: [Int]? = nil) -> Tensor { Tensor(values, shape: shape ?? [values.count]) }
    func scale(_ value: Float) -> Tensor { Tensor(scalar: value) }

    /// A, its parameters, B, its parameters, C's parameters, all uint8.
    func binary(_ op: String, a: [UInt8], _ sa: Float, _ za: UInt8, b: [UInt8], _ sb: Float, _ zb: UInt8,
                _ sc: Float, _ zc: UInt8, shapes: ([Int], [Int])? = nil) throws -> [UInt8] {
        try run(op, [("a", u8(a, shapes?.0)), ("as", scale(sa)), ("az", Tensor(scalar: za)), ("b", u8(b, shapes?.1)),
                     ("bs", scale(sb)), ("bz", Tensor(scalar: zb)), ("cs", scale(sc)), ("cz", Tensor(scalar: zc))]).scalars(UInt8.self)
    }

    func testConversionRoundsHalvesToEvenAndMapsTheUnrepresentableToTheLowEnd() {
        XCTAssertEqual([0.5, 1.5, 2.5, -0.5, -1.5].map(Mlas.convert), [0, 2, 2, 0, -2])
        XCTAssertEqual(Mlas.convert(.nan), .min)
        XCTAssertEqual(Mlas.convert(3e9), .min)
        XCTAssertEqual(Mlas.convert(-3e9), .min)
        let uint8 = QuantizedRange(.uint8)!
        // NaN clamps to the low end before rounding, as MAXPS returns its second operand.
        XCTAssertEqual(Mlas.requantize(.nan, zeroPoint: 10, uint8), 0)
        XCTAssertEqual(Mlas.requantize(1e10, zeroPoint: 10, uint8), 255)
    }

    func testQLinearAddRoundsAfterAddingTheOutputZeroPoint() throws {
        // 3 · 0.5 = 1.5, plus C's zero point 1 is 2.5, which rounds to 2; rounding 1.5 first
        // and adding the zero point afterwards would give 3.
        XCTAssertEqual(try binary("QLinearAdd", a: [3], 0.5, 0, b: [0], 1, 0, 1, 1), [2])
        // 200 + (100 − 100) stays; 0 + (0 − 100) saturates at 0, 200 + 200 at 255.
        XCTAssertEqual(try binary("QLinearAdd", a: [200, 0], 1, 0, b: [100, 0], 1, 100, 1, 0), [200, 0])
        XCTAssertEqual(try binary("QLinearAdd", a: [200], 1, 0, b: [200], 1, 0, 1, 0), [255])
    }

    func testQLinearAddOperandOrderFollowsOnnxruntimesBroadcasting() throws {
        // A case found by search (Tests/Interop SWAP_SENSITIVE): with A a one-element input 0,
        // onnxruntime passes it to MLAS second, and the other order of fused multiply-adds ends
        // one unit lower.
        let parameters: (Float, UInt8, Float, UInt8, Float, UInt8) = (0.02221901, 254, 0.002537652, 55, 0.06351293, 156)
        func add(_ shapes: ([Int], [Int])) throws -> [UInt8] {
            try binary("QLinearAdd", a: [UInt8](repeating: 87, count: shapes.0.reduce(1, *)), parameters.0, parameters.1,
                       b: [UInt8](repeating: 3, count: shapes.1.reduce(1, *)), parameters.2, parameters.3, parameters.4, parameters.5,
                       shapes: shapes)
        }
        XCTAssertEqual(try add(([4], [4])), [96, 96, 96, 96])
        XCTAssertEqual(try add(([4], [1])), [96, 96, 96, 96])
        XCTAssertEqual(try add(([1], [4])), [95, 95, 95, 95])
    }

    func testOnnxruntimesScalarInputRule() {
        XCTAssertTrue(OrtBroadcast.firstInputIsScalar([], [3]))
        XCTAssertTrue(OrtBroadcast.firstInputIsScalar([1], [4]))
        XCTAssertFalse(OrtBroadcast.firstInputIsScalar([4], [1]))
        XCTAssertFalse(OrtBroadcast.firstInputIsScalar([2, 3], []))
        XCTAssertTrue(OrtBroadcast.firstInputIsScalar([4, 1], [1]), "shared axes all 1: decided at the outermost shared one")
        XCTAssertTrue(OrtBroadcast.firstInputIsScalar([256, 1], [1, 256]))
        XCTAssertFalse(OrtBroadcast.firstInputIsScalar([1, 256], [256, 1]))
        XCTAssertFalse(OrtBroadcast.firstInputIsScalar([2, 3, 4, 5], [3, 1, 1]))
    }

    func testQLinearMulScalesTheExactProductOfCentredCodes() throws {
        // (10 − 2) · (4 − 0) = 32, times 0.5 · 0.25 / 0.125 = 1, plus 3.
        XCTAssertEqual(try binary("QLinearMul", a: [10], 0.5, 2, b: [4], 0.25, 0, 0.125, 3), [35])
        // 8 · 9 = 72 fits, 20 · 20 = 400 saturates at 255.
        XCTAssertEqual(try binary("QLinearMul", a: [8, 20], 1, 0, b: [9, 20], 1, 0, 1, 0, shapes: ([2], [2])), [72, 255])
    }

    func testQGemmRequantizesPerColumnAndAddsTheInt32Bias() throws {
        // A = [[1, 2], [3, 4]] (zero point 1), B = [[1, 0], [0, 1]] transposed (zero point 0):
        // (A − 1)·B = [[0, 1], [2, 3]]; bias [10, 20]; column scales 1 and 2 over y_scale 1.
        let y = try run("QGemm", [("a", u8([1, 2, 3, 4], [2, 2])), ("as", scale(1)), ("az", Tensor(scalar: UInt8(1))),
                                  ("b", u8([1, 0, 0, 1], [2, 2])), ("bs", Tensor([Float(1), 2], shape: [2])),
                                  ("bz", u8([0, 0], [2])), ("c", Tensor([Int32(10), 20], shape: [2])),
                                  ("ys", scale(1)), ("yz", Tensor(scalar: UInt8(5)))], [TestModels.intAttribute("transB", 1)])
        XCTAssertEqual(y.shape, [2, 2])
        XCTAssertEqual(y.scalars(UInt8.self), [15, 47, 17, 51])
    }

    func testQGemmWithoutOutputZeroPointIsFloat() throws {
        // A is transposed: Aᵀ = [[1, 3], [2, 4]] (int8, zero point 0), B = identity:
        // alpha 0.5 · 0.5 · 0.25 = 1/16 per unit.
        let y = try run("QGemm", [("a", i8([1, 2, 3, 4], [2, 2])), ("as", scale(0.5)), ("az", Tensor(scalar: Int8(0))),
                                  ("b", i8([1, 0, 0, 1], [2, 2])), ("bs", scale(0.25)), ("bz", Tensor(scalar: Int8(0)))],
                        [TestModels.intAttribute("transA", 1), TestModels.floatAttribute("alpha", 0.5)])
        XCTAssertEqual(y.type, .float)
        XCTAssertEqual(y.scalars(Float.self), [1, 3, 2, 4].map { $0 / 16 })
    }

    func testGlobalAveragePoolSumsExactlyThenRequantizes() throws {
        // Two channels of [1, 2, 3, 4] and [0, 0, 0, 1], zero point 1: sums 6 and −3 over 4
        // elements; scale 1 / (1 · 4): 1.5 → 2 and −0.75 → −1, plus zero point 10.
        let values: [UInt8] = [1, 2, 3, 4, 0, 0, 0, 1]
        let nchw = try run("QLinearGlobalAveragePool", [("x", u8(values, [1, 2, 2, 2])), ("xs", scale(1)),
                                                         ("xz", Tensor(scalar: UInt8(1))), ("ys", scale(1)), ("yz", Tensor(scalar: UInt8(10)))])
        XCTAssertEqual(nchw.shape, [1, 2, 1, 1])
        XCTAssertEqual(nchw.scalars(UInt8.self), [12, 9])
        // The same planes interleaved channels-last.
        let interleaved: [UInt8] = [1, 0, 2, 0, 3, 0, 4, 1]
        let nhwc = try run("QLinearGlobalAveragePool", [("x", u8(interleaved, [1, 2, 2, 2])), ("xs", scale(1)),
                                                         ("xz", Tensor(scalar: UInt8(1))), ("ys", scale(1)), ("yz", Tensor(scalar: UInt8(10)))],
                           [TestModels.intAttribute("channels_last", 1)])
        XCTAssertEqual(nhwc.shape, [1, 1, 1, 2])
        XCTAssertEqual(nhwc.scalars(UInt8.self), [12, 9])
    }

    func testAveragePoolCountsOnlyCellsInsideTheInput() throws {
        // 3×3 ramp 0…8, 2×2 windows, stride 2, one cell of padding at the start of each axis:
        // windows {0}, {1, 2}, {3, 6}, {4, 5, 7, 8}; means 0, 1.5, 4.5, 6 (pads not counted).
        let x = u8((0..<9).map(UInt8.init), [1, 1, 3, 3])
        let attributes = [TestModels.intsAttribute("kernel_shape", [2, 2]), TestModels.intsAttribute("strides", [2, 2]),
                          TestModels.intsAttribute("pads", [1, 1, 0, 0])]
        let y = try run("QLinearAveragePool", [("x", x), ("xs", scale(1)), ("xz", Tensor(scalar: UInt8(0))),
                                               ("ys", scale(1)), ("yz", Tensor(scalar: UInt8(0)))], attributes)
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars(UInt8.self), [0, 2, 4, 6], "1.5 and 4.5 round to even")
        // count_include_pad divides every window by the kernel size, 4: 0, 0.75, 2.25, 6.
        let padded = try run("QLinearAveragePool", [("x", x), ("xs", scale(1)), ("xz", Tensor(scalar: UInt8(0))),
                                                    ("ys", scale(1)), ("yz", Tensor(scalar: UInt8(0)))],
                             attributes + [TestModels.intAttribute("count_include_pad", 1)])
        XCTAssertEqual(padded.scalars(UInt8.self), [0, 1, 2, 6])
    }

    func testLookupActivationsUseOneTableEntryPerCode() throws {
        // LeakyRelu over int8 codes −4…3 at scale 1 (zero point 0), alpha 0.25, output scale 0.5:
        // negatives become x/4 · 2 = x/2 (−2, −1.5 → −2, −1, −0.5 → 0), positives 2x.
        let x = i8([-4, -3, -2, -1, 0, 1, 2, 3])
        let leaky = try run("QLinearLeakyRelu", [("x", x), ("xs", scale(1)), ("xz", Tensor(scalar: Int8(0))), ("ys", scale(0.5)), nil],
                            [TestModels.floatAttribute("alpha", 0.25)])
        XCTAssertEqual(leaky.scalars(Int8.self), [-2, -2, -1, 0, 0, 2, 4, 6])
        // Sigmoid(0) is one half: 128 at scale 1/256; the extremes saturate to 0 and 255.
        let sigmoid = try run("QLinearSigmoid", [("x", u8([0, 100, 200])), ("xs", scale(0.2)), ("xz", Tensor(scalar: UInt8(100))),
                                                 ("ys", scale(1 / 256)), ("yz", Tensor(scalar: UInt8(0)))])
        XCTAssertEqual(sigmoid.scalars(UInt8.self), [0, 128, 255])
    }

    func testLogisticApproximationStaysWithinItsErrorOfTheTrueFunction() {
        XCTAssertEqual(Mlas.logistic(0), 0.5)
        for x in stride(from: Float(-20), through: 20, by: 0.37) {
            XCTAssertEqual(Double(Mlas.logistic(x)), 1 / (1 + exp(-Double(x))), accuracy: 2e-6, "x = \(x)")
        }
    }

    func testConcatAndWhereRequantizeToTheOutputParameters() throws {
        // x0 at scale 2 (zero point 0) into output scale 1, zero point 10: 2·[1, 2] + 10; x1
        // already at the output's parameters is copied.
        let concat = try run("QLinearConcat", [("ys", scale(1)), ("yz", Tensor(scalar: UInt8(10))),
                                               ("x0", u8([1, 2], [1, 2])), ("s0", scale(2)), ("z0", Tensor(scalar: UInt8(0))),
                                               ("x1", u8([7], [1, 1])), ("s1", scale(1)), ("z1", Tensor(scalar: UInt8(10)))],
                             [TestModels.intAttribute("axis", 1)])
        XCTAssertEqual(concat.shape, [1, 3])
        XCTAssertEqual(concat.scalars(UInt8.self), [12, 14, 7])
        // condition [T, F, T] picks X (scale 1 → 0.5: doubled) or the broadcast Y (zero point 4 → 0).
        let selected = try run("QLinearWhere", [("c", Tensor([true, false, true], shape: [3])),
                                                ("x", u8([1, 2, 3])), ("xs", scale(1)), ("xz", Tensor(scalar: UInt8(0))),
                                                ("y", u8([9])), ("yss", scale(0.5)), ("yzz", Tensor(scalar: UInt8(4))),
                                                ("zs", scale(0.5)), ("zz", Tensor(scalar: UInt8(0)))])
        XCTAssertEqual(selected.scalars(UInt8.self), [2, 5, 6])
    }

    func testSoftmaxOfEqualCodesSplitsEvenlyAndADominantCodeSaturates() throws {
        // Four equal codes: each 1/4, i.e. 64 at scale 1/256.
        let even = try run("QLinearSoftmax", [("x", u8([7, 7, 7, 7], [1, 4])), ("xs", scale(0.1)), ("xz", Tensor(scalar: UInt8(0))),
                                              ("ys", scale(1 / 256)), ("yz", Tensor(scalar: UInt8(0)))],
                           [TestModels.intAttribute("opset", 13)])
        XCTAssertEqual(even.scalars(UInt8.self), [64, 64, 64, 64])
        // One code far above the rest takes all: 256 − 128 = 128 is capped at int8's 127.
        let dominant = try run("QLinearSoftmax", [("x", i8([127, -128, -128], [1, 3])), ("xs", scale(1)),
                                                  ("xz", Tensor(scalar: Int8(0))), ("ys", scale(1 / 256)), ("yz", Tensor(scalar: Int8(-128)))],
                               [TestModels.intAttribute("opset", 13)])
        XCTAssertEqual(dominant.scalars(Int8.self), [127, -128, -128])
    }

    func testSoftmaxBeforeOpset13NormalizesTheFlattenedRow() throws {
        // [1, 2, 2] at axis 1 is one row of four equal codes (64 each); from opset 13 the
        // same axis holds pairs, each element then 1/2 (128).
        let inputs: [(String, Tensor)?] = [("x", u8([5, 5, 5, 5], [1, 2, 2])), ("xs", scale(0.1)), ("xz", Tensor(scalar: UInt8(0))),
                                           ("ys", scale(1 / 256)), ("yz", Tensor(scalar: UInt8(0)))]
        let flattened = try run("QLinearSoftmax", inputs, [TestModels.intAttribute("opset", 12), TestModels.intAttribute("axis", 1)])
        XCTAssertEqual(flattened.scalars(UInt8.self), [64, 64, 64, 64])
        let alongAxis = try run("QLinearSoftmax", inputs, [TestModels.intAttribute("opset", 13), TestModels.intAttribute("axis", 1)])
        XCTAssertEqual(alongAxis.scalars(UInt8.self), [128, 128, 128, 128])
    }
}
