import Foundation
import ONNXModel
import Passes
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// Small float models for the rewrite tests (planner, rewriter, QOperator conversion, static
/// quantizer), built with `TestModels` and typed by shape inference: the planner quantizes only
/// tensors whose element type it knows to be float.
enum RewriteModels {
    static func input(_ name: String, _ dims: [Int64]) -> ValueInfoProto {
        TestModels.value(name, .float, dims.map { .value($0) })
    }

    /// The model proto of `nodes`, graph outputs declared float of unknown shape.
    static func proto(_ nodes: [NodeProto], inputs: [ValueInfoProto], outputs: [String],
                      initializers: [TensorProto] = [], opset: Int64 = 13) -> ModelProto {
        let graph = TestModels.graph(nodes, inputs: inputs, outputs: outputs.map { TestModels.value($0) },
                                     initializers: initializers, name: "rewrite")
        return TestModels.model(graph, opset: opset)
    }

    /// The IR of `proto` with shapes and types inferred.
    static func typed(_ proto: ModelProto) -> Model {
        let model = Model(proto)
        ShapeInference().run(on: model)
        return model
    }

    static func typed(_ nodes: [NodeProto], inputs: [ValueInfoProto], outputs: [String],
                      initializers: [TensorProto] = [], opset: Int64 = 13) -> Model {
        typed(proto(nodes, inputs: inputs, outputs: outputs, initializers: initializers, opset: opset))
    }

    /// `count` seeded values in [-1, 1).
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(generator.next() >> 40) / Float(1 << 23) - 1 }
    }

    static func randomTensor(_ name: String, _ dims: [Int64], seed: UInt64) -> TensorProto {
        TestModels.floatTensor(name, dims: dims, values: random(Int(dims.reduce(1, *)), seed: seed))
    }

    static func randomInput(_ dims: [Int], seed: UInt64) -> Tensor {
        Tensor(random(dims.reduce(1, *), seed: seed), shape: dims)
    }

    private static func pads(_ value: Int) -> AttributeProto { TestModels.intsAttribute("pads", [value, value, value, value]) }

    /// A Conv node `name` reading x, w (and b when given), writing `output`; 3×3 kernels, pad 1.
    static func conv(_ name: String, _ x: String, _ w: String, _ b: String?, _ output: String,
                     op: String = "Conv") -> NodeProto {
        TestModels.node(op, [x, w] + (b.map { [$0] } ?? []), [output], name: name, attributes: [pads(1)])
    }

    /// Conv weights `w<suffix>` [out, in, 3, 3] and a bias `b<suffix>` [out], seeded.
    static func convParameters(_ suffix: String = "", out: Int64, in channels: Int64, seed: UInt64) -> [TensorProto] {
        [randomTensor("w" + suffix, [out, channels, 3, 3], seed: seed), randomTensor("b" + suffix, [out], seed: seed + 1)]
    }

    /// x[1,2,5,5] → Conv(w[3,2,3,3], b[3]) → c, then `tail` (nodes reading c), returning `outputs`.
    static func convThen(_ tail: [NodeProto], outputs: [String], extra: [TensorProto] = [], opset: Int64 = 13) -> ModelProto {
        proto([conv("conv", "x", "w", "b", "c")] + tail, inputs: [input("x", [1, 2, 5, 5])], outputs: outputs,
              initializers: convParameters(out: 3, in: 2, seed: 7) + extra, opset: opset)
    }

    /// x[1,2,5,5] → conv → c → conv2 → y, with a bias each.
    static func twoConvs() -> ModelProto {
        proto([conv("conv", "x", "w", "b", "c"), conv("conv2", "c", "w2", "b2", "y")], inputs: [input("x", [1, 2, 5, 5])],
              outputs: ["y"], initializers: convParameters(out: 3, in: 2, seed: 7) + convParameters("2", out: 3, in: 3, seed: 9))
    }

    /// x[1,2,5,5] → Conv → c → Relu → y.
    static func convRelu(opset: Int64 = 13) -> ModelProto {
        convThen([TestModels.node("Relu", ["c"], ["y"], name: "relu")], outputs: ["y"], opset: opset)
    }

    /// x[2,4] → Gemm(B, C[3]) → y[2,3], B [3,4] when transposed, else [4,3].
    static func gemm(transB: Int64 = 1, alpha: Float = 1, beta: Float = 1) -> ModelProto {
        let node = TestModels.node("Gemm", ["x", "B", "C"], ["y"], name: "gemm",
                                   attributes: [TestModels.intAttribute("transB", transB), TestModels.floatAttribute("alpha", alpha),
                                                TestModels.floatAttribute("beta", beta)])
        return proto([node], inputs: [input("x", [2, 4])], outputs: ["y"],
                     initializers: [randomTensor("B", transB == 1 ? [3, 4] : [4, 3], seed: 31),
                                    TestModels.floatTensor("C", dims: [3], values: [0.75, -0.5, 1])])
    }

    /// x[3,8] → MatMul(w[8,5]) → y.
    static func matMul() -> ModelProto {
        proto([TestModels.node("MatMul", ["x", "w"], ["y"], name: "matmul")], inputs: [input("x", [3, 8])], outputs: ["y"],
              initializers: [randomTensor("w", [8, 5], seed: 11)])
    }

    /// If(cond) with then → Conv(x, w, b) → t and else → Conv(x, w, b) → e, both reading the
    /// main graph's x[1,2,5,5] and initializers.
    static func ifWithConvBranches() -> ModelProto {
        func branch(_ attribute: String, _ output: String) -> AttributeProto {
            let body = TestModels.graph([conv("conv_" + output, "x", "w", "b", output)], outputs: [TestModels.value(output)],
                                        name: output)
            return TestModels.graphAttribute(attribute, body)
        }
        let node = TestModels.node("If", ["cond"], ["y"], attributes: [branch("then_branch", "t"), branch("else_branch", "e")])
        return proto([node], inputs: [input("x", [1, 2, 5, 5]), TestModels.value("cond", .bool, [])], outputs: ["y"],
                     initializers: convParameters(out: 3, in: 2, seed: 7))
    }

    static var convInput: Tensor { randomInput([1, 2, 5, 5], seed: 3) }
}

// MARK: - Planning and rewriting

enum Rewrite {
    /// Options for `model`: its opset, then whatever `configure` changes.
    static func options(for model: Model, _ configure: (inout QuantizationOptions) -> Void = { _ in }) -> QuantizationOptions {
        var options = QuantizationOptions()
        options.opset = Int(model.opsetVersion(for: "") ?? 13)
        configure(&options)
        return options
    }

    static func plan(_ model: Model, _ configure: (inout QuantizationOptions) -> Void = { _ in }) -> QDQPlan {
        QDQPlanner.plan(model, options: options(for: model, configure))
    }

    /// Plans and rewrites `model` in place with `ranges`, as the static quantizer does after
    /// calibration; returns the tensor map.
    @discardableResult
    static func qdq(_ model: Model, ranges: [String: TensorRange],
                    _ configure: (inout QuantizationOptions) -> Void = { _ in }) throws -> TensorMap {
        let options = options(for: model, configure)
        let tensorMap = TensorMap()
        try QDQRewriter(model: model, options: options, ranges: ranges, tensorMap: tensorMap)
            .apply(QDQPlanner.plan(model, options: options))
        return tensorMap
    }

    /// The minimum and maximum of every float tensor that runs of `proto` on `feeds` produce:
    /// what MinMax calibration on those samples measures.
    static func observedRanges(_ proto: ModelProto, feeds: [[String: Tensor]]) throws -> [String: TensorRange] {
        var ranges: [String: TensorRange] = [:]
        let interpreter = try Interpreter(model: Model(proto), options: InterpreterOptions(threads: 1))
        for feed in feeds {
            _ = try interpreter.run(feed) { name, tensor in
                guard tensor.type == .float, tensor.count > 0 else { return }
                let values = tensor.elements(Float.self)
                let range = ranges[name] ?? TensorRange(min: .infinity, max: -.infinity)
                ranges[name] = TensorRange(min: min(range.min, values.min()!), max: max(range.max, values.max()!))
            }
        }
        return ranges
    }

    static func observedRanges(_ proto: ModelProto, feeds: [String: Tensor]) throws -> [String: TensorRange] {
        try observedRanges(proto, feeds: [feeds])
    }

    /// The float outputs of one run.
    static func run(_ model: Model, _ feeds: [String: Tensor]) throws -> [String: [Float]] {
        let outputs = try Interpreter(model: model, options: InterpreterOptions(threads: 1)).run(feeds)
        return outputs.mapValues { $0.scalars(Float.self) }
    }
}

// MARK: - Graph queries

extension Graph {
    func nodes(_ op: String) -> [Node] { nodes.filter { $0.opType == op } }

    func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    var opTypes: [String] { nodes.map(\.opType) }

    /// The float or integer values of an initializer, widened to Double.
    func values(of name: String) throws -> [Double] {
        let tensor = try Tensor(proto: XCTUnwrap(initializer(named: name), "no initializer '\(name)'"))
        switch tensor.type {
        case .float: return tensor.scalars(Float.self).map(Double.init)
        default: return tensor.integers().map(Double.init)
        }
    }
}

extension QDQPlan {
    var main: QDQMarks { graphs[0] }
}

extension QDQMarks {
    func role(_ name: String) -> Role? { marks[name]?.role }
    func sharedWith(_ name: String) -> String? { marks[name]?.sharedWith }
}

// MARK: - Tolerances

/// How far a quantized result may be from the float one, from the quantization steps.
enum QuantizationTolerance {
    /// float32 rounding in the float kernels on either side, far below any quantization step.
    static let floatRounding: Float = 1e-5

    /// Worst-case error of one output of a product summed over `fanIn` terms, x·w (+ bias), when
    /// x is rounded to a step of `inputScale`, w to `weightScale`, the int32 bias to their
    /// product, and the output to `outputScale`: each term is off by at most
    /// |w|·sx/2 + |x|·sw/2 + sx·sw/4.
    static func product(fanIn: Int, inputMax: Float, weightMax: Float, inputScale: Float, weightScale: Float,
                        outputScale: Float) -> Float {
        let term = weightMax * inputScale / 2 + inputMax * weightScale / 2 + inputScale * weightScale / 4
        return Float(fanIn) * term + inputScale * weightScale / 2 + outputScale / 2 + floatRounding
    }
}

/// The largest |a - b| over two equally long arrays.
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) against \(b.count) values")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Asserts that `body` throws an error whose message mentions every one of `fragments`.
func assertThrows<T>(_ body: @autoclosure () throws -> T, mentioning fragments: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
    } catch {
        let message = "\(error)"
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
        }
    }
}
