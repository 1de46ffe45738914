/// RNN (opset 7+, layout from 14): H' = f(x·Wᵀ + H·Rᵀ + Wb + Rb), with x·Wᵀ precomputed for
/// all steps.
struct RNNKernel: RecurrentCell {
    static let gates = 1
    let attributes: RecurrentAttributes
    let node: KernelNode

    init(_ node: KernelNode) throws {
        attributes = try RecurrentAttributes(node, defaultActivations: ["Tanh"], outputLimit: 2)
        self.node = node
    }

    func runDirection(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer?,
                      inputs: [Tensor?], outputs: RecurrentOutputs, threads: Int) {
        let size = problem.hidden
        let products = FloatGateProducts(problem, direction: d)
        let projected = problem.projectedInputs(direction: d, products: products, threads: threads) { _ in true }
        let activation = attributes.activations[d][0]
        problem.sweepGates(reversed: attributes.reversed[d], hidden: hidden, products: products, projected: projected,
                           threads: threads) { b, t, row in
            attributes.clip(row, size)
            activation.apply(row, size)
            (hidden.pointer + b * size).update(from: row, count: size)
            outputs.store(row, time: t, direction: d, batch: b)
        }
    }
}
