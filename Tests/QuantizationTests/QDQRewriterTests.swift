import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// The QDQ rewrite driven with hand-made ranges (no calibration): onnxruntime's names, one pair
/// per tensor, parameter values, int32 biases, sentinel ranges, tensor map, and outputs that
/// stay close to the float model's on the interpreter.
final class QDQRewriterTests: XCTestCase {
    private typealias N = TestModels

    private let ranges: [String: TensorRange] = ["x": .init(min: -1, max: 1), "c": .init(min: -2, max: 3),
                                                 "y": .init(min: -4, max: 4)]

    private func rewritten(_ proto: ModelProto, _ configure: (inout QuantizationOptions) -> Void = { _ in }) throws
        -> (Graph, TensorMap) {
        let model = RewriteModels.typed(proto)
        let tensorMap = try Rewrite.qdq(model, ranges: ranges, configure)
        return (model.graph, tensorMap)
    }

    // MARK: Names and structure

    func testActivationNamesFollowOnnxruntime() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        let quantize = try XCTUnwrap(graph.node(named: "x_QuantizeLinear"))
        XCTAssertEqual(quantize.opType, "QuantizeLinear")
        XCTAssertEqual(quantize.inputs, ["x", "x_scale", "x_zero_point"])
        XCTAssertEqual(quantize.outputs, ["x_QuantizeLinear_Output"])
        let dequantize = try XCTUnwrap(graph.node(named: "x_DequantizeLinear"))
        XCTAssertEqual(dequantize.inputs, ["x_QuantizeLinear_Output", "x_scale", "x_zero_point"])
        XCTAssertEqual(dequantize.outputs, ["x_DequantizeLinear_Output"])
        XCTAssertEqual(try XCTUnwrap(graph.node(named: "conv2")).inputs[0], "c_DequantizeLinear_Output")
    }

    func testWeightAndBiasNamesFollowOnnxruntime() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        let names = Set(graph.initializers.compactMap(\.name))
        XCTAssertTrue(names.isSuperset(of: ["w_quantized", "w_scale", "w_zero_point",
                                            "b_quantized", "b_quantized_scale", "b_quantized_zero_point"]), "\(names)")
        XCTAssertTrue(names.isDisjoint(with: ["w", "b"]), "the float weight and bias are gone")
        XCTAssertEqual(try XCTUnwrap(graph.node(named: "conv")).inputs,
                       ["x_DequantizeLinear_Output", "w_DequantizeLinear_Output", "b"])
        XCTAssertEqual(graph.producer(of: "b")?.inputs, ["b_quantized", "b_quantized_scale", "b_quantized_zero_point"])
    }

    func testGraphOutputKeepsItsNameOnTheDequantizeSide() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        XCTAssertEqual(try XCTUnwrap(graph.node(named: "conv2")).outputs, ["y_QuantizeLinear_Input"])
        XCTAssertEqual(graph.producer(of: "y")?.opType, "DequantizeLinear")
        XCTAssertEqual(graph.outputs.compactMap(\.name), ["y"])
    }

    func testOneQuantizePairServesEveryConsumer() throws {
        let nodes = [RewriteModels.conv("conv1", "x", "w", "b", "c1"), RewriteModels.conv("conv2", "x", "w", "b", "c2")]
        let proto = RewriteModels.proto(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["c1", "c2"],
                                        initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 7))
        let (graph, _) = try rewritten(proto)
        XCTAssertEqual(graph.consumers(of: "x").map(\.opType), ["QuantizeLinear"])
        XCTAssertEqual(graph.consumers(of: "x_DequantizeLinear_Output").compactMap(\.name), ["conv1", "conv2"])
        XCTAssertEqual(graph.consumers(of: "w_DequantizeLinear_Output").count, 2)
        XCTAssertEqual(graph.nodes("DequantizeLinear").filter { $0.inputs[0] == "w_quantized" }.count, 1)
        let biases = [graph.node(named: "conv1")!.inputs[2], graph.node(named: "conv2")!.inputs[2]]
        XCTAssertNotEqual(biases[0], biases[1], "each Conv gets its own bias")
        XCTAssertTrue(biases.allSatisfy { graph.producer(of: $0)?.opType == "DequantizeLinear" })
    }

    /// onnxruntime's _dup_initializer numbers copies right after the name: b, b0, b1.
    func testBiasCopiesAreNamedAsOnnxruntime() throws {
        let nodes = ["c1", "c2", "c3"].map { RewriteModels.conv("conv_" + $0, "x", "w", "b", $0) }
        let proto = RewriteModels.proto(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["c1", "c2", "c3"],
                                        initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 7))
        let (graph, _) = try rewritten(proto)
        XCTAssertEqual(["conv_c1", "conv_c2", "conv_c3"].map { graph.node(named: $0)?.inputs[2] }, ["b", "b0", "b1"])
        let names = Set(graph.initializers.compactMap(\.name))
        XCTAssertTrue(names.isSuperset(of: ["b_quantized", "b0_quantized", "b1_quantized", "b0_quantized_scale"]), "\(names)")
    }

    /// A Clip folded into the Conv before it leaves no unread min/max initializers behind, as
    /// onnxruntime's clean_initializers.
    func testFoldedClipLeavesNoUnreadInitializers() throws {
        let clip = N.node("Clip", ["c", "lo", "hi"], ["y"], name: "clip")
        let bounds = [N.floatTensor("lo", dims: [], values: [0]), N.floatTensor("hi", dims: [], values: [6])]
        let (graph, _) = try rewritten(RewriteModels.convThen([clip], outputs: ["y"], extra: bounds))
        XCTAssertTrue(graph.nodes("Clip").isEmpty, "the Clip is folded")
        XCTAssertNil(graph.initializer(named: "lo"))
        XCTAssertNil(graph.initializer(named: "hi"))
    }

    func testSharedOutputReusesTheProvidersInitializers() throws {
        let tail = [N.node("Transpose", ["c"], ["t"], attributes: [N.intsAttribute("perm", [0, 1, 3, 2])])]
        let (graph, tensorMap) = try rewritten(RewriteModels.convThen(tail, outputs: ["t"]))
        XCTAssertEqual(graph.node(named: "t_QuantizeLinear")?.inputs, ["t_QuantizeLinear_Input", "c_scale", "c_zero_point"])
        XCTAssertNil(graph.initializer(named: "t_scale"))
        XCTAssertEqual(tensorMap.entries["t"]?.scale, tensorMap.entries["c"]?.scale)
    }

    // MARK: Parameter values

    private func assertParameters(_ graph: Graph, _ name: String, equal expected: QuantParameters,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try graph.values(of: name + "_scale"), expected.scale.map(Double.init), file: file, line: line)
        XCTAssertEqual(try graph.values(of: name + "_zero_point"), expected.zeroPoint.map(Double.init), file: file, line: line)
        XCTAssertEqual(graph.initializer(named: name + "_zero_point")?.dataType, expected.type.dataType.rawValue,
                       file: file, line: line)
    }

    func testActivationParametersEqualThoseOfTheRange() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        try assertParameters(graph, "x", equal: QuantParameters(rmin: -1, rmax: 1, type: .qint8, symmetric: false))
        try assertParameters(graph, "c", equal: QuantParameters(rmin: -2, rmax: 3, type: .qint8, symmetric: false))
    }

    func testSymmetricUnsignedActivationParameters() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs()) {
            $0.activationType = .quint8
            $0.symmetricActivations = true
        }
        let expected = try QuantParameters(rmin: -2, rmax: 3, type: .quint8, symmetric: true)
        XCTAssertEqual(expected.zeroPoint, [128])
        try assertParameters(graph, "c", equal: expected)
    }

    func testPerChannelBiasScaleIsInputScaleTimesWeightScale() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        let inputScale = Float(try graph.values(of: "x_scale")[0])
        let weightScales = try graph.values(of: "w_scale").map(Float.init)
        XCTAssertEqual(weightScales.count, 3)
        let biasScales = try graph.values(of: "b_quantized_scale").map(Float.init)
        XCTAssertEqual(biasScales, weightScales.map { inputScale * $0 })
        let bias = try XCTUnwrap(RewriteModels.convParameters(out: 3, in: 2, seed: 7).last.map { try Tensor(proto: $0) })
        let expected = zip(bias.scalars(Float.self), biasScales).map { (Double($0) / Double($1)).rounded(.toNearestOrEven) }
        XCTAssertEqual(try graph.values(of: "b_quantized"), expected)
        XCTAssertEqual(graph.initializer(named: "b_quantized")?.dataType, DataType.int32.rawValue)
        XCTAssertEqual(graph.producer(of: "b")?.attribute("axis")?.int, 0)
    }

    func testPerTensorBiasScaleIsOneProduct() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs()) { $0.perChannel = false }
        let product = Float(try graph.values(of: "x_scale")[0]) * Float(try graph.values(of: "w_scale")[0])
        XCTAssertEqual(try graph.values(of: "b_quantized_scale"), [Double(product)])
        XCTAssertEqual(graph.initializer(named: "b_quantized_scale")?.dims, [1])
        XCTAssertNil(graph.producer(of: "b")?.attribute("axis"))
    }

    /// With a tiny input scale an int32 bias would saturate: the weight scales grow until it
    /// fits (onnxruntime's _adjust_weight_scale_for_int32_bias), and the bias follows them.
    func testWeightScaleGrowsSoTheInt32BiasFits() throws {
        let bias: [Float] = [100, -50, 0.5]
        let proto = RewriteModels.proto([RewriteModels.conv("conv", "x", "w", "b", "c")],
                                        inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["c"],
                                        initializers: [RewriteModels.randomTensor("w", [3, 2, 3, 3], seed: 7),
                                                       N.floatTensor("b", dims: [3], values: bias)])
        let model = RewriteModels.typed(proto)
        try Rewrite.qdq(model, ranges: ["x": .init(min: -1e-4, max: 1e-4), "c": .init(min: -1, max: 1)])
        let graph = model.graph
        let weight = try Tensor(proto: XCTUnwrap(proto.graph?.initializer.first))
        let plain = try weight.scalars(Float.self).withUnsafeBufferPointer {
            try QuantParameters.forWeight($0, shape: weight.shape, axis: 0, type: .qint8, symmetric: true)
        }
        let weightScales = try graph.values(of: "w_scale").map(Float.init)
        XCTAssertGreaterThan(weightScales[0], plain.scale[0], "the first channel's scale grew")
        XCTAssertGreaterThan(weightScales[1], plain.scale[1], "the second channel's scale grew")
        let inputScale = Float(try graph.values(of: "x_scale")[0])
        let biasScales = try graph.values(of: "b_quantized_scale").map(Float.init)
        XCTAssertEqual(biasScales, weightScales.map { inputScale * $0 })
        let quantized = try graph.values(of: "b_quantized")
        XCTAssertTrue(quantized.allSatisfy { abs($0) < Double(Int32.max) }, "\(quantized)")
        for i in bias.indices {
            XCTAssertEqual(quantized[i] * Double(biasScales[i]), Double(bias[i]), accuracy: Double(biasScales[i]) / 2)
        }
    }

    func testPerChannelWeightDequantizeCarriesItsAxis() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs())
        XCTAssertEqual(graph.producer(of: "w_DequantizeLinear_Output")?.attribute("axis")?.int, 0)
        XCTAssertEqual(graph.initializer(named: "w_scale")?.dims, [3])
        let deconv = RewriteModels.proto([RewriteModels.conv("deconv", "x", "w", nil, "y", op: "ConvTranspose")],
                                         inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["y"],
                                         initializers: [RewriteModels.randomTensor("w", [2, 4, 3, 3], seed: 5)])
        let (transposed, _) = try rewritten(deconv)
        XCTAssertEqual(transposed.producer(of: "w_DequantizeLinear_Output")?.attribute("axis")?.int, 1)
        XCTAssertEqual(transposed.initializer(named: "w_scale")?.dims, [4])
    }

    func testPerTensorWeightDequantizeHasNoAxis() throws {
        let (graph, _) = try rewritten(RewriteModels.twoConvs()) { $0.perChannel = false }
        XCTAssertNil(graph.producer(of: "w_DequantizeLinear_Output")?.attribute("axis"))
        XCTAssertEqual(graph.initializer(named: "w_scale")?.dims, [])
    }

    // MARK: Sentinels

    func testRangeReachingTheFloatLimitsLeavesTheTensorFloat() throws {
        let model = RewriteModels.typed(RewriteModels.convThen([], outputs: ["c"]))
        try Rewrite.qdq(model, ranges: ["x": .init(min: -1e30, max: 1), "c": .init(min: -2, max: 3)])
        let graph = model.graph
        XCTAssertEqual(graph.node(named: "conv")?.inputs[0], "x", "x stays float")
        XCTAssertTrue(graph.nodes("QuantizeLinear").allSatisfy { $0.inputs[0] != "x" })
        XCTAssertNotNil(graph.initializer(named: "w_quantized"))
        XCTAssertNotNil(graph.initializer(named: "b"), "without an input scale the bias stays float")
        XCTAssertNil(graph.initializer(named: "b_quantized"))
    }

    func testInitializerHoldingSentinelsStaysFloat() throws {
        let mask = N.floatTensor("mask", dims: [1, 1, 1, 5], values: [0, 0, -3.4e38, 0, 0])
        let model = RewriteModels.typed(RewriteModels.convThen([N.node("Add", ["c", "mask"], ["y"])], outputs: ["y"],
                                                               extra: [mask]))
        try Rewrite.qdq(model, ranges: ranges)
        XCTAssertNil(model.graph.initializer(named: "mask_quantized"))
        XCTAssertEqual(model.graph.nodes("Add").first?.inputs[1], "mask")
        XCTAssertEqual(model.graph.nodes("Add").first?.inputs[0], "c_DequantizeLinear_Output")
    }

    /// The Relu is only dropped when its output gets quantized: a range missing (a branch
    /// calibration never ran) or reaching the float limits leaves the output float, clamp and all.
    func testReluWhoseOutputStaysFloatIsKept() throws {
        for yRange in [nil, TensorRange(min: 0, max: 1e30)] {
            let model = RewriteModels.typed(RewriteModels.convRelu())
            try Rewrite.qdq(model, ranges: ["x": .init(min: -1, max: 1), "y": yRange].compactMapValues { $0 })
            XCTAssertEqual(model.graph.producer(of: "y")?.opType, "Relu")
            let y = try XCTUnwrap(Rewrite.run(model, ["x": RewriteModels.convInput])["y"])
            XCTAssertEqual(y.min(), 0, "negative Conv outputs are still clamped")
        }
    }

    // MARK: Tensor map

    func testTensorMapHasAnEntryForEveryQuantizedTensor() throws {
        let (graph, tensorMap) = try rewritten(RewriteModels.twoConvs())
        XCTAssertEqual(Set(tensorMap.entries.keys), ["x", "c", "y", "w", "b", "w2", "b2"])
        for (name, entry) in tensorMap.entries {
            XCTAssertTrue(graph.producer(of: entry.quantized) != nil || graph.initializer(named: entry.quantized) != nil,
                          "\(name): \(entry.quantized) does not exist")
            XCTAssertEqual(graph.producer(of: entry.dequantized)?.opType, "DequantizeLinear", name)
            XCTAssertEqual(graph.producer(of: entry.dequantized)?.inputs[0], entry.quantized, name)
        }
        let x = try XCTUnwrap(tensorMap.entries["x"])
        XCTAssertEqual([x.quantized, x.dequantized, x.type], ["x_QuantizeLinear_Output", "x_DequantizeLinear_Output", "int8"])
        XCTAssertEqual(x.scale.map(Double.init), try graph.values(of: "x_scale"))
        XCTAssertEqual(tensorMap.entries["y"]?.dequantized, "y")
        XCTAssertEqual(tensorMap.entries["w"]?.axis, 0)
        XCTAssertEqual(tensorMap.entries["b"]?.type, "int32")
        XCTAssertEqual(tensorMap.entries["b"]?.zeroPoint, [0, 0, 0])
    }

    // MARK: Numerics on the interpreter

    /// Quantizes `proto` with the ranges float runs on `feeds` measure, runs both models on
    /// each, and checks output `y` against the worst case the quantization steps allow (the
    /// output step is the largest of the tensors in `outputs`).
    private func assertCloseToFloat(_ proto: ModelProto, feeds: [[String: Tensor]], fanIn: Int, weight weightName: String = "w",
                                    outputs: [String] = ["y"], _ configure: (inout QuantizationOptions) -> Void = { _ in },
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let model = RewriteModels.typed(proto)
        let entries = try Rewrite.qdq(model, ranges: try Rewrite.observedRanges(proto, feeds: feeds), configure).entries
        let weight = try XCTUnwrap(proto.graph?.initializer.first { $0.name == weightName }.map { try Tensor(proto: $0) })
        let outputScale = try outputs.map { try XCTUnwrap(entries[$0]?.scale[0], "\($0) is not quantized") }.max()!
        for feed in feeds {
            let expected = try XCTUnwrap(Rewrite.run(Model(proto), feed)["y"])
            let actual = try XCTUnwrap(Rewrite.run(model, feed)["y"])
            let tolerance = QuantizationTolerance.product(
                fanIn: fanIn, inputMax: try XCTUnwrap(feed["x"]).scalars(Float.self).map(abs).max()!,
                weightMax: weight.scalars(Float.self).map(abs).max()!,
                inputScale: try XCTUnwrap(entries["x"]?.scale[0]), weightScale: try XCTUnwrap(entries[weightName]?.scale.max()),
                outputScale: outputScale)
            let difference = maxDifference(actual, expected)
            XCTAssertLessThanOrEqual(difference, tolerance, file: file, line: line)
            XCTAssertGreaterThan(difference, 0, "the outputs went through integers", file: file, line: line)
        }
    }

    private func assertCloseToFloat(_ proto: ModelProto, x: Tensor, fanIn: Int, weight: String = "w",
                                    _ configure: (inout QuantizationOptions) -> Void = { _ in },
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        try assertCloseToFloat(proto, feeds: [["x": x]], fanIn: fanIn, weight: weight, configure, file: file, line: line)
    }

    func testConvReluStaysCloseToFloatPerChannel() throws {
        try assertCloseToFloat(RewriteModels.convRelu(), x: RewriteModels.convInput, fanIn: 18)
    }

    func testConvReluStaysCloseToFloatPerTensor() throws {
        try assertCloseToFloat(RewriteModels.convRelu(), x: RewriteModels.convInput, fanIn: 18) { $0.perChannel = false }
    }

    func testConvStaysCloseToFloatWithUnsignedActivations() throws {
        try assertCloseToFloat(RewriteModels.convRelu(), x: RewriteModels.convInput, fanIn: 18) { $0.activationType = .quint8 }
    }

    func testMatMulStaysCloseToFloat() throws {
        try assertCloseToFloat(RewriteModels.matMul(), x: RewriteModels.randomInput([3, 8], seed: 4), fanIn: 8)
        try assertCloseToFloat(RewriteModels.matMul(), x: RewriteModels.randomInput([3, 8], seed: 4), fanIn: 8) {
            $0.perChannel = false
        }
    }

    /// The bias is dequantized to its own values and the Gemm keeps beta (onnxruntime sets
    /// beta to 1 and so drops it).
    func testGemmWithBetaStaysCloseToFloat() throws {
        try assertCloseToFloat(RewriteModels.gemm(beta: 0.5), x: RewriteModels.randomInput([2, 4], seed: 33), fanIn: 4, weight: "B")
    }

    // MARK: Subgraphs

    func testIfBranchesDefineNoOuterNameAgain() throws {
        let model = RewriteModels.typed(RewriteModels.ifWithConvBranches())
        try Rewrite.qdq(model, ranges: ranges.merging(["t": .init(min: -2, max: 2), "e": .init(min: -2, max: 2)]) { $1 })
        let outer = model.graph.definedNames
        for branch in model.graph.allSubgraphs {
            let defined = Set(branch.nodes.flatMap(\.outputs))
            XCTAssertTrue(defined.isDisjoint(with: outer), "\(branch.name ?? ""): \(defined.intersection(outer))")
            XCTAssertEqual(branch.nodes("DequantizeLinear").count, 4, "x, w, b and the branch output")
        }
        XCTAssertTrue(model.graph.initializers.isEmpty, "the float weight and bias are read by no graph any more")
    }

    func testIfBranchesStayCloseToFloat() throws {
        let feeds = [true, false].map { ["x": RewriteModels.convInput, "cond": Tensor([$0], shape: [])] }
        try assertCloseToFloat(RewriteModels.ifWithConvBranches(), feeds: feeds, fanIn: 18, outputs: ["t", "e"])
    }

    /// A tensor of the main graph that a branch reads too is quantized once, in the main graph:
    /// the branch reads its DequantizeLinear output, and the bias and shared tensors of the
    /// branch still get their parameters from it.
    func testOuterTensorIsQuantizedOnceForItsBranchReaders() throws {
        let branch = N.graph([RewriteModels.conv("inner", "c", "w3", "b3", "t0"),
                              N.node("Transpose", ["c"], ["ct"], attributes: [N.intsAttribute("perm", [0, 1, 3, 2])]),
                              N.node("Add", ["t0", "ct"], ["t"])], outputs: [N.value("t")], name: "then")
        let nodes = [RewriteModels.conv("conv", "x", "w", "b", "c"), RewriteModels.conv("conv2", "c", "w2", nil, "z"),
                     N.node("If", ["cond"], ["y"], attributes: [N.graphAttribute("then_branch", branch),
                                                                N.graphAttribute("else_branch", branch)])]
        let proto = RewriteModels.proto(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5]), N.value("cond", .bool, [])],
                                        outputs: ["z", "y"], initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 7)
                                            + RewriteModels.convParameters("2", out: 3, in: 3, seed: 9)
                                            + RewriteModels.convParameters("3", out: 3, in: 3, seed: 11))
        let model = RewriteModels.typed(proto)
        let wide = TensorRange(min: -5, max: 5)
        let tensorMap = try Rewrite.qdq(model, ranges: ranges.merging(["z": wide, "t0": wide, "t": wide]) { $1 })
        XCTAssertEqual(model.graph.producer(of: try XCTUnwrap(tensorMap.entries["c"]?.dequantized))?.opType, "DequantizeLinear")
        for branch in model.graph.allSubgraphs {
            XCTAssertTrue(branch.nodes("QuantizeLinear").allSatisfy { $0.inputs[0] != "c" }, "c is quantized again")
            let bias = try XCTUnwrap(branch.node(named: "inner")?.inputs[2])
            XCTAssertEqual(branch.producer(of: bias)?.opType, "DequantizeLinear", "the branch's bias is quantized")
            let transposed = try XCTUnwrap(branch.nodes("QuantizeLinear").first { $0.inputs[0] == "ct" })
            XCTAssertEqual(try branch.values(of: transposed.inputs[1]), try model.graph.values(of: "c_scale"))
        }
    }
}
