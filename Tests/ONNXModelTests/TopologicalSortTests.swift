import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

final class TopologicalSortTests: XCTestCase {
    func chain() -> [Node] {
        [IR.node("Relu", ["x"], ["a"]), IR.node("Neg", ["a"], ["b"]), IR.node("Add", ["a", "b"], ["c"]),
         IR.node("Exp", ["x"], ["d"]), IR.node("Mul", ["c", "d"], ["e"])]
    }

    func testSortedGraphIsUnchanged() throws {
        let nodes = chain()
        let graph = IR.graph("g", inputs: ["x"], outputs: ["e"], nodes: nodes)
        try graph.sortTopologically()
        XCTAssertTrue(zip(graph.nodes, nodes).allSatisfy { $0 === $1 })
        XCTAssertEqual(graph.nodes.count, nodes.count)
        assertIndexesConsistent(graph)
    }

    func testReversedGraphIsSorted() throws {
        let graph = IR.graph("g", inputs: ["x"], outputs: ["e"], nodes: chain().reversed())
        XCTAssertEqual(IR.labels(graph.nodes), ["e", "d", "c", "b", "a"])
        try graph.sortTopologically()
        // Ready nodes are taken in their current order: d (position 1) before a (position 4).
        XCTAssertEqual(IR.labels(graph.nodes), ["d", "a", "b", "c", "e"])
        assertProducedBeforeUse(graph)
        assertIndexesConsistent(graph)
    }

    func testKeepsTheCurrentOrderWhereverItIsValid() throws {
        let graph = IR.graph("g", inputs: ["x"], nodes: [
            IR.node("Neg", ["c"], ["d"]), IR.node("Relu", ["x"], ["a"]), IR.node("Exp", ["a"], ["c"]), IR.node("Abs", ["x"], ["b"]),
        ])
        try graph.sortTopologically()
        XCTAssertEqual(IR.labels(graph.nodes), ["a", "c", "d", "b"])
    }

    func testShuffledGraphsSortDeterministically() throws {
        // A wider DAG in several fixed shuffles; every result must be a valid order and the
        // same shuffle must always give the same result.
        func dag() -> [Node] {
            var nodes: [Node] = []
            for i in 0..<12 {
                let inputs = i < 3 ? ["x"] : ["t\(i - 3)", "t\(i / 2)"]
                nodes.append(IR.node("Add", inputs, ["t\(i)"]))
            }
            return nodes
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<20 {
            let order = Array(0..<12).shuffled(using: &generator)
            let first = dag(), second = dag()
            let g1 = IR.graph("g", inputs: ["x"], nodes: order.map { first[$0] })
            let g2 = IR.graph("g", inputs: ["x"], nodes: order.map { second[$0] })
            try g1.sortTopologically()
            try g2.sortTopologically()
            assertProducedBeforeUse(g1)
            XCTAssertEqual(IR.labels(g1.nodes), IR.labels(g2.nodes))
            assertIndexesConsistent(g1)
        }
    }

    func testSubgraphReadsAreDependencies() throws {
        // The If branch reads "late", produced by a node placed after the If.
        let branch = IR.graph("then", outputs: ["t"], nodes: [IR.node("Neg", ["late"], ["t"])])
        let graph = IR.graph("g", inputs: ["x", "c"], nodes: [
            IR.node("If", ["c"], ["y"], subgraphs: [("then_branch", branch)]), IR.node("Relu", ["x"], ["late"]),
        ])
        try graph.sortTopologically()
        XCTAssertEqual(IR.labels(graph.nodes), ["late", "y"])
    }

    func testCycleThrowsNamingTheNodes() {
        let graph = IR.graph("loopy", inputs: ["x"], nodes: [
            IR.node("Relu", ["x"], ["free"], name: "free_node"),
            IR.node("Add", ["x", "q"], ["p"], name: "cycle_p"), IR.node("Neg", ["p"], ["q"], name: "cycle_q"),
            IR.node("Abs", ["q"], ["after"], name: "downstream"),
        ])
        let before = graph.nodes
        XCTAssertThrowsError(try graph.sortTopologically()) { error in
            guard case .invalidGraph(let message)? = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("loopy"), message)
            XCTAssertTrue(message.contains("cycle_p"), message)
            XCTAssertTrue(message.contains("cycle_q"), message)
            XCTAssertFalse(message.contains("free_node"), message)
        }
        XCTAssertTrue(zip(graph.nodes, before).allSatisfy { $0 === $1 }, "a failed sort leaves the order alone")
    }

    func testNodeReadingItsOwnOutputIsACycle() {
        let graph = IR.graph("g", inputs: ["x"], nodes: [IR.node("Add", ["x", "s"], ["s"], name: "self_loop")])
        XCTAssertThrowsError(try graph.sortTopologically(), "a node that reads its own output can never run") { error in
            XCTAssertTrue("\(error)".contains("self_loop"), "\(error)")
        }
    }

    func assertProducedBeforeUse(_ graph: Graph, file: StaticString = #filePath, line: UInt = #line) {
        var available = Set(graph.inputs.compactMap(\.name))
        for node in graph.nodes {
            for input in node.inputs + node.implicitInputs where !input.isEmpty && graph.producer(of: input) != nil {
                XCTAssertTrue(available.contains(input), "\(node.label) reads \(input) before it is produced", file: file, line: line)
            }
            available.formUnion(node.outputs)
        }
    }
}

/// A small deterministic generator (SplitMix64) for shuffles.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
