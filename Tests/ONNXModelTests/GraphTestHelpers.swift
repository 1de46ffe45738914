import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Builders and index checks shared by the IR tests.
enum IR {
    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String? = nil,
                     domain: String? = nil, subgraphs: [(String, Graph)] = []) -> Node {
        let attributes = subgraphs.map { (attributeName, graph) -> Attribute in
            var proto = AttributeProto()
            proto.name = attributeName
            proto.type = AttributeProto.AttributeType.graph.rawValue
            var attribute = Attribute(proto)
            attribute.graph = graph
            return attribute
        }
        return Node(opType: op, domain: domain, name: name ?? outputs.first, inputs: inputs, outputs: outputs, attributes: attributes)
    }

    /// A graph with the given inputs, outputs and nodes, built through the edit API.
    static func graph(_ name: String, inputs: [String] = [], outputs: [String] = [], nodes: [Node]) -> Graph {
        let graph = Graph(name: name)
        graph.inputs = inputs.map { TestModels.value($0) }
        graph.outputs = outputs.map { TestModels.value($0) }
        for node in nodes { graph.append(node) }
        return graph
    }

    static func labels(_ nodes: [Node]) -> [String] { nodes.map(\.label) }
}

/// Recomputes what the producer, consumer and initializer indexes must say from the node list
/// and compares, for every name the graph mentions; then checks subgraphs the same way.
func assertIndexesConsistent(_ graph: Graph, also extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
    var names = Set(extra)
    for node in graph.nodes {
        names.formUnion(node.inputs)
        names.formUnion(node.outputs)
        names.formUnion(node.implicitInputs)
    }
    names.formUnion(graph.inputs.compactMap(\.name))
    names.formUnion(graph.outputs.compactMap(\.name))
    names.formUnion(graph.initializers.compactMap(\.name))
    names.remove("")
    for name in names.sorted() {
        let producer = graph.nodes.last { $0.outputs.contains(name) }
        XCTAssertTrue(graph.producer(of: name) === producer,
                      "producer(of: \(name)) is \(graph.producer(of: name)?.label ?? "nil"), expected \(producer?.label ?? "nil")",
                      file: file, line: line)
        let consumers = graph.nodes.filter { $0.inputs.contains(name) || $0.implicitInputs.contains(name) }
        XCTAssertEqual(IR.labels(graph.consumers(of: name)), IR.labels(consumers), "consumers(of: \(name))", file: file, line: line)
        let initializer = graph.initializers.first { $0.name == name }
        XCTAssertEqual(graph.initializer(named: name), initializer, "initializer(named: \(name))", file: file, line: line)
    }
    for (position, node) in graph.nodes.enumerated() {
        XCTAssertTrue(node.graph === graph, "\(node.label).graph", file: file, line: line)
        XCTAssertEqual(graph.index(of: node), position, "index(of: \(node.label))", file: file, line: line)
        for subgraph in node.subgraphs {
            XCTAssertTrue(subgraph.parent === graph, "parent of a subgraph of \(node.label)", file: file, line: line)
            assertIndexesConsistent(subgraph, file: file, line: line)
        }
    }
}
