import ONNXModel

/// What the normalization kernels share: the floating types they run on (Float rows go through
/// the SIMD loops of FloatRows, Double through plain loops), parameter reading, and the
/// statistics of rows and columns, always accumulated in Double.
protocol NormalizableFloat: BinaryFloatingPoint, TensorElement {
    /// Mean and population variance of a contiguous, non-empty row (two passes).
    static func rowMoments(_ x: UnsafePointer<Self>, _ n: Int) -> (mean: Double, variance: Double)
    /// Mean of the squares of a contiguous, non-empty row.
    static func rowMeanSquare(_ x: UnsafePointer<Self>, _ n: Int) -> Double
    /// y = x * scale + shift.
    static func affineRow(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int, scale: Self, shift: Self)
    /// y = (x - mean) * invStd * gamma + beta, gamma and beta per element.
    static func normalizeRow(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int, mean: Self,
                             invStd: Self, gamma: UnsafePointer<Self>, beta: UnsafePointer<Self>?)
}

extension Float: NormalizableFloat {
    static func rowMoments(_ x: UnsafePointer<Float>, _ n: Int) -> (mean: Double, variance: Double) {
        let mean = FloatRows.sum(x, n) / Double(n)
        return (mean, FloatRows.sumOfSquaredDeviations(x, n, from: Float(mean)) / Double(n))
    }

    static func rowMeanSquare(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        FloatRows.sumOfSquares(x, n) / Double(n)
    }

    static func affineRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, scale: Float,
                          shift: Float) {
        FloatRows.affine(x, y, n, scale: scale, shift: shift)
    }

    static func normalizeRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, mean: Float,
                             invStd: Float, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?) {
        FloatRows.normalize(x, y, n, mean: mean, invStd: invStd, gamma: gamma, beta: beta)
    }
}

extension Double: NormalizableFloat {
    static func rowMoments(_ x: UnsafePointer<Double>, _ n: Int) -> (mean: Double, variance: Double) {
        NormalizationMath.referenceMoments(x, n)
    }

    static func rowMeanSquare(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        NormalizationMath.referenceMeanSquare(x, n)
    }

    static func affineRow(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int, scale: Double,
                          shift: Double) {
        for i in 0..<n { y[i] = x[i] * scale + shift }
    }

    static func normalizeRow(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int, mean: Double,
                             invStd: Double, gamma: UnsafePointer<Double>, beta: UnsafePointer<Double>?) {
        NormalizationMath.referenceNormalize(x, y, n, mean: mean, invStd: invStd, gamma: gamma, beta: beta)
    }
}

enum NormalizationMath {
    /// The plain two-pass statistics: the oracle for Float's SIMD `rowMoments`.
    static func referenceMoments<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int) -> (mean: Double, variance: Double) {
        var sum = 0.0
        for i in 0..<n { sum += Double(x[i]) }
        let mean = sum / Double(n)
        var squares = 0.0
        for i in 0..<n { let d = Double(x[i]) - mean; squares += d * d }
        return (mean, squares / Double(n))
    }

    static func referenceMeanSquare<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ n: Int) -> Double {
        var squares = 0.0
        for i in 0..<n { squares += Double(x[i]) * Double(x[i]) }
        return squares / Double(n)
    }

    static func referenceNormalize<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int,
                                                           mean: T, invStd: T, gamma: UnsafePointer<T>,
                                                           beta: UnsafePointer<T>?) {
        for i in 0..<n { y[i] = (x[i] - mean) * invStd * gamma[i] + (beta?[i] ?? 0) }
    }

    /// Mean and variance of each of `inner` columns of a [count, inner] block, walking whole rows.
    static func columnMoments<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, count: Int, inner: Int,
                                                      mean: UnsafeMutablePointer<Double>,
                                                      variance: UnsafeMutablePointer<Double>) {
        mean.initialize(repeating: 0, count: inner)
        variance.initialize(repeating: 0, count: inner)
        for r in 0..<count {
            for i in 0..<inner { mean[i] += Double(x[r * inner + i]) }
        }
        for i in 0..<inner { mean[i] /= Double(count) }
        for r in 0..<count {
            for i in 0..<inner { let d = Double(x[r * inner + i]) - mean[i]; variance[i] += d * d }
        }
        for i in 0..<inner { variance[i] /= Double(count) }
    }

    /// A float or double parameter tensor's values, checked to hold `count` of them.
    static func values(_ tensor: Tensor?, _ name: String, count: Int? = nil) throws -> [Double] {
        guard let tensor else { throw RuntimeError.invalidModel("missing input '\(name)'") }
        if let count, tensor.count != count {
            throw RuntimeError.invalidModel("input '\(name)' has \(tensor.count) elements (shape \(tensor.shape)), expected \(count)")
        }
        switch tensor.type {
        case .float: return tensor.elements(Float.self).map(Double.init)
        case .double: return tensor.scalars(Double.self)
        case .float16, .bfloat16: return HalfPrecision.widen(tensor).elements(Float.self).map(Double.init)
        default: throw RuntimeError.unsupported("input '\(name)' of type \(tensor.type) is not supported")
        }
    }

    /// A parameter broadcast (numpy rules, one way) to `shape`, as `count(shape)` values in T.
    static func expanded<T: BinaryFloatingPoint>(_ tensor: Tensor, _ name: String, to shape: [Int]) throws -> [T] {
        let values = try values(tensor, name)
        let count = Shapes.count(shape)
        if values.count == count { return values.map { T($0) } }
        guard tensor.rank <= shape.count, Shapes.broadcast([tensor.shape, shape]) == shape else {
            throw RuntimeError.invalidModel("input '\(name)' of shape \(tensor.shape) does not broadcast to \(shape)")
        }
        let strides = Shapes.broadcastStrides(tensor.shape, to: shape)
        let dense = Shapes.strides(shape)
        return (0..<count).map { index in
            var offset = 0
            for axis in shape.indices { offset += (index / dense[axis]) % shape[axis] * strides[axis] }
            return T(values[offset])
        }
    }

    /// A tensor of `type` (a floating type) holding `values`.
    static func tensor(_ values: [Double], type: DataType, shape: [Int]) -> Tensor {
        type == .double ? Tensor(values, shape: shape) : HalfPrecision.narrow(Tensor(values.map { Float($0) }, shape: shape), to: type)
    }

    /// Work per parallel task: about 16k elements.
    static func minimumRows(_ length: Int) -> Int { max(1, (1 << 14) / max(1, length)) }
}
