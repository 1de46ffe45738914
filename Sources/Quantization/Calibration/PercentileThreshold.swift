/// onnxruntime's `compute_percentile`: the histogram edge where the cumulative share of values
/// first reaches the percentile. Symmetric: on the magnitude histogram, giving ±edge;
/// otherwise (100 − percentile)/2 percent is cut from each end of the value histogram. A
/// threshold past the data becomes the data's extreme (so the symmetric range of all-positive
/// data is [min, edge], as in onnxruntime).
enum PercentileThreshold {
    static func range(_ histogram: LayoutHistogram, percentile: Double, symmetric: Bool) -> TensorRange {
        let cdf = cumulativeShares(histogram.counts)
        if symmetric {
            let edge = histogram.edges[searchSorted(cdf, percentile / 100.0)]
            return histogram.clamped(-edge, edge)
        }
        let cut = (100.0 - percentile) / 200.0
        return histogram.clamped(histogram.edges[searchSorted(cdf, cut)], histogram.edges[searchSorted(cdf, 1.0 - cut)])
    }

    /// `np.cumsum(hist / total)`: each share divided first, then summed in order, in float64.
    static func cumulativeShares(_ counts: [Int64]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        var running = 0.0
        return counts.map { count in
            running += Double(count) / total
            return running
        }
    }

    /// `np.searchsorted(cdf, value)` (side "left"): the first index whose entry is ≥ value,
    /// `cdf.count` when none is.
    static func searchSorted(_ cdf: [Double], _ value: Double) -> Int {
        var low = 0, high = cdf.count
        while low < high {
            let mid = (low + high) / 2
            if cdf[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
