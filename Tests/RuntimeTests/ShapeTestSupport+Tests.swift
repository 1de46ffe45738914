import XCTest
import ONNXModel
import ProtoWire
import _TestSupport
@testable import Runtime

/// Builds Shape-family kernels straight from attributes and runs them, without a model.
enum ShapeTesting {
    /// A deterministic generator (SplitMix64) so random shapes repeat from run to run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D4_9BB1_3311_19EB
            return z ^ (z >> 31)
        }
    }

    static func ints(_ name: String, _ values: [Int]) -> AttributeProto { TestModels.intsAttribute(name, values) }

    static func int(_ name: String, _ value: Int) -> AttributeProto { TestModels.intAttribute(name, Int64(value)) }

    static func float(_ name: String, _ value: Float) -> AttributeProto { TestModels.floatAttribute(name, value) }

    static func floats(_ name: String, _ values: [Float]) -> AttributeProto { TestModels.floatsAttribute(name, values) }

    static func string(_ name: String, _ value: String) -> AttributeProto { TestModels.stringAttribute(name, value) }

    /// A context with `threads` threads (kernels here never run subgraphs).
    static func context(threads: Int = 4) throws -> ExecutionContext {
        var graph = GraphProto()
        graph.node = [TestModels.node("Identity", ["x"], ["y"])]
        graph.input = [TestModels.value("x")]
        graph.output = [TestModels.value("y")]
        let interpreter = try Interpreter(model: Model(TestModels.model(graph)), options: InterpreterOptions(threads: threads))
        return ExecutionContext(threads: threads, scope: Scope(graph: interpreter.main, parent: nil), interpreter: interpreter)
    }

    static func kernel<K: OpKernel>(_: K.Type, _ op: String, opset: Int = 18, inputs: Int = 1, outputs: Int = 1,
                                    _ attributes: [AttributeProto] = []) throws -> K {
        let node = Node(opType: op, inputs: (0..<inputs).map { "in\($0)" }, outputs: (0..<outputs).map { "out\($0)" },
                        attributes: attributes.map(Attribute.init))
        return try K(KernelNode(node: node, opset: opset, compileSubgraph: { _ in throw RuntimeError.unsupported("no subgraphs") }))
    }

    /// Runs a kernel with a default context.
    static func run<K: OpKernel>(_ kernel: K, _ inputs: [Tensor?], threads: Int = 4) throws -> [Tensor] {
        try kernel.run(inputs, context(threads: threads)).map { try XCTUnwrap($0) }
    }

    static func floats(_ count: Int, _ generator: inout Generator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -8...8, using: &generator) }
    }

    static func bytes(_ tensor: Tensor) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: tensor.storage.raw, count: tensor.byteCount))
    }

    /// A tensor of `type` with random bytes.
    static func randomTensor(_ type: DataType, _ shape: [Int], _ generator: inout Generator) -> Tensor {
        let tensor = Tensor(uninitialized: type, shape: shape)
        for i in 0..<tensor.byteCount { tensor.storage.raw.storeBytes(of: UInt8.random(in: 0...255, using: &generator), toByteOffset: i, as: UInt8.self) }
        return tensor
    }
}

final class ShapeTestSupportTests: XCTestCase {
    func testGeneratorRepeats() {
        var a = ShapeTesting.Generator(seed: 7), b = ShapeTesting.Generator(seed: 7)
        XCTAssertEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
    }
}
