/// A histogram laid out as onnxruntime's HistogramCollector lays it out after collecting all
/// samples in one call (what quantize_static does): `counts.count` bins with numpy's float32
/// edges, plus the extremes of the data. Entropy, percentile and distribution run on this, so
/// their thresholds are onnxruntime's edges.
struct LayoutHistogram {
    var counts: [Int64]
    var edges: [Float]
    /// Smallest and largest finite value seen (signed, also for magnitude histograms).
    var minimum: Float
    var maximum: Float

    /// `collect_value`: `bins` bins over [−t, t], t the largest magnitude (±0.5 when t = 0).
    static func values(_ histogram: StreamingHistogram, totals: ValueScan, bins: Int) -> LayoutHistogram {
        let reach = totals.maximumMagnitude
        return make(histogram, totals: totals, edges: NumpyArithmetic.histogramEdges(first: -reach, last: reach, bins: bins))
    }

    /// `collect_absolute_value`: `bins` bins over [min |x|, max |x|] (numpy's default range).
    static func magnitudes(_ histogram: StreamingHistogram, totals: ValueScan, bins: Int) -> LayoutHistogram {
        let edges = NumpyArithmetic.histogramEdges(first: totals.minimumMagnitude, last: totals.maximumMagnitude, bins: bins)
        return make(histogram, totals: totals, edges: edges)
    }

    private static func make(_ histogram: StreamingHistogram, totals: ValueScan, edges: [Float]) -> LayoutHistogram {
        LayoutHistogram(counts: histogram.regrouped(into: edges), edges: edges,
                        minimum: totals.minimum, maximum: totals.maximum)
    }

    /// onnxruntime's last step for entropy and percentile: a threshold beyond the data is
    /// replaced by the data's own extreme.
    func clamped(_ low: Float, _ high: Float) -> TensorRange {
        TensorRange(min: low < minimum ? minimum : low, max: high > maximum ? maximum : high)
    }
}
