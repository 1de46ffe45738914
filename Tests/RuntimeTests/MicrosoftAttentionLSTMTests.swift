import Foundation
import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// DynamicQuantizeLSTM, Attention and QAttention on cases small enough to work out by hand.
/// Agreement with onnxruntime on random cases is checked by Tests/Interop/test_microsoft_ops.py.
final class MicrosoftAttentionLSTMTests: XCTestCase {
    /// Runs one com.microsoft node on graph inputs (nil: absent optional input); returns its outputs.
    func run(_ op: String, _ inputs: [(String, Tensor)?], outputs: [String], _ attributes: [AttributeProto]) throws -> [Tensor] {
        let node = TestModels.node(op, inputs.map { $0?.0 ?? "" }, outputs, domain: "com.microsoft", attributes: attributes)
        let present = inputs.compactMap { $0 }
        let graph = TestModels.graph([node], inputs: present.map { TestModels.value($0.0, $0.1.type) },
                                     outputs: outputs.map { TestModels.value($0) })
        let model = TestModels.model(graph, opset: 17, extraOpsets: [OperatorSetIdProto(domain: "com.microsoft", version: 1)])
        let interpreter = try Interpreter(model: Model(model), options: InterpreterOptions(threads: 2))
        let results = try interpreter.run(Dictionary(uniqueKeysWithValues: present))
        return try outputs.map { try XCTUnwrap(results[$0]) }
    }

    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(Double(a), e, accuracy: tolerance, "\(what): \(actual) vs \(expected)", file: file, line: line)
        }
    }

    // MARK: DynamicQuantizeLSTM

    func testDynamicQuantizeLSTMQuantizesXAndHAtRunTimeWithTransposedWeights() throws {
        // hidden 1, input 2, two steps. Step 1: X = [1, 0.25] has range [0, 1], so scale 1/255,
        // zero point 0 and codes [255, 64] (63.75 rounds up): x is read as [1, 64/255].
        // W is [input, 4·hidden] with gate columns i, o, f, c, codes scaled by 0.5:
        //   i = 0.5·(2 + 2·64/255), o = 0.5·(−2), f = 0, c = 0.5·(4 − 2·64/255).
        // Step 2: X = 0 and H = h₁ > 0 quantizes to code 255 at scale h₁/255, i.e. exactly h₁;
        // R's codes are all 1 at scale 0.25, so every gate gets 0.25·h₁.
        let x = Tensor([Float(1), 0.25, 0, 0], shape: [2, 1, 2])
        let w = Tensor([Int8(2), -2, 0, 4, 2, 0, 0, -2], shape: [1, 2, 4])
        let r = Tensor([Int8](repeating: 1, count: 4), shape: [1, 1, 4])
        let outputs = try run("DynamicQuantizeLSTM", [("X", x), ("W", w), ("R", r), nil, nil, nil, nil, nil,
                                                      ("W_scale", Tensor([Float(0.5)], shape: [1])),
                                                      ("W_zero_point", Tensor([Int8(0)], shape: [1])),
                                                      ("R_scale", Tensor([Float(0.25)], shape: [1])),
                                                      ("R_zero_point", Tensor([Int8(0)], shape: [1]))],
                              outputs: ["Y", "Y_h", "Y_c"], [TestModels.intAttribute("hidden_size", 1)])
        let x1 = 64.0 / 255
        let c1 = sigmoid(0.5 * (2 + 2 * x1)) * tanh(0.5 * (4 - 2 * x1))
        let h1 = sigmoid(-1) * tanh(c1)
        let g = 0.25 * h1
        let c2 = sigmoid(g) * c1 + sigmoid(g) * tanh(g)
        let h2 = sigmoid(g) * tanh(c2)
        XCTAssertEqual(outputs[0].shape, [2, 1, 1, 1])
        assertClose(outputs[0].scalars(Float.self), [h1, h2], "Y")
        assertClose(outputs[1].scalars(Float.self), [h2], "Y_h")
        assertClose(outputs[2].scalars(Float.self), [c2], "Y_c")
    }

    func testDynamicQuantizeLSTMPerChannelScalesAndZeroPointsPerDirection() throws {
        // One step, reverse and forward both reading X = [1] (code 255 at scale 1/255): each
        // direction's gate j gets W_scale[d, j]·(code − zero point[d]). uint8 codes 130 with zero
        // point 128 in direction 0 and 126 in direction 1 give ±2.
        let x = Tensor([Float(1)], shape: [1, 1, 1])
        let w = Tensor([UInt8](repeating: 130, count: 4) + [UInt8](repeating: 130, count: 4), shape: [2, 1, 4])
        let r = Tensor([UInt8](repeating: 128, count: 8), shape: [2, 1, 4])
        let scales: [Float] = [0.5, -0.5, 0, 1, 0.25, 0.25, 0.25, 0.25]
        let outputs = try run("DynamicQuantizeLSTM", [("X", x), ("W", w), ("R", r), nil, nil, nil, nil, nil,
                                                      ("W_scale", Tensor(scales, shape: [2, 4])),
                                                      ("W_zero_point", Tensor([UInt8(128), 128, 128, 128, 126, 126, 126, 126], shape: [2, 4])),
                                                      ("R_scale", Tensor([Float(1), 1], shape: [2])),
                                                      ("R_zero_point", Tensor([UInt8(128), 128], shape: [2]))],
                              outputs: ["Y_h"], [TestModels.intAttribute("hidden_size", 1),
                                                 TestModels.stringAttribute("direction", "bidirectional")])
        // Direction 0: i = 1, o = −1, f = 0, c = 2. Direction 1: every gate 0.25·4 = 1.
        let forward = sigmoid(-1) * tanh(sigmoid(1) * tanh(2))
        let backward = sigmoid(1) * tanh(sigmoid(1) * tanh(1))
        assertClose(outputs[0].scalars(Float.self), [forward, backward], "Y_h")
    }

    // MARK: Attention and QAttention

    /// Q = K = V = x for x = [[1, 0], [0, 1]] (one head of size 2, weights [I | I | I]).
    let identityWeights: [Float] = [1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]

    func attention(mask: Tensor? = nil, _ attributes: [AttributeProto] = []) throws -> [Float] {
        let inputs: [(String, Tensor)?] = [("input", Tensor([Float(1), 0, 0, 1], shape: [1, 2, 2])),
                                           ("weights", Tensor(identityWeights, shape: [2, 6])),
                                           ("bias", Tensor([Float](repeating: 0, count: 6), shape: [6])),
                                           mask.map { ("mask_index", $0) }]
        return try run("Attention", inputs, outputs: ["output"], [TestModels.intAttribute("num_heads", 1)] + attributes)[0]
            .scalars(Float.self)
    }

    func testAttentionSoftmaxesScaledDotProducts() throws {
        // Row 0 scores [1/√2, 0], row 1 [0, 1/√2]; the output is the probabilities themselves.
        let p = sigmoid(1 / 2.0.squareRoot())
        assertClose(try attention(), [p, 1 - p, 1 - p, p], "no mask")
    }

    func testAttentionMasksKeysByLengthRawMaskAndCausality() throws {
        // One key: both queries see only key 0, i.e. V row [1, 0].
        assertClose(try attention(mask: Tensor([Int32(1)], shape: [1])), [1, 0, 1, 0], "key length 1")
        // The raw mask [0, 1] hides key 0.
        assertClose(try attention(mask: Tensor([Int32(0), 1], shape: [1, 2])), [0, 1, 0, 1], "raw 2-D mask")
        // Causal: query 0 sees key 0 only; query 1 both.
        let p = sigmoid(1 / 2.0.squareRoot())
        assertClose(try attention([TestModels.intAttribute("unidirectional", 1)]), [1, 0, 1 - p, p], "unidirectional")
        // A fully masked row (key length 0) adds the filter value to every key: at −10000 the
        // score differences survive to float spacing there (2⁻¹⁰), at −FLT_MAX they vanish.
        assertClose(try attention(mask: Tensor([Int32(0)], shape: [1])), [p, 1 - p, 1 - p, p], tolerance: 1e-3,
                    "everything masked")
        assertClose(try attention(mask: Tensor([Int32(0)], shape: [1]), [TestModels.floatAttribute("mask_filter_value", -.greatestFiniteMagnitude)]),
                    [0.5, 0.5, 0.5, 0.5], "everything masked at -FLT_MAX")
    }

    func testQAttentionScalesTheIntegerProductPerColumn() throws {
        // input codes [[3, 2], [2, 3]] − zero point 2 = x; weight codes 2·[I | I | I] with V's
        // columns at scale 1 instead of 0.5: Q = K = x and V = 2x.
        let weightCodes = identityWeights.map { Int8($0 * 2) }
        let scales = [Float](repeating: 0.5, count: 4) + [1, 1]
        let output = try run("QAttention", [("input", Tensor([UInt8(3), 2, 2, 3], shape: [1, 2, 2])),
                                             ("weight", Tensor(weightCodes, shape: [2, 6])),
                                             ("bias", Tensor([Float](repeating: 0, count: 6), shape: [6])),
                                             ("input_scale", Tensor(scalar: Float(1))),
                                             ("weight_scale", Tensor(scales, shape: [6])), nil,
                                             ("input_zero_point", Tensor(scalar: UInt8(2))),
                                             ("weight_zero_point", Tensor(scalar: Int8(0)))],
                             outputs: ["output"], [TestModels.intAttribute("num_heads", 1)])[0]
        let p = sigmoid(1 / 2.0.squareRoot())
        assertClose(output.scalars(Float.self), [2 * p, 2 * (1 - p), 2 * (1 - p), 2 * p], "per-column V scale")
    }

    func testUnsupportedMaskShapeIsAnErrorNamingTheNode() {
        XCTAssertThrowsError(try attention(mask: Tensor([Int32](repeating: 1, count: 4), shape: [1, 1, 2, 2]))) { error in
            XCTAssertTrue("\(error)".contains("mask_index"), "\(error)")
        }
    }
}
