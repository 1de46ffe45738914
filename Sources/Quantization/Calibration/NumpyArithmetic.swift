/// The float32 arithmetic of the numpy calls onnxruntime's calibrators make, reproduced step
/// by step so qtool's ranges equal onnxruntime's to the bit where the inputs are the same.
enum NumpyArithmetic {
    /// `np.sum` of a float32 vector: numpy's pairwise summation (8 accumulators in blocks of
    /// up to 128 values, halves split at multiples of 8 above that), in float32.
    static func pairwiseSum(_ values: UnsafeBufferPointer<Float>) -> Float {
        let n = values.count
        if n < 8 {
            var sum: Float = -0.0
            for value in values { sum += value }
            return sum
        }
        if n <= 128 { return blockSum(values) }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(UnsafeBufferPointer(rebasing: values[..<half]))
            + pairwiseSum(UnsafeBufferPointer(rebasing: values[half...]))
    }

    static func pairwiseSum(_ values: [Float]) -> Float {
        values.withUnsafeBufferPointer { pairwiseSum($0) }
    }

    /// 8 ≤ n ≤ 128: eight running sums, combined as a tree, then the tail added in order.
    private static func blockSum(_ values: UnsafeBufferPointer<Float>) -> Float {
        let n = values.count
        var lanes = (0..<8).map { values[$0] }
        var i = 8
        while i < n - n % 8 {
            for lane in 0..<8 { lanes[lane] += values[i + lane] }
            i += 8
        }
        var sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
        while i < n {
            sum += values[i]
            i += 1
        }
        return sum
    }

    /// `np.nanmean` of float32 values without NaNs: the float32 pairwise sum divided by the
    /// count in float64 (numpy divides a float32 total by an integer count that way).
    static func mean(_ values: [Float]) -> Float {
        Float(Double(pairwiseSum(values)) / Double(values.count))
    }

    /// The bin edges `np.histogram(..., bins, range=(first, last))` uses for float32 data:
    /// `np.linspace` in float32 (edge i = i·step + first, step = (last − first)/bins, the last
    /// edge exactly `last`), after numpy widened an empty range to ±0.5.
    static func histogramEdges(first: Float, last: Float, bins: Int) -> [Float] {
        var (first, last) = (first, last)
        if first == last {
            first -= 0.5
            last += 0.5
        }
        let step = (last - first) / Float(bins)
        var edges = (0...bins).map { Float($0) * step + first }
        edges[bins] = last
        return edges
    }
}
