/// If: runs then_branch or else_branch, whose outputs become the node's outputs. Both branches
/// are compiled once; they read outer-scope values through the interpreter's scope chain.
struct IfKernel: OpKernel {
    let thenBranch: CompiledGraph
    let elseBranch: CompiledGraph
    let node: KernelNode

    init(_ node: KernelNode) throws {
        thenBranch = try node.subgraph("then_branch")
        elseBranch = try node.subgraph("else_branch")
        self.node = node
        for (label, branch) in [("then_branch", thenBranch), ("else_branch", elseBranch)]
        where branch.outputNames.count != node.outputCount {
            throw node.failure("\(label) has \(branch.outputNames.count) outputs, the node has \(node.outputCount)")
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let condition = inputs.first ?? nil else { throw node.failure("input 'cond' is missing") }
        let branch = try ControlScalar.truth(condition, name: "cond") ? thenBranch : elseBranch
        return try context.run(branch, inputs: [])
    }
}
