import Foundation

/// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is flattened to 2-D at `axis`
/// (default 1) and each row of the second part is normalized as a whole; from 13 on they work
/// along the single `axis` (default -1). The maximum is subtracted before exp.
enum SoftmaxVariant: Sendable {
    case softmax, logSoftmax, hardmax
}

struct SoftmaxAlongAxis {
    let variant: SoftmaxVariant
    let axis: Int
    let flattensToMatrix: Bool

    init(_ node: KernelNode, _ variant: SoftmaxVariant) {
        self.variant = variant
        flattensToMatrix = node.opset < 13
        axis = node.int("axis", default: flattensToMatrix ? 1 : -1)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input") }
        let x = HalfPrecision.widen(input)
        guard x.rank > 0, let axis = Shapes.normalizeAxis(axis, rank: x.rank) else {
            throw RuntimeError.invalidModel("axis \(self.axis) is out of range for rank \(x.rank)")
        }
        var layout = ReductionLayout(shape: x.shape, axis: axis, keepDims: true)
        if flattensToMatrix {
            layout.outer = Shapes.count(Array(x.shape[..<axis]))
            layout.reduced = Shapes.count(Array(x.shape[axis...]))
            layout.inner = 1
        }
        let y = Tensor(uninitialized: x.type, shape: x.shape)
        switch x.type {
        case .float:
            let source = x.reductionBuffer(Float.self), target = y.reductionBuffer(Float.self)
            if variant == .hardmax {
                SoftmaxLoops.reference(source, target, layout, variant, threads: context.threads)
            } else {
                SoftmaxLoops.float(source, target, layout, variant, threads: context.threads)
            }
        case .double:
            SoftmaxLoops.reference(x.reductionBuffer(Double.self), y.reductionBuffer(Double.self), layout, variant,
                                   threads: context.threads)
        default:
            throw RuntimeError.unsupported("\(variant) of \(x.type) tensors is not supported")
        }
        return [HalfPrecision.narrow(y, to: input.type)]
    }
}

enum SoftmaxLoops {
    private static func minimumSlices(_ layout: ReductionLayout) -> Int {
        max(1, (1 << 14) / max(1, layout.reduced * layout.inner))
    }

    /// The plain version, in Double, one column at a time: the oracle for `float`.
    static func reference<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                  _ layout: ReductionLayout, _ variant: SoftmaxVariant, threads: Int) {
        let count = layout.reduced, inner = layout.inner
        guard count > 0 else { return }
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            for o in slices {
                for i in 0..<inner {
                    let start = o * count * inner + i
                    var largest = Double(x[start]), position = 0
                    for r in 1..<count where Double(x[start + r * inner]) > largest {
                        largest = Double(x[start + r * inner])
                        position = r
                    }
                    var sum = 0.0
                    for r in 0..<count { sum += exp(Double(x[start + r * inner]) - largest) }
                    for r in 0..<count {
                        let shifted = Double(x[start + r * inner]) - largest
                        switch variant {
                        case .softmax: y[start + r * inner] = T(exp(shifted) / sum)
                        case .logSoftmax: y[start + r * inner] = T(shifted - log(sum))
                        case .hardmax: y[start + r * inner] = r == position ? 1 : 0
                        }
                    }
                }
            }
        }
    }

    /// Float rows (inner == 1) with SIMD exp, or whole rows of columns at a time.
    static func float(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ layout: ReductionLayout,
                      _ variant: SoftmaxVariant, threads: Int) {
        let count = layout.reduced, inner = layout.inner
        guard count > 0 else { return }
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            if inner == 1 {
                for o in slices { row(x + o * count, y + o * count, count, variant) }
            } else {
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * inner)
                defer { scratch.deallocate() }
                for o in slices {
                    columns(x + o * count * inner, y + o * count * inner, count, inner, variant,
                            maxima: scratch, sums: scratch + inner)
                }
            }
        }
    }

    private static func row(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                            _ variant: SoftmaxVariant) {
        let largest = FloatRows.maximum(x, n)
        let sum = FloatRows.exponentials(x, y, n, shift: largest)
        if variant == .logSoftmax {
            // (x - max) first: it is exact near the maximum, where the result is near 0.
            FloatRows.affine(x, y, n, scale: 1, shift: -largest)
            FloatRows.affine(y, y, n, scale: 1, shift: -Float(log(sum)))
        } else {
            FloatRows.affine(y, y, n, scale: Float(1 / sum), shift: 0)
        }
    }

    /// One [count, inner] slice normalized along count: maxima and sums are kept per column
    /// so every pass reads whole contiguous rows.
    private static func columns(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                                _ inner: Int, _ variant: SoftmaxVariant, maxima: UnsafeMutablePointer<Float>,
                                sums: UnsafeMutablePointer<Float>) {
        maxima.update(from: x, count: inner)
        for r in 1..<count { FloatRows.keepExtremes(maxima, x + r * inner, inner, largest: true) }
        sums.initialize(repeating: 0, count: inner)
        let w = FloatRows.width
        for r in 0..<count {
            let xr = x + r * inner, yr = y + r * inner
            var i = 0
            while i + w <= inner {
                let e = FloatRows.exp(FloatRows.load(xr + i) - FloatRows.load(maxima + i))
                FloatRows.store(e, yr + i)
                FloatRows.store(FloatRows.load(sums + i) + e, sums + i)
                i += w
            }
            while i < inner { let e = FloatRows.exp(xr[i] - maxima[i]); yr[i] = e; sums[i] += e; i += 1 }
        }
        if variant == .logSoftmax {
            for i in 0..<inner { sums[i] = log(sums[i]) }
            for r in 0..<count {
                let xr = x + r * inner, yr = y + r * inner
                for i in 0..<inner { yr[i] = (xr[i] - maxima[i]) - sums[i] }
            }
        } else {
            for i in 0..<inner { sums[i] = 1 / sums[i] }
            for r in 0..<count {
                let yr = y + r * inner
                for i in 0..<inner { yr[i] *= sums[i] }
            }
        }
    }
}

protocol SoftmaxFamilyKernel: OpKernel {
    static var variant: SoftmaxVariant { get }
    var softmax: SoftmaxAlongAxis { get }
    init(softmax: SoftmaxAlongAxis)
}

extension SoftmaxFamilyKernel {
    init(_ node: KernelNode) throws { self.init(softmax: SoftmaxAlongAxis(node, Self.variant)) }
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { try softmax.run(inputs, context) }
}

struct SoftmaxKernel: SoftmaxFamilyKernel {
    static let variant = SoftmaxVariant.softmax
    let softmax: SoftmaxAlongAxis
}

struct LogSoftmaxKernel: SoftmaxFamilyKernel {
    static let variant = SoftmaxVariant.logSoftmax
    let softmax: SoftmaxAlongAxis
}

struct HardmaxKernel: SoftmaxFamilyKernel {
    static let variant = SoftmaxVariant.hardmax
    let softmax: SoftmaxAlongAxis
}
