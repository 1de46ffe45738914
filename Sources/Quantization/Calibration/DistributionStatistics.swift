import Foundation

/// onnxruntime's `compute_distribution`: mean and standard deviation of the histogram (each
/// bin counted at its float32 center), of the values (`same`) or of their signed cube roots
/// (`p3`); onnxruntime computes float8 scales from the deviation.
///
/// The range differs on purpose. onnxruntime's `lowest`/`highest` are the histogram's outer
/// edges, ±max|x|, which its quantizer then uses for int8: symmetric even for a one-sided
/// tensor, so where the quantizer folds a Relu or Clip into the range of the tensor before it,
/// the negative values it should have cut pass through (ocr_cls: SQNR 0.2 dB, against 20 dB
/// with MinMax). qtool returns the data's own [min, max], MinMax over all samples, which int8
/// can use as it is; the mean and deviation are onnxruntime's. (Clipping at mean ± k·deviation
/// was tried and rejected: on ocr_rec every k from 3 to 8 lost 4.5 dB or more against MinMax.)
enum DistributionStatistics {
    static func range(_ histogram: LayoutHistogram, scenario: DistributionScenario) -> TensorRange {
        let edges = histogram.edges
        var centers = (0..<histogram.counts.count).map { (edges[$0] + edges[$0 + 1]) * 0.5 }
        if scenario == .p3 {
            let power = Float(1.0 / 3.0)
            centers = centers.map { value in
                let sign: Float = value < 0 ? -1 : 1   // numpy's |v|/v, with 1 where that is NaN (v = 0)
                return powf(value.magnitude, power) * sign
            }
        }
        let (average, deviation) = moments(histogram.counts, centers)
        return TensorRange(min: histogram.minimum, max: histogram.maximum, average: average, deviation: deviation)
    }

    /// Weighted mean and deviation in float64, rounded to float32 as onnxruntime returns them;
    /// a variance that rounding made negative counts as 0.
    static func moments(_ counts: [Int64], _ values: [Float]) -> (Float, Float) {
        var total = 0.0, sum = 0.0, squares = 0.0
        for (count, value) in zip(counts, values) where count != 0 {
            total += Double(count)
            sum += Double(count) * Double(value)
            squares += Double(count) * Double(value * value)
        }
        let average = sum / total
        return (Float(average), Float(sqrt(Swift.max(squares / total - average * average, 0))))
    }
}
