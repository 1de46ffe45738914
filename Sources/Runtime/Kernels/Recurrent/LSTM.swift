/// LSTM (opset 7+, layout from 14). Gate blocks in W, R and B are ordered i, o, f, c; P holds
/// the peepholes p_i, p_o, p_f. Per step, with x·Wᵀ precomputed for all steps:
///   i = f(x·Wiᵀ + H·Riᵀ + Wbi + Rbi + p_i⊙C)     f = f(... + p_f⊙C), or 1 − i with input_forget
///   c = g(x·Wcᵀ + H·Rcᵀ + Wbc + Rbc)              C' = f⊙C + i⊙c
///   o = f(x·Woᵀ + H·Roᵀ + Wbo + Rbo + p_o⊙C')     H' = o⊙h(C')
struct LSTMKernel: RecurrentCell {
    static let gates = 4
    static let hasCellState = true
    let attributes: RecurrentAttributes
    let inputForget: Bool
    let node: KernelNode

    init(_ node: KernelNode) throws {
        attributes = try RecurrentAttributes(node, defaultActivations: ["Sigmoid", "Tanh", "Tanh"], outputLimit: 3)
        inputForget = node.int("input_forget", default: 0) != 0
        self.node = node
    }

    func runDirection(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer?,
                      inputs: [Tensor?], outputs: RecurrentOutputs, threads: Int) throws {
        guard let cell else { return }
        try sweep(d, problem, hidden: hidden, cell: cell, peephole: peepholes(inputs, problem, direction: d),
                  products: FloatGateProducts(problem, direction: d), outputs: outputs, threads: threads)
    }

    /// P's three vectors of direction `d` (p_i, p_o, p_f), when the node has P.
    func peepholes(_ inputs: [Tensor?], _ problem: RecurrentProblem, direction d: Int) throws -> UnsafePointer<Float>? {
        guard inputs.count > 7, let peepholes = inputs[7] else { return nil }
        guard peepholes.type == .float, peepholes.shape == [problem.directions, 3 * problem.hidden] else {
            throw node.failure("P is \(peepholes.type) \(peepholes.shape), expected float \([problem.directions, 3 * problem.hidden])")
        }
        return peepholes.elements(Float.self).baseAddress! + d * 3 * problem.hidden
    }

    /// One direction of the LSTM recurrence; only where X·Wᵀ and H·Rᵀ come from (`products`)
    /// differs between LSTM and DynamicQuantizeLSTM.
    func sweep(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer,
               peephole: UnsafePointer<Float>?, products: GateProducts, outputs: RecurrentOutputs, threads: Int) {
        let size = problem.hidden
        let projected = problem.projectedInputs(direction: d, products: products, threads: threads) { _ in true }
        let scratch = FloatBuffer(count: size)
        problem.sweepGates(reversed: attributes.reversed[d], hidden: hidden, products: products, projected: projected,
                           threads: threads) { b, t, row in
            updateCell(row, hidden: hidden.pointer + b * size, cell: cell.pointer + b * size, peephole: peephole,
                       size: size, activations: attributes.activations[d], scratch: scratch.pointer)
            outputs.store(hidden.pointer + b * size, time: t, direction: d, batch: b)
        }
    }

    /// One batch row: gate pre-activations in `row` (i, o, f, c blocks) → new cell and hidden.
    private func updateCell(_ row: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                            cell: UnsafeMutablePointer<Float>, peephole: UnsafePointer<Float>?, size: Int,
                            activations: [RecurrentActivation], scratch: UnsafeMutablePointer<Float>) {
        let (f, g, h) = (activations[0], activations[1], activations[2])
        let inputGate = row, outputGate = row + size, forgetGate = row + 2 * size, candidate = row + 3 * size
        if let peephole {
            for j in 0..<size {
                inputGate[j] += peephole[j] * cell[j]
                forgetGate[j] += peephole[2 * size + j] * cell[j]
            }
        }
        attributes.clip(inputGate, size)
        f.apply(inputGate, size)
        if inputForget {
            for j in 0..<size { forgetGate[j] = 1 - inputGate[j] }
        } else {
            attributes.clip(forgetGate, size)
            f.apply(forgetGate, size)
        }
        attributes.clip(candidate, size)
        g.apply(candidate, size)
        for j in 0..<size { cell[j] = forgetGate[j] * cell[j] + inputGate[j] * candidate[j] }
        if let peephole {
            for j in 0..<size { outputGate[j] += peephole[size + j] * cell[j] }
        }
        attributes.clip(outputGate, size)
        f.apply(outputGate, size)
        scratch.update(from: cell, count: size)
        h.apply(scratch, size)
        for j in 0..<size { hidden[j] = outputGate[j] * scratch[j] }
    }
}
