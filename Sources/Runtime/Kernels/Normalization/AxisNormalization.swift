import Foundation

/// Normalizations by a statistic over some axes, laid out like a reduction ([outer, reduced,
/// inner], the reduced axes moved last first when they are not contiguous):
/// MeanVarianceNormalization (axes default [0, 2, 3]): y = (x − mean) / (std + 1e-9), as
/// onnx's function body defines it; LpNormalization (axis default -1, p 1 or 2): y = x / ‖x‖ₚ
/// (NaN where the norm is 0, as the spec's x / norm gives).
enum AxisStatistic {
    case meanVariance
    case lpNorm(p: Int)

    func run(_ input: Tensor, axes: Set<Int>, threads: Int) throws -> Tensor {
        let x = HalfPrecision.widen(input)
        let layout = ReductionLayout(shape: x.shape, axes: axes, keepDims: true)
        let source = layout.permutation.map { ReductionTranspose.permute(x, $0) } ?? x
        let y = Tensor(uninitialized: x.type, shape: source.shape)
        switch x.type {
        case .float: apply(source.reductionBuffer(Float.self), y.reductionBuffer(Float.self), layout, threads)
        case .double: apply(source.reductionBuffer(Double.self), y.reductionBuffer(Double.self), layout, threads)
        default: throw RuntimeError.unsupported("normalization of \(x.type) tensors is not supported")
        }
        let restored = layout.permutation.map { ReductionTranspose.permute(y, ReductionTranspose.inverse($0)) } ?? y
        return HalfPrecision.narrow(restored, to: input.type)
    }

    /// Per column of each [reduced, inner] slice: y = x · scale + shift.
    private func apply<T: NormalizableFloat>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                             _ layout: ReductionLayout, _ threads: Int) {
        let count = layout.reduced, inner = layout.inner
        guard count > 0 else { return }
        parallelRanges(layout.outer, threads: threads, minimumPerThread: NormalizationMath.minimumRows(count * inner)) { slices in
            var scales = [Double](repeating: 0, count: inner), shifts = scales
            for o in slices {
                let base = o * count * inner
                coefficients(x + base, count: count, inner: inner, scales: &scales, shifts: &shifts)
                if inner == 1 {
                    T.affineRow(x + base, y + base, count, scale: T(scales[0]), shift: T(shifts[0]))
                    continue
                }
                for r in 0..<count {
                    let row = base + r * inner
                    for i in 0..<inner { y[row + i] = x[row + i] * T(scales[i]) + T(shifts[i]) }
                }
            }
        }
    }

    private func coefficients<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, count: Int, inner: Int,
                                                      scales: inout [Double], shifts: inout [Double]) {
        switch self {
        case .meanVariance:
            var mean = [Double](repeating: 0, count: inner), variance = mean
            NormalizationMath.columnMoments(x, count: count, inner: inner, mean: &mean, variance: &variance)
            for i in 0..<inner {
                scales[i] = 1 / (variance[i].squareRoot() + 1e-9)
                shifts[i] = -mean[i] * scales[i]
            }
        case .lpNorm(let p):
            for i in 0..<inner { scales[i] = 0; shifts[i] = 0 }
            for r in 0..<count {
                for i in 0..<inner {
                    let v = Double(x[r * inner + i])
                    scales[i] += p == 1 ? abs(v) : v * v
                }
            }
            for i in 0..<inner {
                let norm = p == 1 ? scales[i] : scales[i].squareRoot()
                scales[i] = 1 / norm
            }
        }
    }
}

struct MeanVarianceNormalizationKernel: OpKernel {
    let axes: [Int]

    init(_ node: KernelNode) throws { axes = node.ints("axes") ?? [0, 2, 3] }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'X'") }
        let axes = try ReductionLayout.normalizedAxes(axes, rank: x.rank, name: "axis")
        return [try AxisStatistic.meanVariance.run(x, axes: axes, threads: context.threads)]
    }
}

struct LpNormalizationKernel: OpKernel {
    let axis: Int
    let p: Int

    init(_ node: KernelNode) throws {
        axis = node.int("axis", default: -1)
        p = node.int("p", default: 2)
        guard p == 1 || p == 2 else { throw node.failure("p must be 1 or 2, not \(p)") }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'input'") }
        let axes = try ReductionLayout.normalizedAxes([axis], rank: x.rank, name: "axis")
        return [try AxisStatistic.lpNorm(p: p).run(x, axes: axes, threads: context.threads)]
    }
}

/// LRN: each element divided by (bias + alpha/size · Σ x² over the `size` neighbouring
/// channels)^beta, the window running from c − ⌊(size−1)/2⌋ to c + ⌈(size−1)/2⌉.
struct LRNKernel: OpKernel {
    let alpha: Double, beta: Double, bias: Double
    let size: Int

    init(_ node: KernelNode) throws {
        alpha = Double(node.float("alpha", default: 1e-4))
        beta = Double(node.float("beta", default: 0.75))
        bias = Double(node.float("bias", default: 1))
        guard let size = node.int("size"), size > 0 else { throw node.failure("attribute 'size' must be a positive integer") }
        self.size = size
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'X'") }
        guard input.rank >= 2 else { throw RuntimeError.invalidModel("input 'X' must have rank ≥ 2, has shape \(input.shape)") }
        let x = HalfPrecision.widen(input)
        let y = Tensor(uninitialized: x.type, shape: x.shape)
        switch x.type {
        case .float: apply(x.reductionBuffer(Float.self), y.reductionBuffer(Float.self), x.shape, context.threads)
        case .double: apply(x.reductionBuffer(Double.self), y.reductionBuffer(Double.self), x.shape, context.threads)
        default: throw RuntimeError.unsupported("LRN of \(x.type) tensors is not supported")
        }
        return [HalfPrecision.narrow(y, to: input.type)]
    }

    private func apply<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ shape: [Int],
                                               _ threads: Int) {
        let channels = shape[1], positions = Shapes.count(Array(shape[2...]))
        let below = (size - 1) / 2, above = size - 1 - below
        let (alpha, beta, bias, size) = (alpha, beta, bias, size)
        parallelRanges(shape[0] * channels, threads: threads,
                       minimumPerThread: NormalizationMath.minimumRows(positions * size)) { planes in
            var squares = [Double](repeating: 0, count: positions)
            for plane in planes {
                let c = plane % channels, sample = plane - c
                for i in 0..<positions { squares[i] = 0 }
                for neighbour in max(0, c - below)...min(channels - 1, c + above) {
                    let p = x + (sample + neighbour) * positions
                    for i in 0..<positions { let v = Double(p[i]); squares[i] += v * v }
                }
                let start = plane * positions
                for i in 0..<positions {
                    y[start + i] = T(Double(x[start + i]) / pow(bias + alpha / Double(size) * squares[i], beta))
                }
            }
        }
    }
}
