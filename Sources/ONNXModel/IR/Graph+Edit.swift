import ProtoWire

/// The edit API. Every change goes through these methods so the indexes stay right; passes
/// never assign to a node's inputs or outputs directly.
extension Graph {
    // MARK: Nodes

    public func append(_ node: Node) { insert(node, at: nodes.count) }

    public func insert(_ node: Node, at position: Int) {
        precondition(node.graph == nil, "node \(node.label) is already in a graph")
        nodes.insert(node, at: position)
        node.graph = self
        for subgraph in node.subgraphs { subgraph.parent = self }
        index(node)
    }

    public func insert(_ node: Node, before anchor: Node) {
        insert(node, at: index(of: anchor) ?? nodes.count)
    }

    public func insert(_ node: Node, after anchor: Node) {
        insert(node, at: (index(of: anchor) ?? nodes.count - 1) + 1)
    }

    public func remove(_ node: Node) {
        guard let position = index(of: node) else { return }
        unindex(node)
        nodes.remove(at: position)
        node.graph = nil
    }

    /// Removes many nodes in one sweep (a pass that deletes dead nodes, say).
    public func remove(_ doomed: [Node]) {
        let ids = Set(doomed.map(ObjectIdentifier.init))
        for node in doomed where node.graph === self { unindex(node) }
        nodes.removeAll { node in
            guard ids.contains(ObjectIdentifier(node)) else { return false }
            node.graph = nil
            return true
        }
    }

    // MARK: Rewiring

    public func setInput(of node: Node, at slot: Int, to name: String) {
        unindex(node)
        node.inputs[slot] = name
        index(node)
    }

    public func setInputs(of node: Node, to names: [String]) {
        unindex(node)
        node.inputs = names
        index(node)
    }

    public func setOutput(of node: Node, at slot: Int, to name: String) {
        unindex(node)
        node.outputs[slot] = name
        index(node)
    }

    public func setOutputs(of node: Node, to names: [String]) {
        unindex(node)
        node.outputs = names
        index(node)
    }

    /// Makes every consumer of `old` in this graph read `new` instead (graph outputs too when
    /// asked). Subgraphs that read `old` from this scope are rewired as well.
    public func replaceUses(of old: String, with new: String, includingGraphOutputs: Bool = false) {
        for node in consumers(of: old) {
            unindex(node)
            node.inputs = node.inputs.map { $0 == old ? new : $0 }
            for subgraph in node.subgraphs { subgraph.renameOuterReference(old, to: new) }
            index(node)
        }
        if includingGraphOutputs {
            for i in outputs.indices where outputs[i].name == old { outputs[i].name = new }
        }
    }

    /// Renames a tensor everywhere it appears in this graph: its producer or graph input,
    /// initializer, value_info, consumers, graph outputs and subgraphs that read it.
    public func rename(_ old: String, to new: String) {
        if let producer = producers[old] {
            unindex(producer)
            producer.outputs = producer.outputs.map { $0 == old ? new : $0 }
            index(producer)
        }
        for i in inputs.indices where inputs[i].name == old { inputs[i].name = new }
        for i in valueInfo.indices where valueInfo[i].name == old { valueInfo[i].name = new }
        if let position = initializerIndex[old] {
            initializers[position].name = new
            initializerIndex[old] = nil
            initializerIndex[new] = position
        }
        replaceUses(of: old, with: new, includingGraphOutputs: true)
    }

    /// Renames a name this subgraph reads from an enclosing scope, unless it defines it itself.
    func renameOuterReference(_ old: String, to new: String) {
        guard !definedNames.contains(old) else { return }
        for node in consumers(of: old) {
            unindex(node)
            node.inputs = node.inputs.map { $0 == old ? new : $0 }
            for subgraph in node.subgraphs { subgraph.renameOuterReference(old, to: new) }
            index(node)
        }
        for i in outputs.indices where outputs[i].name == old { outputs[i].name = new }
    }

    // MARK: Initializers

    /// Adds an initializer, or replaces the one of the same name.
    public func setInitializer(_ tensor: TensorProto) {
        precondition(tensor.name != nil, "an initializer needs a name")
        if let position = initializerIndex[tensor.name!] {
            initializers[position] = tensor
        } else {
            initializerIndex[tensor.name!] = initializers.count
            initializers.append(tensor)
        }
    }

    public func removeInitializer(named name: String) {
        guard let position = initializerIndex[name] else { return }
        initializers.remove(at: position)
        reindexInitializers()
    }

    /// Removes every initializer with one of these names in one sweep (one call per name would
    /// rebuild the index each time).
    public func removeInitializers(named names: Set<String>) {
        guard names.contains(where: { initializerIndex[$0] != nil }) else { return }
        initializers.removeAll { $0.name.map(names.contains) ?? false }
        reindexInitializers()
    }

    private func reindexInitializers() {
        initializerIndex = [:]
        for (i, tensor) in initializers.enumerated() where tensor.name != nil { initializerIndex[tensor.name!] = i }
    }

    // MARK: Order

    /// Reorders nodes topologically, keeping the current order wherever it is already valid
    /// (so a sorted graph is unchanged). Throws when the graph has a cycle.
    public func sortTopologically() throws {
        var pending: [ObjectIdentifier: Int] = [:]
        var dependents: [ObjectIdentifier: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            var count = 0
            for input in Set(node.inputs + node.implicitInputs) where !input.isEmpty {
                // A node reading its own output can never become ready: reported as a cycle.
                if let producer = producers[input] {
                    count += 1
                    dependents[ObjectIdentifier(producer), default: []].append(i)
                }
            }
            pending[ObjectIdentifier(node)] = count
        }
        // A min-heap on original position keeps the order stable.
        var ready = Heap<Int>()
        for (i, node) in nodes.enumerated() where pending[ObjectIdentifier(node)] == 0 { ready.push(i) }
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let i = ready.pop() {
            let node = nodes[i]
            order.append(node)
            for j in dependents[ObjectIdentifier(node)] ?? [] {
                let id = ObjectIdentifier(nodes[j])
                pending[id]! -= 1
                if pending[id] == 0 { ready.push(j) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = nodes.filter { pending[ObjectIdentifier($0)]! > 0 }.map(\.label)
            throw ModelError.invalidGraph("graph '\(name ?? "")' has a cycle through nodes: " + stuck.prefix(5).joined(separator: ", "))
        }
        nodes = order
    }
}

/// A small binary min-heap.
struct Heap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
