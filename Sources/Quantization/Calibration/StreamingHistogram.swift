import Runtime

/// A histogram of fixed size however many values it counts: `bins` equal bins of the values
/// (`signed`, over [−m, m] with m the largest magnitude, as onnxruntime's histograms of real
/// values) or of their absolute values (`magnitude`, over [smallest, largest] magnitude, as
/// onnxruntime's percentile histogram).
///
/// The first block sets the interval. When a later block falls outside it, the interval grows
/// by a whole number a of bins on the low side and by the smallest whole factor f in width, and
/// each bin j moves into bin (a + j)/f: old edges are edges of the new grid's finer lattice, so
/// an old bin lies entirely inside one new bin and no count is smeared. (A signed histogram
/// grows symmetrically, a = (f − 1)·bins/2, so 0 stays an edge.) onnxruntime's merge_histogram
/// instead keeps the bin width and adds bins, so its memory grows with the range. While every
/// value so far was the same (all zeros, say) the interval has no width and that value is only
/// counted.
struct StreamingHistogram {
    enum Domain { case signed, magnitude }

    let domain: Domain
    let bins: Int
    /// Left edge of bin 0 and the bin width; width 0 until two different values were seen.
    private(set) var lower: Double = 0
    private(set) var width: Double = 0
    private(set) var counts: [Int64] = []
    /// The one value seen so far and how often, while there are no bins yet.
    private var pending: (value: Float, count: Int64)?

    init(domain: Domain, bins: Int) {
        precondition(bins >= 2 && bins % 2 == 0, "a streaming histogram needs an even bin count")
        self.domain = domain
        self.bins = bins
    }

    var upper: Double { lower + Double(bins) * width }
    /// Bytes of counts held: `bins` × 8 once two different values were seen, whatever follows.
    var memoryBytes: Int { counts.count * MemoryLayout<Int64>.stride }

    /// Counts the finite values of a block; `scan` is that block's ValueScan.
    mutating func add(_ values: UnsafeBufferPointer<Float>, scan: ValueScan, threads: Int) {
        guard scan.count > 0 else { return }
        let (low, high) = domain == .signed
            ? (-scan.maximumMagnitude, scan.maximumMagnitude) : (scan.minimumMagnitude, scan.maximumMagnitude)
        if counts.isEmpty && low == high && (pending == nil || pending!.value == low) {
            pending = (low, (pending?.count ?? 0) + Int64(scan.count))
            return
        }
        if counts.isEmpty {
            establish(low: Swift.min(low, pending?.value ?? low), high: Swift.max(high, pending?.value ?? high))
        } else {
            cover(low: low, high: high)
        }
        if low == high {   // a block of one value (zeros after a ReLU, say): no need to look at each
            counts[bin(of: low)] += Int64(scan.count)
            return
        }
        let offset = Float(-lower), scale = Float(1 / width)
        counts.withUnsafeMutableBufferPointer { counts in
            HistogramBinning.count(values, offset: offset, scale: scale, magnitude: domain == .magnitude,
                                   skipNonFinite: scan.nonFinite > 0, into: counts, threads: threads)
        }
    }

    /// The first interval; the pending value's count goes into its bin.
    private mutating func establish(low: Float, high: Float) {
        let reach = Swift.max(-Double(low), Double(high))
        (lower, width) = domain == .signed
            ? (-reach, 2 * reach / Double(bins)) : (Double(low), (Double(high) - Double(low)) / Double(bins))
        counts = [Int64](repeating: 0, count: bins)
        if let pending { counts[bin(of: pending.value)] += pending.count }
        pending = nil
    }

    /// Grows the interval to hold [low, high], merging bins.
    private mutating func cover(low: Float, high: Float) {
        let (low, high) = (Double(low), Double(high))
        guard low < lower || high > upper else { return }
        let shift: Int, factor: Int
        if domain == .signed {
            factor = Int((high / upper).rounded(.up))
            shift = (factor - 1) * bins / 2
        } else {
            shift = Swift.max(0, Int(((lower - low) / width).rounded(.up)))
            let span = Swift.max(Double(shift + bins), Double(shift) + (high - lower) / width)
            factor = Int((span / Double(bins)).rounded(.up))
        }
        var merged = [Int64](repeating: 0, count: bins)
        for (j, count) in counts.enumerated() where count != 0 { merged[(shift + j) / factor] += count }
        counts = merged
        lower -= Double(shift) * width
        width *= Double(factor)
    }

    /// The bin a value belongs to (the last one for the upper edge).
    private func bin(of value: Float) -> Int {
        let x = domain == .magnitude ? Double(value.magnitude) : Double(value)
        let position = ((x - lower) / width).rounded(.down)
        return Int(Swift.min(Swift.max(position, 0), Double(bins - 1)))
    }

    /// Every non-zero count with its bin's center, in bin order (the single value itself while
    /// there are no bins).
    func forEachBin(_ body: (_ center: Double, _ count: Int64) -> Void) {
        if let pending {
            body(Double(pending.value), pending.count)
            return
        }
        for (j, count) in counts.enumerated() where count != 0 { body(lower + (Double(j) + 0.5) * width, count) }
    }

    /// The counts regrouped into `edges.count − 1` bins between `edges.first` and `edges.last`
    /// (onnxruntime's layout, which holds all the values). The count below each edge is the
    /// bins wholly below it plus, for the bin the edge cuts, the share of its width below the
    /// edge (values taken as uniform within a bin), rounded: counts stay integers and sum to the
    /// total. Where the edges coincide with this histogram's (the range never grew after the
    /// first block) the result is exactly onnxruntime's histogram; otherwise only values in the
    /// bins that edges cut can land one output bin off. Sharing bins out this way, rather than
    /// giving each bin whole to the output bin holding its center, matched onnxruntime's entropy
    /// thresholds far more often on the golden data.
    func regrouped(into edges: [Float]) -> [Int64] {
        let output = edges.count - 1
        var result = [Int64](repeating: 0, count: output)
        if let pending {
            let first = Double(edges[0]), span = Double(edges[output]) - first
            let position = ((Double(pending.value) - first) / span * Double(output)).rounded(.down)
            result[Int(Swift.min(Swift.max(position, 0), Double(output - 1)))] = pending.count
            return result
        }
        var cumulative = [Int64](repeating: 0, count: bins + 1)
        for j in 0..<bins { cumulative[j + 1] = cumulative[j] + counts[j] }
        let total = cumulative[bins]
        // The count below an edge: whole bins below it plus the covered share of the bin it cuts.
        func below(_ edge: Float) -> Int64 {
            let position = (Double(edge) - lower) / width
            if position <= 0 { return 0 }
            if position >= Double(bins) { return total }
            let j = Int(position)
            return cumulative[j] + Int64(((position - Double(j)) * Double(counts[j])).rounded())
        }
        var previous: Int64 = 0
        for k in 0..<output {
            let next = k == output - 1 ? total : Swift.max(previous, below(edges[k + 1]))
            result[k] = next - previous
            previous = next
        }
        return result
    }
}
