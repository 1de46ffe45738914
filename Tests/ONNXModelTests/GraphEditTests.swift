import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// The edit API keeps the producer, consumer and initializer indexes right after every change.
final class GraphEditTests: XCTestCase {
    // MARK: Nodes

    func testAppendInsertAndRemove() {
        let graph = IR.graph("g", inputs: ["x"], outputs: ["c"], nodes: [])
        let a = IR.node("Relu", ["x"], ["a"])
        graph.append(a)
        XCTAssertTrue(graph.producer(of: "a") === a)
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["a"])
        XCTAssertTrue(a.graph === graph)
        assertIndexesConsistent(graph)

        let c = IR.node("Add", ["a", "b"], ["c"])
        graph.append(c)
        let b = IR.node("Sigmoid", ["x"], ["b"])
        graph.insert(b, before: c)
        XCTAssertEqual(IR.labels(graph.nodes), ["a", "b", "c"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["a", "b"])
        assertIndexesConsistent(graph)

        let d = IR.node("Neg", ["a"], ["d"])
        graph.insert(d, after: a)
        let e = IR.node("Exp", ["x"], ["e"])
        graph.insert(e, at: 0)
        XCTAssertEqual(IR.labels(graph.nodes), ["e", "a", "d", "b", "c"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["e", "a", "b"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "a")), ["d", "c"])
        assertIndexesConsistent(graph)

        graph.remove(a)
        XCTAssertNil(a.graph)
        XCTAssertNil(graph.producer(of: "a"))
        XCTAssertNil(graph.index(of: a))
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["e", "b"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "a")), ["d", "c"], "consumers of a removed producer's output stay")
        assertIndexesConsistent(graph)

        graph.remove([d, e, c])
        XCTAssertEqual(IR.labels(graph.nodes), ["b"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["b"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "a")), [])
        XCTAssertNil(graph.producer(of: "c"))
        XCTAssertTrue([d, e, c].allSatisfy { $0.graph == nil })
        assertIndexesConsistent(graph, also: ["a", "c", "d", "e"])

        // Removing a node that is not in the graph changes nothing.
        graph.remove(a)
        XCTAssertEqual(IR.labels(graph.nodes), ["b"])
        // A removed node can be inserted again.
        graph.insert(a, at: 0)
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["a", "b"])
        assertIndexesConsistent(graph)
    }

    func testConsumersFollowGraphOrderAfterEdits() {
        let graph = IR.graph("g", inputs: ["x"], nodes: [
            IR.node("Relu", ["x"], ["n1"]), IR.node("Relu", ["x"], ["n2"]), IR.node("Relu", ["x"], ["n3"]),
        ])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["n1", "n2", "n3"])
        // Inserted in front, after the order was asked for once (cached positions must not go stale).
        graph.insert(IR.node("Relu", ["x"], ["n0"]), at: 0)
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["n0", "n1", "n2", "n3"])
        let n2 = graph.nodes[2]
        graph.remove(n2)
        graph.append(n2)
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["n0", "n1", "n3", "n2"])
        assertIndexesConsistent(graph)
    }

    // MARK: Rewiring

    func testSetInputAndSetInputs() {
        let mul = IR.node("Mul", ["x", "x"], ["m"])
        let graph = IR.graph("g", inputs: ["x", "y"], outputs: ["m"], nodes: [mul])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["m"], "a node reading a name twice is listed once")
        graph.setInput(of: mul, at: 0, to: "y")
        XCTAssertEqual(mul.inputs, ["y", "x"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["m"], "slot 1 still reads x")
        XCTAssertEqual(IR.labels(graph.consumers(of: "y")), ["m"])
        graph.setInput(of: mul, at: 1, to: "y")
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), [])
        assertIndexesConsistent(graph, also: ["x"])
        graph.setInputs(of: mul, to: ["x", "", "z"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "y")), [])
        XCTAssertEqual(IR.labels(graph.consumers(of: "z")), ["m"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "")), [], "an empty name is an absent optional input, not a tensor")
        assertIndexesConsistent(graph, also: ["y"])
    }

    func testSetOutputMovesTheProducer() {
        let relu = IR.node("Relu", ["x"], ["r", "extra"])
        let user = IR.node("Neg", ["r"], ["n"])
        let graph = IR.graph("g", inputs: ["x"], nodes: [relu, user])
        graph.setOutput(of: relu, at: 0, to: "r2")
        XCTAssertNil(graph.producer(of: "r"))
        XCTAssertTrue(graph.producer(of: "r2") === relu)
        XCTAssertTrue(graph.producer(of: "extra") === relu)
        XCTAssertEqual(IR.labels(graph.consumers(of: "r")), ["n"], "consumers are not rewired by setOutput")
        assertIndexesConsistent(graph, also: ["r"])
    }

    func testReplaceUses() {
        let graph = IR.graph("g", inputs: ["x"], outputs: ["a", "c"], nodes: [
            IR.node("Relu", ["x"], ["a"]), IR.node("Neg", ["a"], ["b"]), IR.node("Add", ["a", "b"], ["c"]),
            IR.node("Identity", ["x"], ["a2"]),
        ])
        graph.replaceUses(of: "a", with: "a2")
        XCTAssertEqual(IR.labels(graph.consumers(of: "a")), [])
        XCTAssertEqual(IR.labels(graph.consumers(of: "a2")), ["b", "c"])
        XCTAssertEqual(graph.nodes[2].inputs, ["a2", "b"])
        XCTAssertEqual(graph.outputs.map(\.name), ["a", "c"], "graph outputs only when asked")
        XCTAssertEqual(graph.producer(of: "a")?.label, "a", "the producer keeps its output")
        assertIndexesConsistent(graph)

        graph.replaceUses(of: "a", with: "a2", includingGraphOutputs: true)
        XCTAssertEqual(graph.outputs.map(\.name), ["a2", "c"])
        assertIndexesConsistent(graph)
    }

    func testReplaceUsesRewiresSubgraphsReadingTheName() {
        let branch = IR.graph("then", outputs: ["t"], nodes: [IR.node("Mul", ["v", "k"], ["t"])])
        let passThrough = IR.graph("else", outputs: ["v"], nodes: [])   // the branch's output is the outer name itself
        let graph = IR.graph("g", inputs: ["x", "c"], outputs: ["y"], nodes: [
            IR.node("Relu", ["x"], ["v"]), IR.node("Relu", ["x"], ["w"]),
            IR.node("If", ["c"], ["y"], subgraphs: [("then_branch", branch), ("else_branch", passThrough)]),
        ])
        let ifNode = graph.nodes[2]
        XCTAssertEqual(ifNode.implicitInputs, ["v", "k"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "v")), ["y"])
        graph.replaceUses(of: "v", with: "w")
        XCTAssertEqual(branch.nodes[0].inputs, ["w", "k"])
        XCTAssertEqual(passThrough.outputs.map(\.name), ["w"])
        XCTAssertEqual(ifNode.implicitInputs, ["w", "k"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "v")), [])
        XCTAssertEqual(IR.labels(graph.consumers(of: "w")), ["y"])
        assertIndexesConsistent(graph, also: ["v"])
    }

    // MARK: Rename

    func testRenameEverywhere() {
        // "x" is a graph input that is also an initializer (IR 3 style) with value_info, read by a
        // node and from inside an If branch; "h" is produced, read, a graph output and in value_info.
        let branch = IR.graph("then", outputs: ["t"], nodes: [IR.node("Add", ["x", "h"], ["t"], name: "inner")])
        let graph = IR.graph("g", inputs: ["x", "c"], outputs: ["h", "y"], nodes: [
            IR.node("Relu", ["x"], ["h"], name: "relu"),
            IR.node("If", ["c"], ["y"], name: "if", subgraphs: [("then_branch", branch)]),
            IR.node("Neg", ["h"], ["n"], name: "neg"),
        ])
        graph.valueInfo = [TestModels.value("h"), TestModels.value("x")]
        graph.setInitializer(TestModels.floatTensor("x", dims: [1], values: [3]))
        assertIndexesConsistent(graph)

        graph.rename("x", to: "input")
        XCTAssertEqual(graph.inputs.map(\.name), ["input", "c"])
        XCTAssertEqual(graph.valueInfo.map(\.name), ["h", "input"])
        XCTAssertNil(graph.initializer(named: "x"))
        XCTAssertEqual(graph.initializer(named: "input")?.rawData, Bytes(Wire.floatBits([3])))
        XCTAssertEqual(graph.nodes[0].inputs, ["input"])
        XCTAssertEqual(branch.nodes[0].inputs, ["input", "h"], "outer-scope reference inside the If branch")
        XCTAssertEqual(graph.nodes[1].implicitInputs, ["input", "h"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "input")), ["relu", "if"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), [])
        assertIndexesConsistent(graph, also: ["x"])

        graph.rename("h", to: "hidden")
        XCTAssertEqual(graph.nodes[0].outputs, ["hidden"])
        XCTAssertTrue(graph.producer(of: "hidden") === graph.nodes[0])
        XCTAssertNil(graph.producer(of: "h"))
        XCTAssertEqual(graph.outputs.map(\.name), ["hidden", "y"])
        XCTAssertEqual(graph.valueInfo.map(\.name), ["hidden", "input"])
        XCTAssertEqual(branch.nodes[0].inputs, ["input", "hidden"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "hidden")), ["if", "neg"])
        assertIndexesConsistent(graph, also: ["h"])
    }

    func testRenameLeavesAShadowingSubgraphAlone() {
        // The body declares its own input "x": its reads of "x" are not the outer "x".
        let body = IR.graph("body", inputs: ["x"], outputs: ["o"], nodes: [IR.node("Add", ["x", "k"], ["o"])])
        let graph = IR.graph("g", inputs: ["x", "k"], outputs: ["y"], nodes: [
            IR.node("Scan", ["x"], ["y"], subgraphs: [("body", body)]),
        ])
        XCTAssertEqual(graph.nodes[0].implicitInputs, ["k"])
        graph.rename("x", to: "x2")
        XCTAssertEqual(graph.nodes[0].inputs, ["x2"])
        XCTAssertEqual(body.inputs.map(\.name), ["x"])
        XCTAssertEqual(body.nodes[0].inputs, ["x", "k"])
        graph.rename("k", to: "k2")
        XCTAssertEqual(body.nodes[0].inputs, ["x", "k2"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "k2")), ["y"])
        assertIndexesConsistent(graph, also: ["x", "k"])
    }

    func testRenameReachesNestedSubgraphs() {
        // Loop body -> If -> branch reading the top-level "s".
        let inner = IR.graph("inner", outputs: ["i"], nodes: [IR.node("Mul", ["v", "s"], ["i"])])
        let body = IR.graph("body", inputs: ["iter", "cond_in", "v"], outputs: ["cond_in", "o"], nodes: [
            IR.node("If", ["flag"], ["o"], subgraphs: [("then_branch", inner)]),
        ])
        let graph = IR.graph("g", inputs: ["s", "flag", "n"], outputs: ["y"], nodes: [
            IR.node("Loop", ["n", "", "s"], ["y"], subgraphs: [("body", body)]),
        ])
        XCTAssertEqual(body.nodes[0].implicitInputs, ["v", "s"], "v is the body's own, but outer to the branch")
        XCTAssertEqual(graph.nodes[0].implicitInputs, ["flag", "s"])
        graph.rename("s", to: "scale")
        XCTAssertEqual(graph.nodes[0].inputs, ["n", "", "scale"])
        XCTAssertEqual(inner.nodes[0].inputs, ["v", "scale"])
        XCTAssertEqual(graph.nodes[0].implicitInputs, ["flag", "scale"])
        graph.rename("flag", to: "f")
        XCTAssertEqual(body.nodes[0].inputs, ["f"])
        assertIndexesConsistent(graph, also: ["s", "flag"])
    }

    func testRenameInTheSubgraphsFixture() throws {
        let path = TestPaths.fixture("subgraphs.onnx")
        guard TestPaths.exists(path) else { throw XCTSkip("no subgraphs fixture") }
        let model = Model(try ModelFile.load(path))
        let graph = model.graph
        assertIndexesConsistent(graph)
        XCTAssertEqual(IR.labels(graph.consumers(of: "scale")), ["top_if", "top_loop", "top_scan"])
        graph.rename("scale", to: "gamma")
        let everyNode = ([graph] + graph.allSubgraphs).flatMap(\.nodes)
        XCTAssertFalse(everyNode.contains { $0.inputs.contains("scale") })
        XCTAssertEqual(everyNode.filter { $0.inputs.contains("gamma") }.map(\.label), ["then_mul", "body_add", "scan_mul"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "gamma")), ["top_if", "top_loop", "top_scan"])
        XCTAssertNotNil(graph.initializer(named: "gamma"))
        assertIndexesConsistent(graph, also: ["scale"])
        // And back: the model is byte-identical to the file again.
        graph.rename("gamma", to: "scale")
        XCTAssertEqual(model.toProto().serializedBytes(), try TestFiles.read(path))
    }

    // MARK: Initializers

    func testSetAndRemoveInitializers() {
        let graph = IR.graph("g", nodes: [])
        graph.setInitializer(TestModels.floatTensor("a", dims: [1], values: [1]))
        graph.setInitializer(TestModels.floatTensor("b", dims: [1], values: [2]))
        graph.setInitializer(TestModels.floatTensor("c", dims: [1], values: [3]))
        XCTAssertEqual(graph.initializers.map(\.name), ["a", "b", "c"])
        graph.setInitializer(TestModels.floatTensor("b", dims: [2], values: [4, 5]))
        XCTAssertEqual(graph.initializers.map(\.name), ["a", "b", "c"], "replaced in place")
        XCTAssertEqual(graph.initializer(named: "b")?.dims, [2])
        graph.removeInitializer(named: "a")
        XCTAssertEqual(graph.initializers.map(\.name), ["b", "c"])
        XCTAssertNil(graph.initializer(named: "a"))
        XCTAssertEqual(graph.initializer(named: "c")?.rawData, Bytes(Wire.floatBits([3])), "index rebuilt after removal")
        graph.removeInitializer(named: "missing")
        XCTAssertEqual(graph.initializers.count, 2)
        graph.setInitializer(TestModels.floatTensor("d", dims: [1], values: [6]))
        XCTAssertEqual(graph.initializer(named: "d")?.rawData, Bytes(Wire.floatBits([6])))
        assertIndexesConsistent(graph, also: ["a"])
        XCTAssertEqual(graph.toProto().initializer.map(\.name), ["b", "c", "d"])
    }

    func testRemoveManyInitializersAtOnce() {
        let graph = IR.graph("g", nodes: [])
        for (i, name) in ["a", "b", "c", "d"].enumerated() {
            graph.setInitializer(TestModels.floatTensor(name, dims: [1], values: [Float(i)]))
        }
        graph.removeInitializers(named: ["a", "c", "missing"])
        XCTAssertEqual(graph.initializers.map(\.name), ["b", "d"])
        XCTAssertEqual(graph.initializer(named: "d")?.rawData, Bytes(Wire.floatBits([3])), "index rebuilt after removal")
        assertIndexesConsistent(graph, also: ["a", "c"])
    }

    // MARK: Attributes

    func testSetAttributeReplacesInPlaceOrAppends() {
        let node = IR.node("Gemm", ["a", "b"], ["y"])
        node.setAttribute(.float("alpha", 2))
        node.setAttribute(.int("transB", 1))
        node.setAttribute(.float("alpha", 0.5))
        node.setAttribute(.string("note", "fused"))
        XCTAssertEqual(node.attributes.map(\.name), ["alpha", "transB", "note"])
        XCTAssertEqual(node.attribute("alpha")?.float, 0.5)
        XCTAssertEqual(node.attribute("alpha")?.type, .float)
        XCTAssertEqual(node.attribute("transB")?.int, 1)
        XCTAssertEqual(node.attribute("note")?.string, "fused")
        node.removeAttribute(named: "transB")
        XCTAssertEqual(node.attributes.map(\.name), ["alpha", "note"])
    }

    // MARK: Subgraphs

    func testImplicitInputs() {
        // then: reads x and its own t; else: reads y, x, an empty optional name, and returns z.
        let thenBranch = IR.graph("then", outputs: ["t2"], nodes: [
            IR.node("Relu", ["x"], ["t"]), IR.node("Add", ["t", "x"], ["t2"]),
        ])
        let elseBranch = IR.graph("else", outputs: ["z"], nodes: [IR.node("Clip", ["y", "", "x"], ["e"])])
        let ifNode = IR.node("If", ["c"], ["o"], subgraphs: [("then_branch", thenBranch), ("else_branch", elseBranch)])
        XCTAssertEqual(ifNode.implicitInputs, ["x", "y", "z"])
        XCTAssertEqual(thenBranch.outerScopeReferences(), ["x"])
        XCTAssertEqual(elseBranch.outerScopeReferences(), ["y", "x", "z"])
        XCTAssertEqual(thenBranch.definedNames, ["t", "t2"])
        XCTAssertEqual(IR.node("Relu", ["x"], ["r"]).implicitInputs, [])

        let graph = IR.graph("g", inputs: ["c", "x", "y", "z"], nodes: [ifNode])
        XCTAssertTrue(thenBranch.parent === graph, "inserting the node adopts its subgraphs")
        XCTAssertEqual(IR.labels(graph.consumers(of: "y")), ["o"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "c")), ["o"])
        XCTAssertEqual(graph.allSubgraphs.map(\.name), ["then", "else"])
        assertIndexesConsistent(graph)
    }

    func testGraphFromProtoLinksSubgraphs() throws {
        var branch = GraphProto()
        branch.name = "b"
        branch.node = [TestModels.node("Neg", ["x"], ["nb"])]
        branch.output = [TestModels.value("nb")]
        var proto = GraphProto()
        proto.name = "main"
        proto.input = [TestModels.value("x"), TestModels.value("c")]
        proto.node = [TestModels.node("If", ["c"], ["y"], name: "if",
                                      attributes: [TestModels.graphAttribute("then_branch", branch),
                                                   TestModels.graphAttribute("else_branch", branch)])]
        let graph = Graph(proto: proto)
        let ifNode = graph.nodes[0]
        XCTAssertEqual(ifNode.subgraphs.count, 2)
        XCTAssertTrue(ifNode.subgraphs.allSatisfy { $0.parent === graph })
        XCTAssertNil(ifNode.attributes[0].proto.g, "the graph lives in the IR, not in the proto")
        XCTAssertEqual(ifNode.implicitInputs, ["x"])
        XCTAssertEqual(IR.labels(graph.consumers(of: "x")), ["if"])
        assertIndexesConsistent(graph)
        XCTAssertEqual(graph.toProto(), proto)
    }
}
