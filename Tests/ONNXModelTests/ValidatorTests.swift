import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

final class ValidatorTests: XCTestCase {
    func model(_ nodes: [NodeProto], inputs: [String] = ["x"], outputs: [String] = ["y"],
               initializers: [TensorProto] = [], extraOpsets: [OperatorSetIdProto] = []) -> Model {
        var graph = GraphProto()
        graph.name = "g"
        graph.node = nodes
        graph.input = inputs.map { TestModels.value($0) }
        graph.output = outputs.map { TestModels.value($0) }
        graph.initializer = initializers
        return Model(TestModels.model(graph, extraOpsets: extraOpsets))
    }

    func testValidModelHasNoFindings() {
        XCTAssertEqual(Validator.validate(Model(TestModels.mlp())), [])
        XCTAssertEqual(Validator.validate(Model(TestModels.weighted())), [])
        let custom = model([TestModels.node("Foo", ["x"], ["y"], name: "foo", domain: "com.x")],
                           extraOpsets: [OperatorSetIdProto(domain: "com.x", version: 1)])
        XCTAssertEqual(Validator.validate(custom), [])
        // "ai.onnx" and "" are the same domain.
        XCTAssertEqual(Validator.validate(model([TestModels.node("Relu", ["x"], ["y"], domain: "ai.onnx")])), [])
    }

    func testUndefinedInput() {
        let m = model([TestModels.node("Add", ["x", "ghost"], ["y"], name: "add")])
        XCTAssertEqual(Validator.validate(m), ["graph: node 'add' (Add) reads 'ghost', which nothing defines"])
    }

    func testNodeBeforeItsProducer() {
        let m = model([TestModels.node("Neg", ["a"], ["y"], name: "neg"), TestModels.node("Relu", ["x"], ["a"], name: "relu")])
        XCTAssertEqual(Validator.validate(m),
                       ["graph: node 'neg' (Neg) reads 'a' before it is produced (not in topological order, or a cycle)"])
        // Sorting fixes it.
        XCTAssertNoThrow(try m.graph.sortTopologically())
        XCTAssertEqual(Validator.validate(m), [])
    }

    func testDuplicateOutputName() {
        let m = model([TestModels.node("Relu", ["x"], ["y"], name: "first"), TestModels.node("Neg", ["x"], ["y"], name: "second")])
        XCTAssertEqual(Validator.validate(m), ["graph: 'y' is defined more than once (output of node 'second')"])
        let shadowed = model([TestModels.node("Relu", ["x"], ["x"], name: "r")], outputs: ["x"])
        XCTAssertEqual(Validator.validate(shadowed), ["graph: 'x' is defined more than once (output of node 'r')"])
    }

    func testUndeclaredDomain() {
        let m = model([TestModels.node("Foo", ["x"], ["y"], name: "foo", domain: "com.x")])
        XCTAssertEqual(Validator.validate(m), ["graph: node 'foo' (Foo) uses domain 'com.x', which the model does not import"])
    }

    func testGraphOutputNeverProduced() {
        let m = model([TestModels.node("Relu", ["x"], ["y"], name: "r")], outputs: ["y", "z"])
        XCTAssertEqual(Validator.validate(m), ["graph: graph output 'z' is never produced"])
    }

    func testMissingOpsetAndOpType() {
        var proto = TestModels.mlp()
        proto.opsetImport = []
        proto.graph!.node[2].opType = ""
        let findings = Validator.validate(Model(proto))
        XCTAssertEqual(findings.first, "model: no opset_import")
        XCTAssertTrue(findings.contains("graph: node 'relu' () has no op_type"), "\(findings)")
        XCTAssertTrue(findings.contains("graph: node 'relu' () uses domain 'ai.onnx', which the model does not import"), "\(findings)")
    }

    func testSubgraphsSeeOuterNamesDefinedBeforeTheirNode() {
        var branch = GraphProto()
        branch.node = [TestModels.node("Add", ["x", "early", "late"], ["t"], name: "inner")]
        branch.output = [TestModels.value("t")]
        let m = model([
            TestModels.node("Relu", ["x"], ["early"], name: "e"),
            TestModels.node("If", ["x"], ["y"], name: "if", attributes: [TestModels.graphAttribute("then_branch", branch)]),
            TestModels.node("Relu", ["x"], ["late"], name: "l"),
        ])
        let findings = Validator.validate(m)
        XCTAssertEqual(findings.count, 1, "\(findings)")
        XCTAssertTrue(findings.first?.hasPrefix("graph.if.subgraph[0]: node 'inner' (Add) reads 'late'") == true, "\(findings)")
    }

    func testDanglingReferenceFixture() throws {
        let path = TestPaths.fixture("dangling_reference.onnx")
        guard TestPaths.exists(path) else { throw XCTSkip("no dangling_reference fixture") }
        let findings = Validator.validate(Model(try ModelFile.load(path)))
        XCTAssertEqual(findings.count, 1, "\(findings)")
        XCTAssertTrue(findings.first?.contains("which nothing defines") == true, "\(findings)")
    }

    func testValidFixturesAndSharedModelsHaveNoFindings() throws {
        let manifest = (try? String(contentsOfFile: TestPaths.fixture("MANIFEST.txt"), encoding: .utf8)) ?? ""
        let valid = manifest.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return parts.count >= 2 && parts[1] == "valid" ? String(parts[0]) : nil
        }
        let files = valid.map(TestPaths.fixture) + TestPaths.onnxFiles(in: TestPaths.sharedModels)
        guard !files.isEmpty else { throw XCTSkip("no models") }
        for path in files {
            XCTAssertEqual(Validator.validate(Model(try ModelFile.load(path))), [], FilePath.fileName(of: path))
        }
    }
}

// MARK: - PassManager

/// Test passes.
struct RemoveNode: GraphPass {
    let name = "remove-node"
    let label: String
    func run(on model: Model) throws -> Bool {
        guard let node = model.graph.nodes.first(where: { $0.label == label }) else { return false }
        model.graph.remove(node)
        return true
    }
}

struct NoOp: GraphPass {
    let name = "no-op"
    func run(on model: Model) throws -> Bool { false }
}

struct InsertIdentity: GraphPass {
    let name = "insert-identity"
    /// Puts an Identity after the producer of `tensor` and makes its consumers read the copy.
    let tensor: String
    func run(on model: Model) throws -> Bool {
        let graph = model.graph
        let copy = tensor + "_copy"
        let consumers = graph.consumers(of: tensor)
        let identity = Node(opType: "Identity", name: copy, inputs: [tensor], outputs: [copy])
        graph.insert(identity, after: graph.producer(of: tensor)!)
        for node in consumers {
            for (slot, input) in node.inputs.enumerated() where input == tensor { graph.setInput(of: node, at: slot, to: copy) }
        }
        return true
    }
}

struct Failing: GraphPass {
    let name = "failing"
    func run(on model: Model) throws -> Bool { throw ModelError.unsupported("nope") }
}

final class PassManagerTests: XCTestCase {
    func testRunsPassesInOrderAndReportsChanges() throws {
        let model = Model(TestModels.mlp())
        var log: [String] = []
        let manager = PassManager([NoOp(), InsertIdentity(tensor: "mm"), NoOp()]) { log.append("\($0):\($1)") }
        XCTAssertEqual(try manager.run(on: model), ["insert-identity"])
        XCTAssertEqual(log, ["no-op:false", "insert-identity:true", "no-op:false"])
        XCTAssertEqual(IR.labels(model.graph.nodes), ["matmul", "mm_copy", "add", "relu"])
        XCTAssertEqual(model.graph.nodes[2].inputs, ["mm_copy", "b"])
        XCTAssertEqual(Validator.validate(model), [])
    }

    func testPassThatBreaksTheGraphIsStoppedInDebugBuilds() throws {
        let model = Model(TestModels.mlp())
        let manager = PassManager([RemoveNode(label: "add"), NoOp()])
        #if DEBUG
        XCTAssertThrowsError(try manager.run(on: model)) { error in
            guard case .invalidGraph(let message)? = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("pass remove-node broke the graph: "), message)
            XCTAssertTrue(message.contains("reads 'sum', which nothing defines"), message)
        }
        #else
        XCTAssertEqual(try manager.run(on: model), ["remove-node"])
        #endif
    }

    func testProblemsThatWereThereBeforeAreNotBlamedOnAPass() throws {
        var proto = TestModels.mlp()
        proto.graph!.node[2].input = ["ghost"]
        let model = Model(proto)
        XCTAssertFalse(Validator.validate(model).isEmpty)
        XCTAssertEqual(try PassManager([NoOp(), InsertIdentity(tensor: "mm")]).run(on: model), ["insert-identity"])
    }

    func testErrorsFromAPassPropagate() {
        XCTAssertThrowsError(try PassManager([Failing()]).run(on: Model(TestModels.mlp()))) { error in
            XCTAssertEqual(error as? ModelError, .unsupported("nope"))
        }
    }
}
