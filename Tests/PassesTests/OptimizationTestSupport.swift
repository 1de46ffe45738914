import XCTest
import ONNXModel
import ProtoWire
import Runtime
import _TestSupport
@testable import Passes

/// Shared by the optimization pass tests: building small models, running a pass, and comparing
/// what the interpreter computes before and after it.
enum OptimizationTest {
    /// Outputs before and after a pass agree to this relative difference (plus `absolute`, for
    /// values that are zero up to rounding).
    static let relative = 1e-5
    static let absolute = 1e-6

    /// A float tensor whose values are spread over [-1, 1) (deterministic).
    static func weights(_ name: String, dims: [Int64], seed: UInt64) -> TensorProto {
        var generator = Generator(seed: seed)
        let count = dims.reduce(1) { $0 * Int($1) }
        return TestModels.floatTensor(name, dims: dims, values: (0..<count).map { _ in generator.next() })
    }

    /// The same float values stored in float_data instead of raw_data.
    static func floatDataTensor(_ name: String, dims: [Int64], values: [Float]) -> TensorProto {
        var tensor = TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = DataType.float.rawValue
        tensor.floatData = PackedFixed(values)
        return tensor
    }

    static let castToFloat = TestModels.intAttribute("to", Int64(DataType.float.rawValue))

    static func constantNode(_ output: String, _ attribute: AttributeProto) -> NodeProto {
        TestModels.node("Constant", [], [output], name: "const_\(output)", attributes: [attribute])
    }

    struct Outcome {
        let before: Model
        let after: Model
        let changed: Bool
        let report: PassReport
    }

    /// Runs the pass made by `make` (given a fresh report) on a model built from `proto`.
    static func apply(_ make: (PassReport) -> GraphPass, to proto: ModelProto) throws -> Outcome {
        let report = PassReport()
        let after = Model(proto)
        let changed = try make(report).run(on: after)
        return Outcome(before: Model(proto), after: after, changed: changed, report: report)
    }

    /// Deterministic feeds for every graph input: floats spread over [-1, 1), small integers,
    /// alternating booleans; symbolic or unknown dims are taken as `symbolicSize`.
    static func feeds(for model: Model, seed: UInt64 = 7, symbolicSize: Int = 2) -> [String: Tensor] {
        var generator = Generator(seed: seed)
        var feeds: [String: Tensor] = [:]
        for input in model.graph.inputs where model.graph.initializer(named: input.name ?? "") == nil {
            guard let type = input.type?.tensorType else { continue }
            let shape = (type.shape?.dim ?? []).map { dim -> Int in
                if case .value(let size)? = dim.value { return Int(size) }
                return symbolicSize
            }
            let count = shape.reduce(1, *)
            switch DataType(rawValue: type.elemType ?? 0) {
            case .int64?: feeds[input.name!] = Tensor((0..<count).map { Int64($0 % 4) }, shape: shape)
            case .bool?: feeds[input.name!] = Tensor((0..<count).map { $0 % 2 == 0 }, shape: shape)
            default: feeds[input.name!] = Tensor((0..<count).map { _ in generator.next() }, shape: shape)
            }
        }
        return feeds
    }

    /// Asserts that the changed model is still valid (no new validator findings, and it survives
    /// a trip through its proto) and computes what the original computes on the same feeds.
    static func assertSameOutputs(_ outcome: Outcome, feeds given: [String: Tensor]? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let introduced = Set(Validator.validate(outcome.after)).subtracting(Validator.validate(outcome.before))
        XCTAssertEqual(introduced, [], "the pass broke the graph", file: file, line: line)
        let feeds = given ?? self.feeds(for: outcome.before)
        let expected = try Interpreter(model: outcome.before).run(feeds)
        let actual = try Interpreter(model: Model(outcome.after.toProto())).run(feeds)
        XCTAssertEqual(Set(actual.keys), Set(expected.keys), file: file, line: line)
        for (name, want) in expected {
            guard let got = actual[name] else { continue }
            XCTAssertEqual(got.shape, want.shape, "output \(name)", file: file, line: line)
            let (a, b) = (values(got), values(want))
            XCTAssertEqual(a.count, b.count, "output \(name)", file: file, line: line)
            for (i, (x, y)) in zip(a, b).enumerated() where !Tolerance.isClose(x, y, absolute: absolute, relative: relative) {
                XCTFail("output \(name)[\(i)]: \(x) after the pass, \(y) before", file: file, line: line)
                break
            }
        }
    }

    /// `assertSameOutputs` with the If condition `c` true, then false.
    static func assertSameOutputsOnBothBranches(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) throws {
        for flag in [true, false] {
            var feeds = self.feeds(for: outcome.before)
            feeds["c"] = Tensor(scalar: flag)
            try assertSameOutputs(outcome, feeds: feeds, file: file, line: line)
        }
    }

    /// Any numeric tensor's elements as Doubles.
    static func values(_ tensor: Tensor) -> [Double] {
        switch tensor.type {
        case .float: return tensor.elements(Float.self).map(Double.init)
        case .double: return tensor.scalars(Double.self)
        default: return tensor.integers().map(Double.init)
        }
    }

    static func ops(_ graph: Graph) -> [String] { graph.nodes.map(\.opType) }

    static func floats(_ graph: Graph, _ name: String) throws -> [Float] {
        try Tensor(proto: XCTUnwrap(graph.initializer(named: name), "no initializer \(name)")).scalars(Float.self)
    }

    static func integers(_ graph: Graph, _ name: String) throws -> [Int64] {
        try Tensor(proto: XCTUnwrap(graph.initializer(named: name), "no initializer \(name)")).integers()
    }

    /// The first subgraph of the main graph's first node that has one.
    static func firstSubgraph(_ model: Model, _ index: Int = 0) throws -> Graph {
        try XCTUnwrap(model.graph.nodes.first { !$0.subgraphs.isEmpty }?.subgraphs[index])
    }

    /// If(c) with the two branches, over the graph inputs c, x and whatever `inputs` adds.
    static func ifModel(then: GraphProto, else otherwise: GraphProto, inputs: [ValueInfoProto],
                        initializers: [TensorProto] = [], output: ValueInfoProto, opset: Int64 = 13) -> ModelProto {
        let node = TestModels.node("If", ["c"], [output.name!], name: "branch", attributes: [
            TestModels.graphAttribute("then_branch", then), TestModels.graphAttribute("else_branch", otherwise),
        ])
        return TestModels.model(TestModels.graph([node], inputs: [TestModels.value("c", .bool, [])] + inputs, outputs: [output],
                                      initializers: initializers), opset: opset)
    }

    /// A 64-bit linear congruential generator (Knuth's MMIX constants).
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
    }
}
