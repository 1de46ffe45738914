/// LayerNormalization (opset 17): each row of the axes from `axis` (default -1) on is
/// normalized, then scaled and shifted per element (Scale and B broadcast to those axes).
/// Optional outputs Mean and InvStdDev have the input's shape with the normalized axes set
/// to 1 and are float (the spec's type U) whatever X is. RMSNormalization (opset 23) is the same without centering: x / √(mean(x²) + ε) · scale.
/// Statistics are accumulated in Double whatever `stash_type` says, which is at least as
/// precise as the float stash it defaults to.
struct RowNormalizer {
    let axis: Int
    let epsilon: Double
    /// false for RMSNormalization: no mean subtracted, no bias.
    let centered: Bool

    init(_ node: KernelNode, centered: Bool) {
        axis = node.int("axis", default: -1)
        epsilon = Double(node.float("epsilon", default: 1e-5))
        self.centered = centered
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'X'") }
        let x = HalfPrecision.widen(input)
        guard x.rank > 0, let axis = Shapes.normalizeAxis(axis, rank: x.rank) else {
            throw RuntimeError.invalidModel("axis \(self.axis) is out of range for rank \(x.rank)")
        }
        guard let scale = inputs.count > 1 ? inputs[1] : nil else { throw RuntimeError.invalidModel("missing input 'Scale'") }
        let bias = centered && inputs.count > 2 ? inputs[2] : nil
        let normalizedShape = Array(x.shape[axis...])
        let statisticsShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
        var outputs: [Tensor?]
        switch x.type {
        case .float:
            outputs = try normalize(x, scale, bias, Float.self, normalizedShape, statisticsShape, context.threads)
        case .double:
            outputs = try normalize(x, scale, bias, Double.self, normalizedShape, statisticsShape, context.threads)
        default:
            throw RuntimeError.unsupported("LayerNormalization of \(x.type) tensors is not supported")
        }
        outputs[0] = outputs[0].map { HalfPrecision.narrow($0, to: input.type) }
        return centered ? outputs : [outputs[0]]
    }

    private func normalize<T: NormalizableFloat>(_ x: Tensor, _ scale: Tensor, _ bias: Tensor?, _: T.Type,
                                                 _ normalizedShape: [Int], _ statisticsShape: [Int],
                                                 _ threads: Int) throws -> [Tensor?] {
        let length = Shapes.count(normalizedShape)
        let rows = Shapes.count(statisticsShape)
        let gamma: [T] = try NormalizationMath.expanded(scale, "Scale", to: normalizedShape)
        let beta: [T]? = try bias.map { try NormalizationMath.expanded($0, "B", to: normalizedShape) }
        let y = Tensor(uninitialized: x.type, shape: x.shape)
        let means = Tensor(zeros: .float, shape: statisticsShape)
        let invStdDevs = Tensor(zeros: .float, shape: statisticsShape)
        guard length > 0 else { return [y, means, invStdDevs] }
        let source = x.reductionBuffer(T.self), target = y.reductionBuffer(T.self)
        let meanOut = means.reductionBuffer(Float.self), invOut = invStdDevs.reductionBuffer(Float.self)
        let epsilon = epsilon, centered = centered
        gamma.withUnsafeBufferPointer { gamma in
            Self.withOptionalBuffer(beta) { beta in
                parallelRanges(rows, threads: threads, minimumPerThread: NormalizationMath.minimumRows(length)) { range in
                    for r in range {
                        let moments = centered ? T.rowMoments(source + r * length, length)
                                               : (mean: 0, variance: T.rowMeanSquare(source + r * length, length))
                        let invStd = 1 / (moments.variance + epsilon).squareRoot()
                        T.normalizeRow(source + r * length, target + r * length, length, mean: T(moments.mean),
                                       invStd: T(invStd), gamma: gamma.baseAddress!, beta: beta)
                        meanOut[r] = Float(moments.mean)
                        invOut[r] = Float(invStd)
                    }
                }
            }
        }
        return [y, means, invStdDevs]
    }

    private static func withOptionalBuffer<T, R>(_ values: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

struct LayerNormalizationKernel: OpKernel {
    let normalizer: RowNormalizer
    init(_ node: KernelNode) throws { normalizer = RowNormalizer(node, centered: true) }
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { try normalizer.run(inputs, context) }
}

struct RMSNormalizationKernel: OpKernel {
    let normalizer: RowNormalizer
    init(_ node: KernelNode) throws { normalizer = RowNormalizer(node, centered: false) }
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { try normalizer.run(inputs, context) }
}
