import ONNXModel

/// Removes nodes none of whose outputs is read (by a node of the graph, a subgraph of one, or
/// the graph's outputs), then initializers nothing reads and value_info entries for names that
/// no longer exist. Subgraphs go first, so an outer value a body stopped reading is freed too.
public struct DeadCodeEliminationPass: GraphPass {
    public let name = "dead-code-elimination"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        GraphTraversal.apply(to: model, order: .nestedFirst) { graph in
            let nodes = removeDeadNodes(in: graph)
            let initializers = removeUnusedInitializers(in: graph)
            let valueInfo = removeStaleValueInfo(in: graph)
            return nodes || initializers || valueInfo
        }
    }

    /// One sweep from the last node back: in topological order every reader of a node comes
    /// after it, so a whole dead chain is known once its end is.
    private func removeDeadNodes(in graph: Graph) -> Bool {
        var dead: Set<ObjectIdentifier> = []
        var doomed: [Node] = []
        for node in graph.nodes.reversed() {
            let unread = node.outputs.allSatisfy { output in
                output.isEmpty || !graph.isGraphOutput(output)
                    && graph.consumers(of: output).allSatisfy { dead.contains(ObjectIdentifier($0)) }
            }
            guard unread else { continue }
            dead.insert(ObjectIdentifier(node))
            doomed.append(node)
        }
        graph.remove(doomed)
        for node in doomed.reversed() { report?.note("removed unused \(node.described)", in: graph) }
        return !doomed.isEmpty
    }

    /// Initializers that are graph inputs stay: removing one would turn a default into a
    /// required input.
    private func removeUnusedInitializers(in graph: Graph) -> Bool {
        let unused = graph.initializers.compactMap(\.name).filter { !graph.isGraphInput($0) && !graph.isUsed($0) }
        graph.removeInitializers(named: Set(unused))
        for name in unused { report?.note("removed unused initializer \(name)", in: graph) }
        return !unused.isEmpty
    }

    /// value_info entries for names the graph neither defines nor reads.
    private func removeStaleValueInfo(in graph: Graph) -> Bool {
        let defined = graph.definedNames
        let before = graph.valueInfo.count
        graph.valueInfo.removeAll { info in
            guard let name = info.name else { return true }
            return !defined.contains(name) && graph.consumers(of: name).isEmpty
        }
        let dropped = before - graph.valueInfo.count
        if dropped > 0 { report?.note("dropped \(dropped) value_info entries of names that no longer exist", in: graph) }
        return dropped > 0
    }
}
