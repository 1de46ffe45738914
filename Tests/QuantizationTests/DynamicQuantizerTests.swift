import Foundation
import ONNXModel
import Passes
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// `DynamicQuantizer` on tiny graphs, one per rewrite, and its options. Numbers are checked
/// against onnxruntime in Tests/Interop/test_quantize_dynamic.py; here the layout, the option
/// handling and that the interpreter runs the result close to the float model.
final class DynamicQuantizerTests: XCTestCase {
    private typealias N = TestModels
    private typealias M = RewriteModels

    private func quantize(_ proto: ModelProto, _ configure: (inout DynamicQuantizationOptions) -> Void = { _ in })
        throws -> (model: Model, report: DynamicQuantizer.Report) {
        var configuration = DynamicQuantizer.Configuration()
        configure(&configuration.options)
        let model = Model(proto)
        let report = try DynamicQuantizer(configuration).quantize(model)
        return (model, report)
    }

    private func ops(_ graph: Graph) -> [String] { graph.nodes.map(\.opType) }

    private func tensor(_ model: Model, _ name: String, in graph: Graph? = nil) throws -> Tensor {
        let proto = try XCTUnwrap((graph ?? model.graph).initializer(named: name), "no initializer \(name)")
        return try Tensor(proto: proto)
    }

    /// Largest |quantized - float| over the outputs, relative to the float output's largest magnitude.
    private func relativeError(_ proto: ModelProto, _ quantized: Model, feeds: [String: Tensor]) throws -> Float {
        let expected = try Interpreter(model: Model(proto)).run(feeds)
        let actual = try Interpreter(model: quantized).run(feeds)
        var worst: Float = 0
        for (name, value) in expected {
            let e = value.scalars(Float.self), a = try XCTUnwrap(actual[name]).scalars(Float.self)
            let scale = e.map(abs).max() ?? 1
            worst = max(worst, zip(e, a).map { abs($0 - $1) }.max()! / scale)
        }
        return worst
    }

    /// x[2,4] → MatMul(w[4,3]) → y.
    private func matMul(name: String? = "mm") -> ModelProto {
        M.proto([N.node("MatMul", ["x", "w"], ["y"], name: name)], inputs: [M.input("x", [2, 4])], outputs: ["y"],
                initializers: [M.randomTensor("w", [4, 3], seed: 3)])
    }

    private let x = M.randomInput([2, 4], seed: 11)

    // MARK: MatMul

    func testMatMulBecomesIntegerProductScaledBack() throws {
        let (model, report) = try quantize(matMul()) { $0.perChannel = false }
        XCTAssertEqual(ops(model.graph), ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"])
        let integer = model.graph.nodes[1]
        XCTAssertEqual(integer.name, "mm_quant")
        XCTAssertEqual(integer.inputs, ["x_quantized", "w_quantized", "x_zero_point", "w_zero_point"])
        XCTAssertEqual(model.graph.nodes[3].inputs, ["x_scale", "w_scale"])
        XCTAssertEqual(model.graph.nodes[4].outputs, ["y"])
        XCTAssertEqual(try tensor(model, "w_quantized").type, .int8)
        XCTAssertEqual(try tensor(model, "w_scale").shape, [])
        XCTAssertEqual(try tensor(model, "w_zero_point").scalars(Int8.self), [0])
        XCTAssertNil(model.graph.initializer(named: "w"), "the float weight is removed")
        XCTAssertEqual(report.rewrites, ["MatMul": 1])
        XCTAssertEqual(report.tensorMap["w"]?.quantized, "w_quantized")
        XCTAssertNotNil(model.metadata(TensorMap.metadataKey))
        XCTAssertLessThan(try relativeError(matMul(), model, feeds: ["x": x]), 0.03)
    }

    func testPerChannelByDefaultScalesEachColumnOfB() throws {
        XCTAssertTrue(DynamicQuantizationOptions().perChannel)
        let (model, _) = try quantize(matMul())
        XCTAssertEqual(try tensor(model, "w_scale").shape, [3])
        XCTAssertEqual(try tensor(model, "w_zero_point").scalars(Int8.self), [0, 0, 0])
        let q = try tensor(model, "w_quantized").scalars(Int8.self)
        for column in 0..<3 {
            XCTAssertEqual((0..<4).map { abs(Int(q[$0 * 3 + column])) }.max(), 127, "column \(column) spans the symmetric range")
        }
        XCTAssertLessThan(try relativeError(matMul(), model, feeds: ["x": x]), 0.03)
    }

    func testUnsignedWeightsAreAsymmetricAndReducedRangeHalvesTheGrid() throws {
        let (unsigned, _) = try quantize(matMul()) { $0.weightType = .quint8 }
        let q = try tensor(unsigned, "w_quantized").scalars(UInt8.self)
        XCTAssertEqual(q.min(), 0)
        XCTAssertEqual(q.max(), 255)
        let (reduced, _) = try quantize(matMul()) { $0.reduceRange = true }
        XCTAssertEqual(try tensor(reduced, "w_quantized").scalars(Int8.self).map { abs(Int($0)) }.max(), 64)
    }

    func testUnnamedMatMulsShareTheProductOfTheirScales() throws {
        let proto = M.proto([N.node("MatMul", ["x", "w"], ["y"]), N.node("MatMul", ["x", "w"], ["z"])],
                            inputs: [M.input("x", [2, 4])], outputs: ["y", "z"], initializers: [M.randomTensor("w", [4, 3], seed: 3)])
        let (model, _) = try quantize(proto)
        XCTAssertEqual(ops(model.graph).filter { $0 == "DynamicQuantizeLinear" }.count, 1)
        let scaleProducts = model.graph.nodes.filter { $0.opType == "Mul" && $0.inputs == ["x_scale", "w_scale"] }
        XCTAssertEqual(scaleProducts.map(\.name), ["x_scale_w_scale_mul"])
        XCTAssertEqual(scaleProducts.first?.outputs, ["x_scale_w_scale_mul:0"])
    }

    func testComputedBStaysFloatUnlessAsked() throws {
        let proto = M.proto([N.node("MatMul", ["a", "b"], ["y"], name: "mm")], inputs: [M.input("a", [2, 4]), M.input("b", [4, 3])],
                            outputs: ["y"])
        XCTAssertEqual(ops(try quantize(proto).model.graph), ["MatMul"])
        let (both, _) = try quantize(proto) { $0.matMulConstBOnly = false }
        XCTAssertEqual(ops(both.graph), ["DynamicQuantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"])
        let feeds = ["a": x, "b": M.randomInput([4, 3], seed: 5)]
        XCTAssertLessThan(try relativeError(proto, both, feeds: feeds), 0.05)
    }

    // MARK: Gemm

    func testGemmBecomesMatMulAndAddWithBTransposed() throws {
        let proto = M.proto([N.node("Gemm", ["x", "w", "b"], ["y"], name: "fc", attributes: [N.intAttribute("transB", 1)])],
                            inputs: [M.input("x", [2, 4])], outputs: ["y"],
                            initializers: [M.randomTensor("w", [3, 4], seed: 3), M.randomTensor("b", [3], seed: 4)])
        let (model, _) = try quantize(proto)
        XCTAssertEqual(ops(model.graph), ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul", "Add"])
        XCTAssertEqual(model.graph.nodes.last?.name, "fc_Add")
        XCTAssertEqual(model.graph.nodes.last?.inputs, ["y_MatMul", "b"])
        XCTAssertEqual(try tensor(model, "w_quantized").shape, [4, 3])
        XCTAssertLessThan(try relativeError(proto, model, feeds: ["x": x]), 0.03)
    }

    func testGemmWithAlphaStaysGemm() throws {
        let proto = M.proto([N.node("Gemm", ["x", "w"], ["y"], name: "fc", attributes: [N.floatAttribute("alpha", 2)])],
                            inputs: [M.input("x", [2, 4])], outputs: ["y"], initializers: [M.randomTensor("w", [4, 3], seed: 3)])
        XCTAssertEqual(ops(try quantize(proto).model.graph), ["Gemm"])
    }

    // MARK: Conv

    func testConvBecomesConvIntegerWithReshapedBias() throws {
        let proto = M.convThen([], outputs: ["c"])
        let (model, _) = try quantize(proto)
        XCTAssertEqual(ops(model.graph), ["DynamicQuantizeLinear", "ConvInteger", "Cast", "Mul", "Mul", "Reshape", "Add"])
        XCTAssertEqual(model.graph.nodes[1].attribute("pads")?.ints, [1, 1, 1, 1])
        XCTAssertEqual(try tensor(model, "c_bias_reshape_shape").scalars(Int64.self), [1, -1, 1, 1])
        XCTAssertEqual(model.graph.nodes.last?.name, "c_bias_add")
        XCTAssertEqual(try tensor(model, "w_scale").shape, [3, 1, 1], "per output channel, broadcast over H and W")
        XCTAssertEqual(try tensor(model, "w_zero_point").shape, [], "ConvInteger takes one weight zero point")
        let feeds = ["x": M.randomInput([1, 2, 5, 5], seed: 2)]
        XCTAssertLessThan(try relativeError(proto, model, feeds: feeds), 0.03)
        let (perTensor, _) = try quantize(proto) { $0.perChannel = false }
        XCTAssertEqual(try tensor(perTensor, "w_scale").shape, [])
        XCTAssertLessThan(try relativeError(proto, perTensor, feeds: feeds), 0.03)
        let (unsigned, _) = try quantize(proto) { $0.weightType = .quint8 }
        XCTAssertEqual(try tensor(unsigned, "w_scale").shape, [], "asymmetric weights have a zero point per channel: per tensor")
    }

    func testConstantNodeWeightsAreQuantized() throws {
        let weight = M.randomTensor("w", [3, 2, 3, 3], seed: 7)
        let proto = M.proto([N.node("Constant", [], ["w"], attributes: [N.tensorAttribute("value", weight)]),
                             M.conv("conv", "x", "w", nil, "y")], inputs: [M.input("x", [1, 2, 5, 5])], outputs: ["y"])
        let (model, _) = try quantize(proto)
        XCTAssertEqual(ops(model.graph), ["DynamicQuantizeLinear", "ConvInteger", "Cast", "Mul", "Mul"])
        XCTAssertNotNil(model.graph.initializer(named: "w_quantized"))
    }

    // MARK: LSTM

    private func lstm(directions: Int64 = 2) -> ModelProto {
        let hidden: Int64 = 3, size: Int64 = 2
        let direction = N.stringAttribute("direction", directions == 2 ? "bidirectional" : "forward")
        return M.proto([N.node("LSTM", ["x", "w", "r"], ["y"], name: "rnn", attributes: [N.intAttribute("hidden_size", hidden), direction])],
                       inputs: [M.input("x", [4, 1, size])], outputs: ["y"],
                       initializers: [M.randomTensor("w", [directions, 4 * hidden, size], seed: 1),
                                      M.randomTensor("r", [directions, 4 * hidden, hidden], seed: 2)])
    }

    func testLSTMBecomesDynamicQuantizeLSTMWithTransposedInt8Weights() throws {
        let (model, _) = try quantize(lstm()) {
            $0.weightType = .quint8
            $0.perChannel = false
        }
        let node = try XCTUnwrap(model.graph.nodes.first)
        XCTAssertEqual(node.opType, "DynamicQuantizeLSTM")
        XCTAssertEqual(node.domain, "com.microsoft")
        XCTAssertEqual(node.inputs, ["x", "w_quantized", "r_quantized", "", "", "", "", "",
                                     "w_scale", "w_zero_point", "r_scale", "r_zero_point"])
        let w = try tensor(model, "w_quantized")
        XCTAssertEqual(w.type, .int8, "LSTM weights are int8 whatever the weight type")
        XCTAssertEqual(w.shape, [2, 2, 12])
        XCTAssertEqual(try tensor(model, "w_scale").shape, [2])
        XCTAssertEqual(model.opsetVersion(for: "com.microsoft"), 1)
        let (perChannel, _) = try quantize(lstm()) { $0.perChannel = true }
        XCTAssertEqual(try tensor(perChannel, "r_scale").shape, [2, 12])
    }

    func testLSTMTransposeKeepsEachValue() throws {
        let (model, _) = try quantize(lstm(directions: 1)) { $0.perChannel = true }
        let floats = M.random(12 * 2, seed: 1)
        let scales = try tensor(model, "w_scale").scalars(Float.self)
        let q = try tensor(model, "w_quantized").scalars(Int8.self)
        for row in 0..<12 {
            for column in 0..<2 {
                let expected = (floats[row * 2 + column] / scales[row]).rounded(.toNearestOrEven)
                XCTAssertEqual(Float(q[column * 12 + row]), expected, "row \(row) column \(column)")
            }
        }
    }

    // MARK: Gather

    func testGatherOfConstantTableFeedsMatMulInUInt8() throws {
        let ids = N.value("ids", .int64, [.value(2)])
        let proto = M.proto([N.node("Gather", ["table", "ids"], ["e"], name: "embed"), N.node("MatMul", ["e", "w"], ["y"], name: "mm"),
                             N.node("Relu", ["e"], ["r"], name: "relu")],
                            inputs: [ids], outputs: ["y", "r"],
                            initializers: [M.randomTensor("table", [5, 4], seed: 1), M.randomTensor("w", [4, 3], seed: 2)])
        let (model, _) = try quantize(proto)
        XCTAssertEqual(try tensor(model, "table_quantized").type, .uint8)
        XCTAssertFalse(ops(model.graph).contains("DynamicQuantizeLinear"), "the MatMul reads the gathered uint8 rows")
        let integer = try XCTUnwrap(model.graph.nodes.first { $0.opType == "MatMulInteger" })
        XCTAssertEqual(integer.inputs, ["e_quantized", "w_quantized", "table_zero_point", "w_zero_point"])
        let dequantize = try XCTUnwrap(model.graph.producer(of: "e"), "the Relu still reads e in float")
        XCTAssertEqual(dequantize.opType, "DequantizeLinear")
        let feeds = ["ids": Tensor([Int64(4), 1], shape: [2])]
        XCTAssertLessThan(try relativeError(proto, model, feeds: feeds), 0.03)
    }

    // MARK: Options and subgraphs

    func testNodeAndOpTypeSelection() throws {
        let proto = M.proto([N.node("MatMul", ["x", "w"], ["h"], name: "a"), N.node("MatMul", ["h", "w2"], ["y"], name: "b")],
                            inputs: [M.input("x", [2, 4])], outputs: ["y"],
                            initializers: [M.randomTensor("w", [4, 3], seed: 3), M.randomTensor("w2", [3, 2], seed: 4)])
        let integerNames = { (model: Model) in model.graph.nodes.filter { $0.opType == "MatMulInteger" }.compactMap(\.name) }
        XCTAssertEqual(integerNames(try quantize(proto) { $0.nodesToExclude = ["a"] }.model), ["b_quant"])
        XCTAssertEqual(integerNames(try quantize(proto) { $0.nodesToQuantize = ["a"] }.model), ["a_quant"])
        XCTAssertEqual(integerNames(try quantize(proto) { $0.opTypes = ["Conv"] }.model), [])
    }

    func testWeightsInsideIfBranchesAreQuantized() throws {
        func branch(_ name: String, seed: UInt64) -> GraphProto {
            N.graph([N.node("MatMul", ["x", "w_" + name], ["out_" + name], name: "mm_" + name)], outputs: [N.value("out_" + name)],
                    initializers: [M.randomTensor("w_" + name, [4, 3], seed: seed)], name: name)
        }
        let proto = M.proto([N.node("If", ["flag"], ["y"], name: "if", attributes: [N.graphAttribute("then_branch", branch("then", seed: 1)),
                                                                                   N.graphAttribute("else_branch", branch("else", seed: 2))])],
                            inputs: [M.input("x", [2, 4]), N.value("flag", .bool, [])], outputs: ["y"])
        let (model, report) = try quantize(proto)
        XCTAssertEqual(report.rewrites, ["MatMul": 2])
        let then = try XCTUnwrap(model.graph.nodes.first?.subgraphs.first)
        XCTAssertNotNil(then.initializer(named: "w_then_quantized"))
        XCTAssertEqual(ops(then), ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"])
        let feeds = ["x": x, "flag": Tensor([true], shape: [])]
        XCTAssertLessThan(try relativeError(proto, model, feeds: feeds), 0.03)
    }

    func testSameInputGivesSameBytes() throws {
        let a = try quantize(lstm()) { $0.perChannel = true }.model.toProto().serializedBytes()
        let b = try quantize(lstm()) { $0.perChannel = true }.model.toProto().serializedBytes()
        XCTAssertEqual(a, b)
    }
}
