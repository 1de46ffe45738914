import Foundation

/// onnxruntime's `get_entropy_threshold` (after TensorRT's int8 calibration): for every
/// symmetric window of bins around the middle, from `quantizedBins` bins wide to the whole
/// histogram, compare the window's distribution p (values outside added to its end bins) with
/// q, the window squeezed into `quantizedBins` bins and spread back; keep the window whose
/// KL(p‖q) is smallest. Reproduced with onnxruntime's quirks, since they decide the threshold:
/// q is spread over every bin of a group (also where p is 0), truncated to integers, and the
/// bins past the last whole group stay 0 in q; the divergence is computed in float32 with
/// numpy's summation order; ties keep the narrowest window.
enum EntropyThreshold {
    static func range(_ histogram: LayoutHistogram, quantizedBins: Int) -> TensorRange {
        let counts = histogram.counts
        let middle = counts.count / 2, half = quantizedBins / 2
        var prefix = [Int64](repeating: 0, count: counts.count + 1)
        for (i, count) in counts.enumerated() { prefix[i + 1] = prefix[i] + count }
        var best = (window: half, divergence: Float.infinity)
        for i in half...middle {
            let divergence = windowDivergence(counts, prefix, start: middle - i,
                                              end: Swift.min(middle + i + 1, counts.count), quantizedBins: quantizedBins)
            if i == half || divergence < best.divergence { best = (i, divergence) }
        }
        let start = middle - best.window, end = Swift.min(middle + best.window + 1, counts.count)
        return histogram.clamped(histogram.edges[start], histogram.edges[end])
    }

    /// KL divergence of the window [start, end) against its quantized version (inf where
    /// onnxruntime's smoothing gives up).
    static func windowDivergence(_ counts: [Int64], _ prefix: [Int64], start: Int, end: Int, quantizedBins: Int) -> Float {
        let size = end - start
        var p = Array(counts[start..<end])
        p[0] += prefix[start]
        p[size - 1] += prefix[counts.count] - prefix[end]
        let merged = size / quantizedBins
        var q = [Int64](repeating: 0, count: size)
        for group in 0..<quantizedBins {
            let lo = group * merged, hi = lo + merged
            var total = prefix[start + hi] - prefix[start + lo]
            if group == quantizedBins - 1 { total += prefix[end] - prefix[start + quantizedBins * merged] }
            let occupied = p[lo..<hi].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            guard occupied != 0 else { continue }
            let spread = Int64(Double(total) / Double(occupied))   // numpy float→int64 truncates
            for j in lo..<hi { q[j] = spread }
        }
        guard let smoothP = smooth(p), let smoothQ = smooth(q) else { return .infinity }
        return divergence(smoothP, smoothQ)
    }

    /// `smooth_distribution(p, eps=0.0001)`: zeros become eps and the non-zero bins give up
    /// the same mass, all in float32; nil when every bin is 0 or, where onnxruntime's
    /// assertion would fail, when the zeros outnumber the rest ten thousand to one.
    static func smooth(_ p: [Int64]) -> [Float]? {
        let zeros = p.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let nonZeros = p.count - zeros
        guard nonZeros > 0 else { return nil }
        let eps = 0.0001
        let eps1 = eps * Double(zeros) / Double(nonZeros)
        guard eps1 < 1 else { return nil }
        let (raise, lower) = (Float(eps), Float(-eps1))
        return p.map { $0 == 0 ? Float(0) + raise : Float($0) + lower }
    }

    /// scipy's `entropy(p, q)` as onnxruntime re-implements it: both normalized in float32,
    /// Σ p·log(p/q) summed as numpy sums.
    static func divergence(_ p: [Float], _ q: [Float]) -> Float {
        let pTotal = NumpyArithmetic.pairwiseSum(p), qTotal = NumpyArithmetic.pairwiseSum(q)
        var terms = [Float](repeating: 0, count: p.count)
        for i in p.indices {
            let pk = p[i] / pTotal, qk = q[i] / qTotal
            terms[i] = pk * logf(pk / qk)
        }
        return NumpyArithmetic.pairwiseSum(terms)
    }
}
