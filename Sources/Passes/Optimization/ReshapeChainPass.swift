import ONNXModel
import Runtime

/// Removes Reshape, Squeeze, Unsqueeze and Flatten nodes whose output shape equals their
/// input's, and collapses chains of them (each link read only by the next) into one Reshape
/// to the chain's final shape, when value_info knows that shape well enough to write it.
public struct ReshapeChainPass: GraphPass {
    public let name = "reshape-chain"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    static let reshapingOps: Set<String> = ["Reshape", "Squeeze", "Unsqueeze", "Flatten"]

    public func run(on model: Model) throws -> Bool {
        // Reshape takes its shape as an input from opset 5 on.
        guard let opset = model.opsetVersion(for: ""), opset >= 5 else { return false }
        let names = NameAllocator(model)
        let changed = GraphTraversal.apply(to: model, order: .enclosingFirst) { graph in
            let removed = removeNoOps(in: graph)
            let collapsed = collapseChains(in: graph, names: names)
            return removed || collapsed
        }
        if changed { IRVersion.allowConstantInitializers(model, report: report) }
        return changed
    }

    private func removeNoOps(in graph: Graph) -> Bool {
        var changed = false
        for node in graph.nodes where node.graph === graph && Self.isReshaping(node) {
            guard let input = graph.dims(of: node.inputs[0]), let output = graph.dims(of: node.outputs[0]),
                  Self.sameShape(input, output), graph.bypass(node, from: node.inputs[0], to: node.outputs[0]) else { continue }
            report?.note("removed \(node.described), which keeps the shape", in: graph)
            changed = true
        }
        return changed
    }

    private func collapseChains(in graph: Graph, names: NameAllocator) -> Bool {
        var changed = false
        for first in graph.nodes where first.graph === graph && Self.isReshaping(first) {
            let chain = Self.chain(from: first, in: graph)
            guard chain.count >= 2, let last = chain.last, let output = last.outputs.first,
                  let shape = Self.reshapeTarget(from: graph.dims(of: first.inputs[0]), to: graph.dims(of: output))
            else { continue }
            let position = graph.index(of: first) ?? graph.nodes.count
            let shapeName = graph.addConstant(Tensor(shape, shape: [shape.count]), names: names, base: "\(output)_shape")
            let reshape = Node(opType: "Reshape", name: last.name, inputs: [first.inputs[0], shapeName], outputs: [output])
            for link in chain.dropLast() { graph.removeValueInfo(named: link.outputs[0]) }
            graph.remove(chain)
            graph.insert(reshape, at: position)
            report?.note("collapsed \(chain.map(\.described).joined(separator: " → ")) into one Reshape", in: graph)
            changed = true
        }
        return changed
    }

    /// `first` and the reshaping nodes after it, each the only reader of the one before.
    private static func chain(from first: Node, in graph: Graph) -> [Node] {
        var chain = [first]
        while let link = chain.last?.outputs[0], let next = graph.soleConsumer(of: link), isReshaping(next),
              next.inputs[0] == link, !next.inputs.dropFirst().contains(link) {
            chain.append(next)
        }
        return chain
    }

    private static func isReshaping(_ node: Node) -> Bool {
        node.normalizedDomain == "ai.onnx" && reshapingOps.contains(node.opType) && node.input(0) != nil
            && node.outputs.count == 1 && !node.outputs[0].isEmpty
    }

    /// Dims that are the same known size or the same symbolic name.
    private static func sameShape(_ a: [TensorShapeProto.Dimension.Value?], _ b: [TensorShapeProto.Dimension.Value?]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x != nil && x == y }
    }

    /// Reshape's shape input for `output`: known sizes as they are, 0 ("copy the input's dim")
    /// where the input has the same symbolic dim at the same position, and -1 for at most one
    /// dim left unknown. nil when that cannot describe the shape (or a size is 0, which
    /// Reshape would read as "copy").
    static func reshapeTarget(from input: [TensorShapeProto.Dimension.Value?]?,
                              to output: [TensorShapeProto.Dimension.Value?]?) -> [Int64]? {
        guard let output else { return nil }
        var shape: [Int64] = []
        for (i, dim) in output.enumerated() {
            switch dim {
            case .value(let size)?:
                guard size > 0 else { return nil }
                shape.append(size)
            case .param(let symbol)? where input.map({ i < $0.count && $0[i] == .param(symbol) }) ?? false:
                shape.append(0)
            default:
                guard !shape.contains(-1) else { return nil }
                shape.append(-1)
            }
        }
        return shape
    }
}
