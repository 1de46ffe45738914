import ONNXModel

/// Runs a single node outside any interpreter, with the interpreter's kernels: what constant
/// folding and shape inference use to compute values that are known before a run.
public enum NodeEvaluator {
    /// The node's outputs for the given inputs (nil where an optional input is absent). Nodes
    /// with subgraphs are not evaluated here.
    public static func evaluate(_ node: Node, opset: Int, inputs: [Tensor?], threads: Int = 1) throws -> [Tensor?] {
        guard node.subgraphs.isEmpty else {
            throw RuntimeError.unsupported("node '\(node.label)' (\(node.opType)) has subgraphs and is not evaluated on its own")
        }
        let kernelType = try KernelRegistry.lookup(op: node.opType, domain: node.normalizedDomain, opset: opset, node: node.label)
        let kernel = try kernelType.init(KernelNode(node: node, opset: opset) { _ in
            throw RuntimeError.unsupported("node '\(node.label)' has subgraphs")
        })
        return try kernel.run(inputs, ExecutionContext(threads: threads))
    }

    /// Whether the interpreter has a kernel for the op at this opset.
    public static func supports(_ node: Node, opset: Int) -> Bool {
        (try? KernelRegistry.lookup(op: node.opType, domain: node.normalizedDomain, opset: opset, node: node.label)) != nil
    }
}
