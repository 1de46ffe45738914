/// BatchNormalization. Inference: per channel y = x·a + b with a = scale/√(var+ε) and
/// b = bias − mean·a, applied over each contiguous H×W run. Opset 7's `spatial=0` gives every
/// (channel, position) its own parameters. From opset 14, `training_mode=1` normalizes with the
/// batch's own statistics and also outputs the updated running mean and variance; before 14 the
/// outputs said the mode: a node listing training outputs runs in training mode (as in
/// onnxruntime). (The saved mean and variance outputs of opsets 7–13 are not produced.)
struct BatchNormalizationKernel: OpKernel {
    let epsilon: Double
    let momentum: Double
    let spatial: Bool
    let trainingMode: Bool

    init(_ node: KernelNode) throws {
        epsilon = Double(node.float("epsilon", default: 1e-5))
        momentum = Double(node.float("momentum", default: 0.9))
        spatial = node.opset >= 9 || node.int("spatial", default: 1) != 0
        trainingMode = node.opset >= 14 ? node.int("training_mode", default: 0) != 0
                                        : node.node.outputs.dropFirst().contains { !$0.isEmpty }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'X'") }
        let x = HalfPrecision.widen(input)
        guard x.rank >= 2 else { throw RuntimeError.invalidModel("input 'X' must have rank ≥ 2, has shape \(x.shape)") }
        let batch = x.shape[0]
        let positions = Shapes.count(Array(x.shape[2...]))
        let channels = spatial ? x.shape[1] : x.shape[1] * positions
        let run = spatial ? positions : 1
        let parameter = { (i: Int, name: String) in
            try NormalizationMath.values(i < inputs.count ? inputs[i] : nil, name, count: channels)
        }
        let scale = try parameter(1, "scale"), bias = try parameter(2, "B")
        var mean = try parameter(3, "input_mean"), variance = try parameter(4, "input_var")
        var runningOutputs: [Tensor?] = []
        if trainingMode {
            let statistics = try batchStatistics(x, batch: batch, channels: channels, run: run)
            let statsType = inputs[3]?.type ?? x.type
            let runningMean = zip(mean, statistics.mean).map { $0 * momentum + $1 * (1 - momentum) }
            let runningVariance = zip(variance, statistics.variance).map { $0 * momentum + $1 * (1 - momentum) }
            runningOutputs = [NormalizationMath.tensor(runningMean, type: statsType, shape: [channels]),
                              NormalizationMath.tensor(runningVariance, type: statsType, shape: [channels])]
            (mean, variance) = statistics
        }
        let a = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
        let b = (0..<channels).map { bias[$0] - mean[$0] * a[$0] }
        let y = Tensor(uninitialized: x.type, shape: x.shape)
        func apply<T: NormalizableFloat>(_: T.Type) {
            let source = x.reductionBuffer(T.self), target = y.reductionBuffer(T.self)
            let scales = a.map { T($0) }, shifts = b.map { T($0) }
            parallelRanges(batch * channels, threads: context.threads, minimumPerThread: NormalizationMath.minimumRows(run)) { runs in
                for r in runs {
                    let c = r % channels
                    T.affineRow(source + r * run, target + r * run, run, scale: scales[c], shift: shifts[c])
                }
            }
        }
        switch x.type {
        case .float: apply(Float.self)
        case .double: apply(Double.self)
        default: throw RuntimeError.unsupported("BatchNormalization of \(x.type) tensors is not supported")
        }
        return [HalfPrecision.narrow(y, to: input.type)] + runningOutputs
    }

    /// Per-channel mean and population variance over the batch and positions, combining each
    /// run's moments (Chan's parallel formula) so every run is read with the row loops.
    private func batchStatistics(_ x: Tensor, batch: Int, channels: Int,
                                 run: Int) throws -> (mean: [Double], variance: [Double]) {
        func moments<T: NormalizableFloat>(_: T.Type) -> (mean: [Double], variance: [Double]) {
            let source = x.reductionBuffer(T.self)
            var means = [Double](repeating: 0, count: channels), variances = means
            for c in 0..<channels {
                var runMeans = [Double](repeating: 0, count: batch), runVariances = runMeans
                for n in 0..<batch where run > 0 {
                    (runMeans[n], runVariances[n]) = T.rowMoments(source + (n * channels + c) * run, run)
                }
                let mean = runMeans.reduce(0, +) / Double(max(batch, 1))
                var spread = 0.0
                for n in 0..<batch { spread += runVariances[n] + (runMeans[n] - mean) * (runMeans[n] - mean) }
                means[c] = mean
                variances[c] = spread / Double(max(batch, 1))
            }
            return (means, variances)
        }
        switch x.type {
        case .float: return moments(Float.self)
        case .double: return moments(Double.self)
        default: throw RuntimeError.unsupported("BatchNormalization of \(x.type) tensors is not supported")
        }
    }
}
