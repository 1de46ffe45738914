/// GroupNormalization and InstanceNormalization: x [N, C, D1...] has its channels split into
/// groups (one group per channel for InstanceNormalization); each (sample, group) is one
/// contiguous row normalized with its own mean and variance, then every channel is scaled and
/// shifted. GroupNormalization's scale and bias hold one value per group at opset 18 and one
/// per channel at opset 21: the element count tells which.
struct ChannelGroupNormalizer {
    let epsilon: Double

    func run(_ inputs: [Tensor?], groups: Int?, threads: Int) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'X'") }
        let x = HalfPrecision.widen(input)
        guard x.rank >= 2 else { throw RuntimeError.invalidModel("input 'X' must have rank ≥ 2, has shape \(x.shape)") }
        let channels = x.shape[1]
        let groups = groups ?? channels
        guard groups > 0, channels % groups == 0 else {
            throw RuntimeError.invalidModel("num_groups \(groups) does not divide the \(channels) channels")
        }
        let scale = try NormalizationMath.values(inputs.count > 1 ? inputs[1] : nil, "scale")
        let bias = try NormalizationMath.values(inputs.count > 2 ? inputs[2] : nil, "bias")
        let perGroup = channels / groups
        func perChannel(_ values: [Double], _ name: String) throws -> [Double] {
            if values.count == channels { return values }
            guard values.count == groups else {
                throw RuntimeError.invalidModel("input '\(name)' has \(values.count) values for \(channels) channels in \(groups) groups")
            }
            return (0..<channels).map { values[$0 / perGroup] }
        }
        let shape = Shape(batch: x.shape[0], channels: channels, groups: groups,
                          positions: Shapes.count(Array(x.shape[2...])))
        let gamma = try perChannel(scale, "scale"), beta = try perChannel(bias, "bias")
        let y = Tensor(uninitialized: x.type, shape: x.shape)
        switch x.type {
        case .float: normalize(x.reductionBuffer(Float.self), y.reductionBuffer(Float.self), shape, gamma, beta, threads)
        case .double: normalize(x.reductionBuffer(Double.self), y.reductionBuffer(Double.self), shape, gamma, beta, threads)
        default: throw RuntimeError.unsupported("normalization of \(x.type) tensors is not supported")
        }
        return [HalfPrecision.narrow(y, to: input.type)]
    }

    struct Shape {
        let batch: Int, channels: Int, groups: Int, positions: Int
    }

    private func normalize<T: NormalizableFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ shape: Shape,
                                                 _ gamma: [Double], _ beta: [Double], _ threads: Int) {
        let perGroup = shape.channels / shape.groups, positions = shape.positions
        let length = perGroup * positions
        guard length > 0 else { return }
        let epsilon = epsilon
        parallelRanges(shape.batch * shape.groups, threads: threads,
                       minimumPerThread: NormalizationMath.minimumRows(length)) { rows in
            for row in rows {
                let moments = T.rowMoments(x + row * length, length)
                let invStd = 1 / (moments.variance + epsilon).squareRoot()
                for j in 0..<perGroup {
                    let c = (row % shape.groups) * perGroup + j
                    let a = invStd * gamma[c]
                    let start = row * length + j * positions
                    T.affineRow(x + start, y + start, positions, scale: T(a), shift: T(beta[c] - moments.mean * a))
                }
            }
        }
    }
}

struct GroupNormalizationKernel: OpKernel {
    let normalizer: ChannelGroupNormalizer
    let groups: Int

    init(_ node: KernelNode) throws {
        normalizer = ChannelGroupNormalizer(epsilon: Double(node.float("epsilon", default: 1e-5)))
        guard let groups = node.int("num_groups") else { throw node.failure("missing attribute 'num_groups'") }
        self.groups = groups
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        try normalizer.run(inputs, groups: groups, threads: context.threads)
    }
}

struct InstanceNormalizationKernel: OpKernel {
    let normalizer: ChannelGroupNormalizer

    init(_ node: KernelNode) throws {
        normalizer = ChannelGroupNormalizer(epsilon: Double(node.float("epsilon", default: 1e-5)))
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        try normalizer.run(inputs, groups: nil, threads: context.threads)
    }
}
