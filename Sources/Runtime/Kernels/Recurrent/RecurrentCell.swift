/// A recurrent op as one cell update run per direction; the shared `run` reads the inputs,
/// sets up the states and collects the outputs.
protocol RecurrentCell: OpKernel {
    static var gates: Int { get }
    /// Whether the cell carries a cell state besides the hidden one (LSTM's C).
    static var hasCellState: Bool { get }
    /// How W and R hold their gate units.
    static var weightLayout: RecurrentWeightLayout { get }
    var attributes: RecurrentAttributes { get }
    var node: KernelNode { get }

    /// Runs direction `d` over its sequence, updating the states in place and storing Y rows.
    func runDirection(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer?,
                      inputs: [Tensor?], outputs: RecurrentOutputs, threads: Int) throws
}

extension RecurrentCell {
    static var hasCellState: Bool { false }
    static var weightLayout: RecurrentWeightLayout { .gateRows }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let problem = try RecurrentProblem(inputs, attributes, gates: Self.gates, weights: Self.weightLayout, node: node)
        let initialHidden = inputs.count > 5 ? inputs[5] : nil
        let initialCell = Self.hasCellState && inputs.count > 6 ? inputs[6] : nil
        try problem.checkState(initialHidden, name: "initial_h", node: node)
        try problem.checkState(initialCell, name: "initial_c", node: node)
        let outputs = RecurrentOutputs(problem, wanted: attributes.wanted)
        for d in 0..<problem.directions {
            let hidden = problem.initialState(initialHidden, direction: d)
            let cell = Self.hasCellState ? problem.initialState(initialCell, direction: d) : nil
            try runDirection(d, problem, hidden: hidden, cell: cell, inputs: inputs, outputs: outputs, threads: context.threads)
            outputs.storeFinal(hidden: hidden, cell: cell, direction: d)
        }
        return Array(outputs.tensors.prefix(node.outputCount))
    }
}
