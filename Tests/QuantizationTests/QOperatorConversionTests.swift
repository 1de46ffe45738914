import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// QDQ → QOperator: which nodes become integer ops, what stays in QDQ form, and results on the
/// interpreter that stay within a few quantization steps of the QDQ model's.
final class QOperatorConversionTests: XCTestCase {
    private typealias N = TestModels

    private struct Converted {
        let qdq: Model
        let qoperator: Model
        let tensorMap: TensorMap
        let feeds: [String: Tensor]

        /// Output `y` of both models.
        func outputs() throws -> (qdq: [Float], qoperator: [Float]) {
            (try XCTUnwrap(Rewrite.run(qdq, feeds)["y"]), try XCTUnwrap(Rewrite.run(qoperator, feeds)["y"]))
        }

        func scale(_ name: String) throws -> Float { try XCTUnwrap(tensorMap.entries[name]?.scale.max()) }
    }

    /// The QDQ rewrite of `proto` with the ranges a float run on `x` measures, and its
    /// conversion to QOperator form.
    private func convert(_ proto: ModelProto, x: Tensor) throws -> Converted {
        let feeds = ["x": x]
        let model = RewriteModels.typed(proto)
        let tensorMap = try Rewrite.qdq(model, ranges: try Rewrite.observedRanges(proto, feeds: feeds))
        let qdq = Model(model.toProto())
        try QOperatorConversion.convert(model)
        return Converted(qdq: qdq, qoperator: model, tensorMap: tensorMap, feeds: feeds)
    }

    /// x[1,2,6,6] → Conv → Relu → MaxPool → Flatten → Gemm(transB) → y[1,5].
    private func convReluMaxPoolGemm() -> ModelProto {
        let nodes = [RewriteModels.conv("conv", "x", "w", "b", "c"),
                     N.node("Relu", ["c"], ["r"], name: "relu"),
                     N.node("MaxPool", ["r"], ["m"], name: "pool",
                            attributes: [N.intsAttribute("kernel_shape", [2, 2]), N.intsAttribute("strides", [2, 2])]),
                     N.node("Flatten", ["m"], ["f"], name: "flatten"),
                     N.node("Gemm", ["f", "g", "gb"], ["y"], name: "gemm", attributes: [N.intAttribute("transB", 1)])]
        return RewriteModels.proto(nodes, inputs: [RewriteModels.input("x", [1, 2, 6, 6])], outputs: ["y"],
                                   initializers: RewriteModels.convParameters(out: 4, in: 2, seed: 21)
                                       + [RewriteModels.randomTensor("g", [5, 36], seed: 23),
                                          RewriteModels.randomTensor("gb", [5], seed: 24)])
    }

    func testConvReluMaxPoolGemmBecomesIntegerOps() throws {
        let converted = try convert(convReluMaxPoolGemm(), x: RewriteModels.randomInput([1, 2, 6, 6], seed: 25))
        let graph = converted.qoperator.graph
        XCTAssertEqual(graph.opTypes, ["QuantizeLinear", "QLinearConv", "MaxPool", "Flatten", "QGemm", "DequantizeLinear"])
        XCTAssertEqual(graph.nodes("QGemm").first?.domain, "com.microsoft")
        XCTAssertEqual(converted.qoperator.opsetVersion(for: "com.microsoft"), 1)
        XCTAssertNil(converted.qdq.opsetVersion(for: "com.microsoft"))
    }

    func testMaxPoolRunsOnTheInt8Tensor() throws {
        let converted = try convert(convReluMaxPoolGemm(), x: RewriteModels.randomInput([1, 2, 6, 6], seed: 25))
        let pool = try XCTUnwrap(converted.qoperator.graph.nodes("MaxPool").first)
        XCTAssertEqual(converted.qoperator.graph.producer(of: pool.inputs[0])?.opType, "QLinearConv")
        var types: [String: DataType] = [:]
        _ = try Interpreter(model: converted.qoperator).run(converted.feeds) { name, tensor in types[name] = tensor.type }
        XCTAssertEqual(types[pool.inputs[0]], .int8)
        XCTAssertEqual(types[pool.outputs[0]], .int8)
    }

    func testConvReluMaxPoolGemmStaysCloseToTheQDQModel() throws {
        let converted = try convert(convReluMaxPoolGemm(), x: RewriteModels.randomInput([1, 2, 6, 6], seed: 25))
        let (qdq, qoperator) = try converted.outputs()
        // A Conv output may round to the neighbouring step; the Gemm sums 36 of them.
        let tolerance = try converted.scale("y") + 36 * converted.scale("r") + QuantizationTolerance.floatRounding
        XCTAssertLessThanOrEqual(maxDifference(qdq, qoperator), tolerance)
    }

    /// QGemm's C is at scale alpha · s_a · s_b / beta, the QDQ bias at s_a · s_b · beta: a Gemm
    /// becomes QGemm only where they agree, and either way stays close to the QDQ model.
    func testGemmBecomesQGemmOnlyWhenItsBiasScaleAgrees() throws {
        for (alpha, beta) in [(1, 1), (1, 0.5), (2, 1), (0.5, 2), (0.25, 0.5)] as [(Float, Float)] {
            let label = "alpha \(alpha), beta \(beta)"
            let model = RewriteModels.gemm(alpha: alpha, beta: beta)
            let converted = try convert(model, x: RewriteModels.randomInput([2, 4], seed: 33))
            let expected = alpha == beta * beta ? "QGemm" : "Gemm"
            XCTAssertEqual(converted.qoperator.graph.opTypes.filter { $0.hasSuffix("Gemm") }, [expected], label)
            let (qdq, qoperator) = try converted.outputs()
            let tolerance = try converted.scale("y") + QuantizationTolerance.floatRounding
            XCTAssertLessThanOrEqual(maxDifference(qdq, qoperator), tolerance, label)
        }
    }

    /// x → conv1, conv2 → Add → y.
    private func convAdd() -> ModelProto {
        let nodes = [RewriteModels.conv("conv1", "x", "w", "b", "c1"), RewriteModels.conv("conv2", "x", "w", "b", "c2"),
                     N.node("Add", ["c1", "c2"], ["y"], name: "add")]
        return RewriteModels.proto(nodes, inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["y"],
                                   initializers: RewriteModels.convParameters(out: 3, in: 2, seed: 41))
    }

    func testAddBecomesQLinearAdd() throws {
        let converted = try convert(convAdd(), x: RewriteModels.convInput)
        let graph = converted.qoperator.graph
        XCTAssertEqual(graph.opTypes.sorted(), ["DequantizeLinear", "QLinearAdd", "QLinearConv", "QLinearConv", "QuantizeLinear"])
        let add = try XCTUnwrap(graph.nodes("QLinearAdd").first)
        XCTAssertEqual(add.domain, "com.microsoft")
        XCTAssertEqual(add.inputs.count, 8)
        let (qdq, qoperator) = try converted.outputs()
        let steps = try converted.scale("y") + converted.scale("c1") + converted.scale("c2")
        let tolerance = steps + QuantizationTolerance.floatRounding
        XCTAssertLessThanOrEqual(maxDifference(qdq, qoperator), tolerance)
    }

    func testOpWithoutConverterStaysInQDQForm() throws {
        let proto = RewriteModels.proto([RewriteModels.conv("deconv", "x", "w", "b", "y", op: "ConvTranspose")],
                                        inputs: [RewriteModels.input("x", [1, 2, 5, 5])], outputs: ["y"],
                                        initializers: [RewriteModels.randomTensor("w", [2, 3, 3, 3], seed: 51),
                                                       RewriteModels.randomTensor("b", [3], seed: 52)])
        let converted = try convert(proto, x: RewriteModels.convInput)
        let graph = converted.qoperator.graph
        let deconv = try XCTUnwrap(graph.nodes("ConvTranspose").first)
        XCTAssertEqual(deconv.inputs.map { graph.producer(of: $0)?.opType }, Array(repeating: "DequantizeLinear", count: 3))
        XCTAssertEqual(graph.consumers(of: deconv.outputs[0]).map(\.opType), ["QuantizeLinear"])
        XCTAssertEqual(graph.opTypes.sorted(), converted.qdq.graph.opTypes.sorted())
        XCTAssertNil(converted.qoperator.opsetVersion(for: "com.microsoft"))
    }
}
