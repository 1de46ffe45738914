import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// One recurrent configuration, its random inputs, and two ways to evaluate it: through the
/// interpreter, and by the spec's equations written out element by element (the oracle).
struct RecurrentCase {
    var op = "LSTM"
    var sequence = 3, batch = 2, inputSize = 4, hidden = 5
    var direction = "forward"
    var layout = 0
    var lengths: [Int]? = nil
    var clip: Float? = nil
    var inputForget = false
    var linearBeforeReset = false
    var withBias = true, withInitialState = true, withPeepholes = true

    var gates: Int { op == "LSTM" ? 4 : op == "GRU" ? 3 : 1 }
    var directions: Int { direction == "bidirectional" ? 2 : 1 }
    var xShape: [Int] { layout == 0 ? [sequence, batch, inputSize] : [batch, sequence, inputSize] }
    var stateShape: [Int] { layout == 0 ? [directions, batch, hidden] : [batch, directions, hidden] }

    /// Inputs by ONNX input name, filled from a seeded generator.
    func inputs(seed: UInt64) -> [String: Tensor] {
        var generator = RecurrentTesting.Generator(seed: seed)
        func random(_ shape: [Int], scale: Float = 1) -> Tensor {
            Tensor((0..<Shapes.count(shape)).map { _ in Float.random(in: -scale...scale, using: &generator) }, shape: shape)
        }
        var result = ["X": random(xShape), "W": random([directions, gates * hidden, inputSize], scale: 0.6),
                      "R": random([directions, gates * hidden, hidden], scale: 0.6)]
        if withBias { result["B"] = random([directions, 2 * gates * hidden], scale: 0.5) }
        if let lengths { result["sequence_lens"] = Tensor(lengths.map(Int32.init), shape: [batch]) }
        if withInitialState {
            result["initial_h"] = random(stateShape)
            if op == "LSTM" { result["initial_c"] = random(stateShape) }
        }
        if op == "LSTM" && withPeepholes { result["P"] = random([directions, 3 * hidden]) }
        return result
    }

    /// A one-node model computing every output of the op.
    func model() -> Model {
        let names = op == "LSTM" ? ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]
            : ["X", "W", "R", "B", "sequence_lens", "initial_h"]
        let present = Set(inputs(seed: 0).keys)
        var inputNames = names.map { present.contains($0) ? $0 : "" }
        while inputNames.last == "" { inputNames.removeLast() }
        let outputs = op == "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"]
        var attributes = [TestModels.intAttribute("hidden_size", Int64(hidden)),
                          ShapeTesting.string("direction", direction)]
        if layout != 0 { attributes.append(TestModels.intAttribute("layout", Int64(layout))) }
        if let clip { attributes.append(ShapeTesting.float("clip", clip)) }
        if inputForget { attributes.append(TestModels.intAttribute("input_forget", 1)) }
        if linearBeforeReset { attributes.append(TestModels.intAttribute("linear_before_reset", 1)) }
        var graph = GraphProto()
        graph.node = [TestModels.node(op, inputNames, outputs, attributes: attributes)]
        graph.input = inputNames.filter { !$0.isEmpty }.map { TestModels.value($0, $0 == "sequence_lens" ? .int32 : .float) }
        graph.output = outputs.map { TestModels.value($0) }
        return Model(TestModels.model(graph, opset: 14))
    }

    // MARK: The oracle

    /// Y, Y_h and (LSTM) Y_c from the spec's equations, with the default activations.
    func reference(_ inputs: [String: Tensor]) -> [String: [Float]] {
        let x = inputs["X"]!.scalars(Float.self), w = inputs["W"]!.scalars(Float.self), r = inputs["R"]!.scalars(Float.self)
        let b = inputs["B"]?.scalars(Float.self) ?? [Float](repeating: 0, count: directions * 2 * gates * hidden)
        let h0 = inputs["initial_h"]?.scalars(Float.self), c0 = inputs["initial_c"]?.scalars(Float.self)
        let p = inputs["P"]?.scalars(Float.self)
        var y = [Float](repeating: 0, count: sequence * directions * batch * hidden)
        var yh = [Float](repeating: 0, count: directions * batch * hidden), yc = yh
        for d in 0..<directions {
            for n in 0..<batch {
                let state = (layout == 0 ? d * batch + n : n * directions + d) * hidden
                var h = h0.map { Array($0[state..<state + hidden]) } ?? [Float](repeating: 0, count: hidden)
                var c = c0.map { Array($0[state..<state + hidden]) } ?? [Float](repeating: 0, count: hidden)
                let length = lengths?[n] ?? sequence
                for step in 0..<length {
                    let t = direction == "reverse" || d == 1 ? length - 1 - step : step
                    let xt = (0..<inputSize).map { x[(layout == 0 ? t * batch + n : n * sequence + t) * inputSize + $0] }
                    // Gate pre-activation parts: x·Wᵀ + Wb, and H·Rᵀ + Rb, per gate unit.
                    func inputPart(_ unit: Int) -> Float {
                        (0..<inputSize).reduce(b[d * 2 * gates * hidden + unit]) { $0 + xt[$1] * w[(d * gates * hidden + unit) * inputSize + $1] }
                    }
                    func recurrentPart(_ unit: Int, _ state: [Float]) -> Float {
                        (0..<hidden).reduce(b[d * 2 * gates * hidden + gates * hidden + unit]) { $0 + state[$1] * r[(d * gates * hidden + unit) * hidden + $1] }
                    }
                    (h, c) = cell(h, c, inputPart, recurrentPart, peepholes: p.map { Array($0[(d * 3 * hidden)..<((d + 1) * 3 * hidden)]) })
                    let offset = (layout == 0 ? (t * directions + d) * batch + n : (n * sequence + t) * directions + d) * hidden
                    for j in 0..<hidden { y[offset + j] = h[j] }
                }
                // onnxruntime reports zeros, not the initial state, for an empty sequence.
                for j in 0..<hidden where length > 0 { yh[state + j] = h[j]; yc[state + j] = c[j] }
            }
        }
        return op == "LSTM" ? ["Y": y, "Y_h": yh, "Y_c": yc] : ["Y": y, "Y_h": yh]
    }

    private func cell(_ h: [Float], _ c: [Float], _ inputPart: (Int) -> Float, _ recurrentPart: (Int, [Float]) -> Float,
                      peepholes p: [Float]?) -> ([Float], [Float]) {
        func clipped(_ v: Float) -> Float { clip.map { min(max(v, -$0), $0) } ?? v }
        func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-clipped(v))) }
        func tanh(_ v: Float) -> Float { tanhf(clipped(v)) }
        let size = hidden
        switch op {
        case "LSTM":
            var newH = h, newC = c
            for j in 0..<size {
                func pre(_ g: Int) -> Float { inputPart(g * size + j) + recurrentPart(g * size + j, h) }
                let i = sigmoid(pre(0) + (p?[j] ?? 0) * c[j])
                let f = inputForget ? 1 - i : sigmoid(pre(2) + (p?[2 * size + j] ?? 0) * c[j])
                newC[j] = f * c[j] + i * tanh(pre(3))
                let o = sigmoid(pre(1) + (p?[size + j] ?? 0) * newC[j])
                newH[j] = o * tanhf(newC[j])
            }
            return (newH, newC)
        case "GRU":
            let z = (0..<size).map { sigmoid(inputPart($0) + recurrentPart($0, h)) }
            let reset = (0..<size).map { sigmoid(inputPart(size + $0) + recurrentPart(size + $0, h)) }
            let candidate = (0..<size).map { j -> Float in
                if linearBeforeReset { return tanh(inputPart(2 * size + j) + reset[j] * recurrentPart(2 * size + j, h)) }
                return tanh(inputPart(2 * size + j) + recurrentPart(2 * size + j, zip(reset, h).map(*)))
            }
            return ((0..<size).map { (1 - z[$0]) * candidate[$0] + z[$0] * h[$0] }, c)
        default:
            return ((0..<size).map { tanh(inputPart($0) + recurrentPart($0, h)) }, c)
        }
    }
}

enum RecurrentTesting {
    /// Float rounding of sums of a few dozen products, through exp and tanh.
    static let tolerance: Float = 2e-5

    // Seeded generators and attribute builders come from the Shape family's test support
    // (ShapeTesting), shared by every RuntimeTests file.
    typealias Generator = ShapeTesting.Generator

    /// Runs the case through the interpreter and compares every output with the oracle.
    static func check(_ testCase: RecurrentCase, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let inputs = testCase.inputs(seed: seed)
        let outputs = try Interpreter(model: testCase.model(), options: InterpreterOptions(threads: 2)).run(inputs)
        for (name, expected) in testCase.reference(inputs) {
            let actual = try XCTUnwrap(outputs[name], "\(name) missing", file: file, line: line).scalars(Float.self)
            XCTAssertEqual(actual.count, expected.count, "\(name) of \(testCase)", file: file, line: line)
            let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, "\(name) of \(testCase)", file: file, line: line)
        }
    }
}
