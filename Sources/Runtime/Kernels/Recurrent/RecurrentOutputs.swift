/// The Y, Y_h and (for LSTM) Y_c tensors of one run, allocated only when the node names them
/// and filled direction by direction. Y stays zero past each batch entry's sequence length.
struct RecurrentOutputs {
    let problem: RecurrentProblem
    let sequence: Tensor?
    let finalHidden: Tensor?
    let finalCell: Tensor?

    init(_ problem: RecurrentProblem, wanted: [Bool]) {
        self.problem = problem
        sequence = wanted[0] ? Tensor(zeros: .float, shape: problem.outputShape) : nil
        finalHidden = wanted.count > 1 && wanted[1] ? Tensor(zeros: .float, shape: problem.stateShape) : nil
        finalCell = wanted.count > 2 && wanted[2] ? Tensor(zeros: .float, shape: problem.stateShape) : nil
    }

    /// Records the hidden state row of batch entry `b` at time `t`.
    @inline(__always)
    func store(_ hidden: UnsafePointer<Float>, time t: Int, direction d: Int, batch b: Int) {
        guard let sequence else { return }
        let target = sequence.storage.raw.assumingMemoryBound(to: Float.self)
        (target + problem.outputOffset(time: t, direction: d, batch: b)).update(from: hidden, count: problem.hidden)
    }

    /// Records the final hidden (and cell) states of direction `d`, both [batch, hidden]. An
    /// empty sequence leaves zeros, not its initial state, as onnxruntime does.
    func storeFinal(hidden: FloatBuffer, cell: FloatBuffer? = nil, direction d: Int) {
        for (tensor, state) in [(finalHidden, hidden), (finalCell, cell)] {
            guard let tensor, let state else { continue }
            let target = tensor.storage.raw.assumingMemoryBound(to: Float.self)
            for b in 0..<problem.batch where problem.lengths[b] > 0 {
                (target + problem.stateOffset(direction: d, batch: b))
                    .update(from: state.pointer + b * problem.hidden, count: problem.hidden)
            }
        }
    }

    var tensors: [Tensor?] { [sequence, finalHidden, finalCell] }
}
