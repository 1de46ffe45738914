import ONNXModel

/// What the optimization passes changed, one line per change, for `--verbose`. Passes are
/// value types run through `GraphPass`, so they share this object instead of returning a log.
public final class PassReport {
    public private(set) var messages: [String] = []

    public init() {}

    public func note(_ message: String) { messages.append(message) }
}

extension PassReport {
    /// Notes a change, naming the subgraph it happened in (the main graph needs no mention).
    func note(_ message: String, in graph: Graph) {
        guard graph.parent != nil else { return note(message) }
        note("\(message) (in subgraph '\(graph.name ?? "")')")
    }
}
