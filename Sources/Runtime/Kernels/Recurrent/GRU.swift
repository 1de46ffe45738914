/// GRU (opset 7+, layout from 14). Gate blocks in W, R and B are ordered z, r, h. Per step:
///   z = f(x·Wzᵀ + H·Rzᵀ + Wbz + Rbz)    r = f(x·Wrᵀ + H·Rrᵀ + Wbr + Rbr)
///   h = g(x·Whᵀ + (r⊙H)·Rhᵀ + Rbh + Wbh)          when linear_before_reset = 0
///   h = g(x·Whᵀ + r⊙(H·Rhᵀ + Rbh) + Wbh)          when linear_before_reset ≠ 0
///   H' = (1 − z)⊙h + z⊙H
struct GRUKernel: RecurrentCell {
    static let gates = 3
    let attributes: RecurrentAttributes
    let linearBeforeReset: Bool
    let node: KernelNode

    init(_ node: KernelNode) throws {
        attributes = try RecurrentAttributes(node, defaultActivations: ["Sigmoid", "Tanh"], outputLimit: 2)
        linearBeforeReset = node.int("linear_before_reset", default: 0) != 0
        self.node = node
    }

    func runDirection(_ d: Int, _ problem: RecurrentProblem, hidden: FloatBuffer, cell: FloatBuffer?,
                      inputs: [Tensor?], outputs: RecurrentOutputs, threads: Int) {
        let size = problem.hidden, width = 3 * size, batch = problem.batch
        // Rbh stays out of the projection when it must be scaled by r.
        let products = FloatGateProducts(problem, direction: d)
        let projected = problem.projectedInputs(direction: d, products: products, threads: threads) { gate in
            gate < 2 || !linearBeforeReset
        }
        // The h block's product needs r⊙H first, so GRU takes R's columns in two parts itself.
        let recurrent = products.recurrent
        let hiddenBias = FloatBuffer(count: size)
        if let bias = problem.bias, linearBeforeReset {
            hiddenBias.pointer.update(from: bias.elements(Float.self).baseAddress! + d * 2 * width + width + 2 * size, count: size)
        }
        let gates = FloatBuffer(count: batch * width)
        let resetHidden = FloatBuffer(count: batch * size)
        let activations = attributes.activations[d]
        problem.forEachStep(reversed: attributes.reversed[d]) { times in
            // z and r need H·R{z,r}ᵀ; the h block needs H·Rhᵀ now only with linear_before_reset.
            recurrent.multiply(hidden.pointer, columns: 0..<(linearBeforeReset ? width : 2 * size), into: gates.pointer,
                               ldc: width, threads: threads)
            for b in 0..<batch where times[b] >= 0 {
                let input = projected.pointer + problem.inputRow(time: times[b], batch: b) * width
                activateUpdateAndReset(gates.pointer + b * width, input: input, size: size, activation: activations[0])
                if !linearBeforeReset {
                    let reset = gates.pointer + b * width + size, state = hidden.pointer + b * size
                    let target = resetHidden.pointer + b * size
                    for j in 0..<size { target[j] = reset[j] * state[j] }
                }
            }
            if !linearBeforeReset {
                recurrent.multiply(resetHidden.pointer, columns: (2 * size)..<width, into: gates.pointer + 2 * size,
                                   ldc: width, threads: threads)
            }
            for b in 0..<batch where times[b] >= 0 {
                let input = projected.pointer + problem.inputRow(time: times[b], batch: b) * width
                updateState(hidden.pointer + b * size, gates: gates.pointer + b * width, input: input, hiddenBias: hiddenBias.pointer,
                            size: size, activation: activations[1])
                outputs.store(hidden.pointer + b * size, time: times[b], direction: d, batch: b)
            }
        }
    }

    /// z and r of one batch row: pre-activations (H·Rᵀ in `row`, plus the projected inputs) → f.
    private func activateUpdateAndReset(_ row: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, size: Int,
                                        activation: RecurrentActivation) {
        for j in 0..<(2 * size) { row[j] += input[j] }
        attributes.clip(row, 2 * size)
        activation.apply(row, 2 * size)
    }

    /// The candidate h from its product in `gates` (H·Rhᵀ or (r⊙H)·Rhᵀ), then H' = (1 − z)⊙h + z⊙H.
    private func updateState(_ state: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                             hiddenBias: UnsafePointer<Float>, size: Int, activation: RecurrentActivation) {
        let update = gates, reset = gates + size, candidate = gates + 2 * size, inputPart = input + 2 * size
        if linearBeforeReset {
            for j in 0..<size { candidate[j] = inputPart[j] + reset[j] * (candidate[j] + hiddenBias[j]) }
        } else {
            for j in 0..<size { candidate[j] += inputPart[j] }
        }
        attributes.clip(candidate, size)
        activation.apply(candidate, size)
        for j in 0..<size { state[j] = (1 - update[j]) * candidate[j] + update[j] * state[j] }
    }
}
