/// The clipping range that minimizes the expected squared error of quantizing a tensor to the
/// integer grid (no onnxruntime counterpart), searched on the fine streaming histogram with
/// each bin's values at its center.
///
/// For a range [a, b] with L steps of s = (b − a)/L, a value outside costs its distance to the
/// nearer end squared (clipping) and a value inside costs s²/12 (rounding, uniform within a
/// step), except exact zeros, which the zero point represents exactly. Symmetric: a = −t and
/// L = 2^(bits−1) − 1 (onnxruntime's symmetric int8 grid, −127…127). Asymmetric: a ≤ 0 ≤ b
/// (the quantizer makes every range hold 0) and L = 2^bits − 1.
///
/// With the other end fixed, the error is a quadratic in the free end between two bin centers,
/// so each stretch is minimized in closed form: the optimum can sit in an empty stretch (between
/// the bulk and a few outliers), which a search over bin edges would miss. The asymmetric pair
/// is found by alternating the two ends from [min, max]; neither end goes past the data.
enum MSEThreshold {
    static func range(_ histogram: StreamingHistogram, totals: ValueScan, bits: Int, symmetric: Bool) -> TensorRange {
        var centers: [Double] = [], counts: [Double] = []
        histogram.forEachBin { center, count in
            centers.append(center)
            counts.append(Double(count))
        }
        let zeros = Double(totals.zeros)
        if symmetric {
            let steps = Double((1 << (bits - 1)) - 1)
            let folded = zip(centers.map(\.magnitude), counts).sorted { $0.0 < $1.0 }
            let side = ClippedSide(centers: folded.map(\.0), counts: folded.map(\.1), zeros: zeros, steps: steps)
            let t = side.bestEnd(anchor: 0, limit: Double(totals.maximumMagnitude))
            return TensorRange(min: -Float(t), max: Float(t))
        }
        let steps = Double((1 << bits) - 1)
        let (low, high) = (Double(Swift.min(totals.minimum, 0)), Double(Swift.max(totals.maximum, 0)))
        var (a, b) = (low, high)
        for _ in 0..<32 {
            // Upper end over the bins the lower end keeps; then the lower end, mirrored.
            let kept = centers.indices.filter { centers[$0] >= a }
            let upper = ClippedSide(centers: kept.map { centers[$0] }, counts: kept.map { counts[$0] }, zeros: zeros, steps: steps)
            let newB = upper.bestEnd(anchor: a, limit: high)
            let below = centers.indices.filter { centers[$0] <= newB }.reversed()
            let lower = ClippedSide(centers: below.map { -centers[$0] }, counts: below.map { counts[$0] }, zeros: zeros, steps: steps)
            let newA = -lower.bestEnd(anchor: -newB, limit: -low)
            if newA == a && newB == b { break }
            (a, b) = (newA, newB)
        }
        return TensorRange(min: Float(a), max: Float(b))
    }
}

/// One end of the range over bins sorted by center, the other end (`anchor`) fixed below them:
/// bins past the end e are clipped to it, the rest cost a rounding error of ((e − anchor)/L)²/12.
struct ClippedSide {
    let centers: [Double]
    let counts: [Double]
    let zeros: Double
    /// 1/(12 L²): rounding error per value per squared range width.
    let rounding: Double

    init(centers: [Double], counts: [Double], zeros: Double, steps: Double) {
        self.centers = centers
        self.counts = counts
        self.zeros = zeros
        rounding = 1 / (12 * steps * steps)
    }

    /// The end in [max(anchor, 0), limit] with the least error.
    func bestEnd(anchor: Double, limit: Double) -> Double {
        // Suffix sums of n, n·x, n·x² over the bins after k (clipped when the end is below them).
        let n = centers.count
        var s0 = [Double](repeating: 0, count: n + 1), s1 = s0, s2 = s0
        for j in stride(from: n - 1, through: 0, by: -1) {
            s0[j] = s0[j + 1] + counts[j]
            s1[j] = s1[j + 1] + counts[j] * centers[j]
            s2[j] = s2[j + 1] + counts[j] * centers[j] * centers[j]
        }
        let floor = Swift.max(anchor, 0)
        var best = (end: limit, error: Double.infinity)
        // Stretch k: the end between center k−1 and center k, bins k… clipped, bins before inside.
        for k in 0...n {
            let from = Swift.max(k == 0 ? floor : centers[k - 1], floor)
            let to = Swift.min(k == n ? limit : centers[k], limit)
            guard from <= to else { continue }
            let inside = Swift.max(s0[0] - s0[k] - zeros, 0) * rounding
            // d/de [Σ n(x − e)² + inside·(e − anchor)²] = 0.
            let weight = s0[k] + inside
            let end = weight > 0 ? Swift.min(Swift.max((s1[k] + inside * anchor) / weight, from), to) : from
            let error = s2[k] - 2 * end * s1[k] + end * end * s0[k] + inside * (end - anchor) * (end - anchor)
            if error < best.error { best = (end, error) }
        }
        return best.end
    }
}
