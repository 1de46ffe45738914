import Foundation

/// Running sums that compare a reference tensor x with an approximation y over any number of
/// tensors, as if they were concatenated: nothing but six numbers is kept, so figures over
/// all samples cost no memory per sample.
public struct ErrorStatistics: Sendable, Equatable {
    public private(set) var count = 0
    /// Σx², Σ(x−y)², Σx·y, Σy²: in double, so millions of float terms add without drift.
    private var signal = 0.0, noise = 0.0, cross = 0.0, approximation = 0.0
    public private(set) var maxAbs = 0.0

    public init() {}

    public mutating func add(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) {
        precondition(x.count == y.count, "compared tensors differ in size")
        var signal = 0.0, noise = 0.0, cross = 0.0, approximation = 0.0, maxAbs = self.maxAbs
        for i in 0..<x.count {
            let a = Double(x[i]), b = Double(y[i]), d = a - b
            signal += a * a
            noise += d * d
            cross += a * b
            approximation += b * b
            // NaN never compares greater: keep it visible instead of skipping it.
            if abs(d) > maxAbs || d.isNaN { maxAbs = abs(d) }
        }
        self.signal += signal
        self.noise += noise
        self.cross += cross
        self.approximation += approximation
        self.maxAbs = maxAbs
        count += x.count
    }

    public mutating func merge(_ other: ErrorStatistics) {
        count += other.count
        signal += other.signal
        noise += other.noise
        cross += other.cross
        approximation += other.approximation
        if other.maxAbs > maxAbs || other.maxAbs.isNaN { maxAbs = other.maxAbs }
    }

    /// 20·log10(‖x‖/‖x−y‖) with both norms raised to at least numpy's float64 epsilon, as
    /// onnxruntime's qdq_loss_debug computes it: identical tensors give a large finite figure
    /// (≈313 dB for ‖x‖ = 1), an all-zero x with an exact y gives 0 dB.
    public var sqnrDB: Double {
        let epsilon = Double.ulpOfOne
        return 20 * log10(max(signal.squareRoot(), epsilon) / max(noise.squareRoot(), epsilon))
    }

    /// x·y / (‖x‖‖y‖); NaN when either side is all zeros.
    public var cosine: Double { cross / (signal.squareRoot() * approximation.squareRoot()) }

    public var mse: Double { count == 0 ? .nan : noise / Double(count) }

    /// The noise power relative to the signal's, 10^(−SQNR/10): what independent error
    /// sources add up in.
    public var relativeNoise: Double { signal == 0 ? (noise == 0 ? 0 : .infinity) : noise / signal }
}
