import ONNXModel

/// What LSTM, GRU and RNN share: their attributes, the validated shapes of one run, where each
/// (time, direction, batch) row lives in X, Y and the state tensors, and the input projection.

/// Attributes common to the recurrent ops, read once.
struct RecurrentAttributes {
    /// Per direction: whether it runs from the last time step to the first.
    let reversed: [Bool]
    let hiddenSize: Int?
    /// 0: X is [seq, batch, input]; 1: X is [batch, seq, input] (opset 14).
    let layout: Int
    /// Pre-activation clip threshold, when set.
    let clip: Float?
    /// Per direction, the cell's activation functions in spec order (f, g, h).
    let activations: [[RecurrentActivation]]
    /// Whether each node output (Y, Y_h, Y_c) has a consumer-visible name.
    let wanted: [Bool]

    init(_ node: KernelNode, defaultActivations: [String], outputLimit: Int) throws {
        switch node.string("direction", default: "forward") {
        case "forward": reversed = [false]
        case "reverse": reversed = [true]
        case "bidirectional": reversed = [false, true]
        case let other: throw node.failure("attribute 'direction' is '\(other)', expected forward, reverse or bidirectional")
        }
        hiddenSize = node.int("hidden_size")
        layout = node.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw node.failure("attribute 'layout' must be 0 or 1, it is \(layout)") }
        clip = node.has("clip") ? node.float("clip", default: 0) : nil
        if let clip, !(clip > 0) { throw node.failure("attribute 'clip' must be positive, it is \(clip)") }
        let perDirection = defaultActivations.count
        var names = node.strings("activations") ?? []
        if names.isEmpty { names = defaultActivations }
        if names.count == perDirection && reversed.count == 2 { names += names }
        guard names.count == perDirection * reversed.count else {
            throw node.failure("attribute 'activations' has \(names.count) names, expected \(perDirection) per direction")
        }
        let parsed = try RecurrentActivation.parse(names, alphas: node.floats("activation_alpha") ?? [],
                                                   betas: node.floats("activation_beta") ?? [])
        activations = reversed.indices.map { Array(parsed[($0 * perDirection)..<(($0 + 1) * perDirection)]) }
        guard node.outputCount <= outputLimit else {
            throw node.failure("has \(node.outputCount) outputs, \(node.opType) has at most \(outputLimit)")
        }
        wanted = (0..<outputLimit).map { $0 < node.outputCount && !node.node.outputs[$0].isEmpty }
    }

    /// Clamps pre-activations to ±clip when the attribute is set.
    func clip(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        guard let clip else { return }
        for i in 0..<count { values[i] = min(max(values[i], -clip), clip) }
    }
}

/// The shapes of one run, checked against each other, and the index arithmetic over them.
struct RecurrentProblem {
    let sequence: Int
    let batch: Int
    let inputSize: Int
    let hidden: Int
    let directions: Int
    /// Gate blocks per direction (4 for LSTM, 3 for GRU, 1 for RNN).
    let gates: Int
    let layout: Int
    let x: Tensor
    let w: Tensor
    let r: Tensor
    let bias: Tensor?
    /// Valid time steps per batch entry.
    let lengths: [Int]

    /// Reads X, W, R, B and sequence_lens (inputs 0–4); W and R are laid out as `weights` says.
    init(_ inputs: [Tensor?], _ attributes: RecurrentAttributes, gates: Int, weights: RecurrentWeightLayout = .gateRows,
         node: KernelNode) throws {
        guard inputs.count >= 3, let x = inputs[0], let w = inputs[1], let r = inputs[2] else {
            throw node.failure("inputs X, W and R are required")
        }
        for (name, tensor) in [("X", x), ("W", w), ("R", r), ("B", inputs.count > 3 ? inputs[3] : nil)] {
            guard let tensor else { continue }
            let allowed: [DataType] = weights == .gateColumns && (name == "W" || name == "R") ? [.int8, .uint8] : [.float]
            if !allowed.contains(tensor.type) {
                throw RuntimeError.unsupported("node '\(node.name)' (\(node.opType)): input \(name) is \(tensor.type); only \(allowed.map { "\($0)" }.joined(separator: " or ")) is supported")
            }
        }
        guard x.rank == 3, w.rank == 3, r.rank == 3 else {
            throw node.failure("X, W and R must have rank 3, they have shapes \(x.shape), \(w.shape), \(r.shape)")
        }
        layout = attributes.layout
        sequence = layout == 0 ? x.shape[0] : x.shape[1]
        batch = layout == 0 ? x.shape[1] : x.shape[0]
        inputSize = x.shape[2]
        hidden = weights == .gateRows ? r.shape[2] : r.shape[1]
        directions = attributes.reversed.count
        self.gates = gates
        if let declared = attributes.hiddenSize, declared != hidden {
            throw node.failure("attribute hidden_size is \(declared), R has shape \(r.shape)")
        }
        let (expectedW, expectedR) = weights == .gateRows
            ? ([directions, gates * hidden, inputSize], [directions, gates * hidden, hidden])
            : ([directions, inputSize, gates * hidden], [directions, hidden, gates * hidden])
        guard w.shape == expectedW else { throw node.failure("W has shape \(w.shape), expected \(expectedW)") }
        guard r.shape == expectedR else { throw node.failure("R has shape \(r.shape), expected \(expectedR)") }
        self.x = x
        self.w = w
        self.r = r
        bias = inputs.count > 3 ? inputs[3] : nil
        if let bias, bias.shape != [directions, 2 * gates * hidden] {
            throw node.failure("B has shape \(bias.shape), expected \([directions, 2 * gates * hidden])")
        }
        if inputs.count > 4, let lengths = inputs[4] {
            let values = lengths.integers(), valid = 0...Int64(sequence)
            guard lengths.count == batch, values.count == batch, values.allSatisfy({ valid.contains($0) }) else {
                throw node.failure("sequence_lens \(lengths.shape) must hold \(batch) lengths in 0...\(sequence)")
            }
            self.lengths = values.map { Int($0) }
        } else {
            self.lengths = [Int](repeating: sequence, count: batch)
        }
    }

    /// Row of X (and of the projected inputs) holding time `t` of batch entry `b`.
    @inline(__always)
    func inputRow(time t: Int, batch b: Int) -> Int { layout == 0 ? t * batch + b : b * sequence + t }

    /// Element offset of the hidden vector for (t, d, b) in Y.
    @inline(__always)
    func outputOffset(time t: Int, direction d: Int, batch b: Int) -> Int {
        (layout == 0 ? (t * directions + d) * batch + b : (b * sequence + t) * directions + d) * hidden
    }

    /// Element offset of the vector for (d, b) in initial_h/initial_c and Y_h/Y_c.
    @inline(__always)
    func stateOffset(direction d: Int, batch b: Int) -> Int {
        (layout == 0 ? d * batch + b : b * directions + d) * hidden
    }

    /// Steps of the longest sequence.
    var steps: Int { lengths.max() ?? 0 }

    var outputShape: [Int] { layout == 0 ? [sequence, directions, batch, hidden] : [batch, sequence, directions, hidden] }
    var stateShape: [Int] { layout == 0 ? [directions, batch, hidden] : [batch, directions, hidden] }

    /// Checks an optional float input shaped like the states (initial_h, initial_c).
    func checkState(_ tensor: Tensor?, name: String, node: KernelNode) throws {
        guard let tensor else { return }
        guard tensor.type == .float, tensor.shape == stateShape else {
            throw node.failure("\(name) is \(tensor.type) \(tensor.shape), expected float \(stateShape)")
        }
    }

    /// The state of direction `d` as [batch, hidden]: from `initial` when given, else zeros.
    func initialState(_ initial: Tensor?, direction d: Int) -> FloatBuffer {
        let state = FloatBuffer(count: batch * hidden)
        guard let initial else { return state }
        let source = initial.elements(Float.self).baseAddress!
        for b in 0..<batch {
            state.pointer.advanced(by: b * hidden).update(from: source + stateOffset(direction: d, batch: b), count: hidden)
        }
        return state
    }

    /// X · Wᵀ for direction `d` over every time step at once (from `products`), plus Wb and
    /// (for the gates where `foldsRecurrentBias` says so) Rb: [rows of X, gates·hidden].
    func projectedInputs(direction d: Int, products: GateProducts, threads: Int,
                         foldsRecurrentBias: (_ gate: Int) -> Bool) -> FloatBuffer {
        let width = gates * hidden
        let rows = sequence * batch
        let projected = products.inputProducts(threads: threads)
        guard let bias else { return projected }
        let b = bias.elements(Float.self).baseAddress! + d * 2 * width
        let rowBias = FloatBuffer(count: width)
        for j in 0..<width { rowBias.pointer[j] = b[j] + (foldsRecurrentBias(j / hidden) ? b[width + j] : 0) }
        for row in 0..<rows {
            let target = projected.pointer + row * width
            for j in 0..<width { target[j] += rowBias.pointer[j] }
        }
        return projected
    }

    /// Sweeps one direction of a cell whose gates are all x·Wᵀ + H·Rᵀ + biases: per step,
    /// computes those pre-activations (`projected` rows plus H·Rᵀ) for each batch entry still
    /// running and hands them to `update(b, t, gates)`, which updates that entry's states.
    func sweepGates(reversed: Bool, hidden: FloatBuffer, products: GateProducts, projected: FloatBuffer,
                    threads: Int, _ update: (_ b: Int, _ t: Int, _ gates: UnsafeMutablePointer<Float>) -> Void) {
        let width = gates * self.hidden
        let sums = FloatBuffer(count: batch * width)
        var step = 0
        forEachStep(reversed: reversed) { times in
            products.recurrentProducts(hidden.pointer, step: step, times: times, into: sums.pointer, threads: threads)
            step += 1
            for b in 0..<batch where times[b] >= 0 {
                let row = sums.pointer + b * width
                let input = projected.pointer + inputRow(time: times[b], batch: b) * width
                for j in 0..<width { row[j] += input[j] }
                update(b, times[b], row)
            }
        }
    }

    /// Calls `body(times)` for each step of one direction; `times[b]` is the time index batch
    /// entry b processes at that step, or -1 once its sequence has ended.
    func forEachStep(reversed: Bool, _ body: (_ times: [Int]) -> Void) {
        var times = [Int](repeating: -1, count: batch)
        for step in 0..<steps {
            for b in 0..<batch {
                times[b] = step < lengths[b] ? (reversed ? lengths[b] - 1 - step : step) : -1
            }
            body(times)
        }
    }
}

/// A zero-filled float array behind a stable pointer, freed with the object.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
