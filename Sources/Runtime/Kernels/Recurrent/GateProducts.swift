/// How W and R hold their gate units: ONNX's LSTM/GRU/RNN store one row per unit
/// ([directions, gates·hidden, k]); com.microsoft's DynamicQuantizeLSTM stores one column per
/// unit ([directions, k, gates·hidden]), the layout its integer GEMM reads.
enum RecurrentWeightLayout {
    case gateRows
    case gateColumns
}

/// The two matrix products a recurrent cell needs for one direction: X·Wᵀ over every row of X
/// at once, and H·Rᵀ once per step. The gate arithmetic around them is the same whether the
/// weights are float or quantized, so the cells take the products through this.
protocol GateProducts {
    /// X·Wᵀ for every row of X, [rows of X, gates·hidden], without biases.
    func inputProducts(threads: Int) -> FloatBuffer
    /// H·Rᵀ for the [batch, hidden] states into `sums` ([batch, gates·hidden]) at step `step`.
    /// `times[b]` is -1 for batch entries whose sequence has ended: their sums are not used, and
    /// their rows of H keep the entry's final state.
    func recurrentProducts(_ hidden: UnsafePointer<Float>, step: Int, times: [Int], into sums: UnsafeMutablePointer<Float>,
                           threads: Int)
}

/// The products with float weights in ONNX's layout (R prepared once for the steps).
struct FloatGateProducts: GateProducts {
    let problem: RecurrentProblem
    let direction: Int
    let recurrent: RecurrentWeights

    init(_ problem: RecurrentProblem, direction d: Int) {
        self.problem = problem
        direction = d
        let width = problem.gates * problem.hidden
        recurrent = RecurrentWeights(problem.r.elements(Float.self).baseAddress! + d * width * problem.hidden, n: width,
                                     k: problem.hidden, rows: problem.batch, steps: problem.steps)
    }

    func inputProducts(threads: Int) -> FloatBuffer {
        let width = problem.gates * problem.hidden, rows = problem.sequence * problem.batch, k = problem.inputSize
        let projected = FloatBuffer(count: rows * width)
        RecurrentProducts.multiplyTransposed(problem.x.elements(Float.self).baseAddress!, rows: rows, k: k, lda: k,
                                             problem.w.elements(Float.self).baseAddress! + direction * width * k, n: width,
                                             into: projected.pointer, ldc: width, threads: threads)
        return projected
    }

    func recurrentProducts(_ hidden: UnsafePointer<Float>, step: Int, times: [Int], into sums: UnsafeMutablePointer<Float>,
                           threads: Int) {
        let width = problem.gates * problem.hidden
        recurrent.multiply(hidden, columns: 0..<width, into: sums, ldc: width, threads: threads)
    }
}
