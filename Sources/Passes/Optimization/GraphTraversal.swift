import ONNXModel

/// Visiting the main graph and every subgraph (If/Loop/Scan bodies) of a model.
public enum GraphTraversal {
    public enum Order {
        /// A graph before the subgraphs of its nodes: what folding wants, so a body sees the
        /// constants its enclosing graph just gained.
        case enclosingFirst
        /// Subgraphs before the graph around them: what dead-code removal wants, so a body that
        /// stopped reading an outer value frees it.
        case nestedFirst
    }

    /// Runs `body` on every graph and returns whether any call changed something. A graph whose
    /// subgraphs changed is reindexed: what a node's subgraphs read from outside (its implicit
    /// inputs) is recorded in the enclosing graph's consumer index.
    @discardableResult
    public static func apply(to model: Model, order: Order, _ body: (Graph) throws -> Bool) rethrows -> Bool {
        try visit(model.graph, order: order, body)
    }

    /// Offers every node of every graph to `rewrite` (enclosing graphs first), skipping nodes an
    /// earlier rewrite removed; returns whether any rewrite changed something.
    public static func rewriteNodes(in model: Model, _ rewrite: (Node, Graph) throws -> Bool) rethrows -> Bool {
        try apply(to: model, order: .enclosingFirst) { graph in
            var changed = false
            for node in graph.nodes where node.graph === graph {
                if try rewrite(node, graph) { changed = true }
            }
            return changed
        }
    }

    private static func visit(_ graph: Graph, order: Order, _ body: (Graph) throws -> Bool) rethrows -> Bool {
        var changed = false
        if order == .enclosingFirst { changed = try body(graph) }
        var nestedChanged = false
        for node in graph.nodes {
            for subgraph in node.subgraphs where try visit(subgraph, order: order, body) { nestedChanged = true }
        }
        if nestedChanged { graph.reindex() }
        if order == .nestedFirst { changed = try body(graph) }
        return changed || nestedChanged
    }
}
