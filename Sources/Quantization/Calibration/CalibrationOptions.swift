/// How a tensor's range is chosen from the values observed during calibration.
///
/// - `minmax`: the smallest and largest value (onnxruntime's MinMax, moving average optional).
/// - `entropy`: the clipping threshold minimizing the KL divergence between the histogram and
///   its quantized version (onnxruntime's Entropy, TensorRT's method).
/// - `percentile`: the `percentile`-th percentile of the values (of their magnitudes when
///   symmetric), onnxruntime's Percentile.
/// - `distribution`: onnxruntime's Distribution: mean and standard deviation of the histogram
///   (for float8 scales), with the data's [min, max] as the range (onnxruntime's ±max|x| breaks
///   int8, see `DistributionStatistics`).
/// - `mse`: the clipping range minimizing the expected squared error of quantizing to the
///   integer grid, clipping and rounding both counted (no onnxruntime counterpart).
public enum CalibrationMethod: String, CaseIterable, Codable, Sendable {
    case minmax, entropy, percentile, distribution, mse

    /// Whether the method needs a histogram (all but minmax).
    public var usesHistogram: Bool { self != .minmax }
}

/// onnxruntime's DistributionCalibrater scenarios: `same` takes mean and deviation of the
/// values, `p3` of their cube roots (float8 weights assumed ~ X³ with X Gaussian).
public enum DistributionScenario: String, CaseIterable, Codable, Sendable {
    case same, p3
}

/// Options of a calibration run. Names and defaults follow onnxruntime's `extra_options`
/// (CalibTensorRangeSymmetric, CalibMovingAverage, CalibMovingAverageConstant,
/// CalibStridedMinMax, CalibPercentile, num_bins, num_quantized_bins, scenario) except where
/// noted: the entropy histogram is finer by default (see `numBins`).
public struct CalibrationOptions: Sendable, Equatable {
    public var method: CalibrationMethod
    /// Percentile method: the percentile kept, in [0, 100].
    public var percentile: Double
    /// Bins of the histogram the threshold search works on; nil picks the method's default
    /// (`defaultBins`).
    public var numBins: Int?
    /// Entropy: bins of the quantized distribution the KL divergence is measured against.
    public var numQuantizedBins: Int
    /// Make the range symmetric around zero; nil picks the method's default (true for
    /// percentile, false otherwise, as onnxruntime). Entropy and distribution ignore it, as
    /// onnxruntime does.
    public var symmetric: Bool?
    /// MinMax: average the per-sample minima and maxima instead of taking the extremes.
    public var movingAverage: Bool
    /// MinMax moving average: weight of a new chunk of samples in the exponential average.
    public var averagingConstant: Float
    /// MinMax moving average: samples per chunk (onnxruntime's CalibStridedMinMax). Within a
    /// chunk the per-sample extremes are averaged; chunks are combined by the exponential
    /// average. nil makes all samples one chunk, as quantize_static without a stride.
    public var movingAverageStride: Int?
    /// Distribution: which statistic the mean and deviation describe.
    public var scenario: DistributionScenario
    /// MSE: bits of the integer grid the error is measured on (8: int8/uint8).
    public var quantizationBits: Int

    public init(method: CalibrationMethod = .minmax, percentile: Double = 99.999, numBins: Int? = nil,
                numQuantizedBins: Int = 128, symmetric: Bool? = nil, movingAverage: Bool = false,
                averagingConstant: Float = 0.01, movingAverageStride: Int? = nil,
                scenario: DistributionScenario = .same, quantizationBits: Int = 8) {
        self.method = method
        self.percentile = percentile
        self.numBins = numBins
        self.numQuantizedBins = numQuantizedBins
        self.symmetric = symmetric
        self.movingAverage = movingAverage
        self.averagingConstant = averagingConstant
        self.movingAverageStride = movingAverageStride
        self.scenario = scenario
        self.quantizationBits = quantizationBits
    }

    /// Default histogram bins per method, onnxruntime's: 2048 for percentile, distribution and
    /// MSE, 128 for entropy. With 128 bins and 128 quantized bins the KL search has a single
    /// candidate (Entropy equals MinMax); 2048 bins (TensorRT's choice, `numBins: 2048`) gives it
    /// 961, but measured on the shared models the thresholds it picks clip too much (digits 24 dB
    /// instead of 32.7, the OCR recognizer's characters lost), so the default stays onnxruntime's.
    public static func defaultBins(for method: CalibrationMethod) -> Int {
        switch method {
        case .minmax: return 0
        case .entropy: return 128
        default: return 2048
        }
    }

    /// The histogram bins in effect.
    public var bins: Int { numBins ?? CalibrationOptions.defaultBins(for: method) }

    /// Whether ranges are made symmetric, after the method's default.
    public var isSymmetric: Bool { symmetric ?? (method == .percentile) }

    /// Rejects values onnxruntime rejects too, and those the histogram cannot honour.
    public func validate() throws {
        func fail(_ message: String) -> CalibrationError { .invalidOption(message) }
        if !(0...100).contains(percentile) { throw fail("percentile \(percentile) is not in [0, 100]") }
        if movingAverage && !(0...1).contains(averagingConstant) {
            throw fail("averaging constant \(averagingConstant) is not in [0, 1]")
        }
        if let stride = movingAverageStride, stride < 1 { throw fail("moving average stride \(stride) is below 1") }
        guard method.usesHistogram else { return }
        // Each tensor keeps 16 counts per bin: 65536 bins are 8 MB per tensor.
        if bins < 2 || bins > 1 << 16 { throw fail("\(bins) histogram bins: must be in [2, 65536]") }
        if method == .entropy && !(1...bins).contains(numQuantizedBins) {
            throw fail("\(numQuantizedBins) quantized bins: must be in [1, \(bins)] (the histogram bins)")
        }
        if method == .distribution && bins < 512 {
            throw fail("distribution needs at least 512 histogram bins, not \(bins) (as onnxruntime)")
        }
        if method == .mse && !(2...16).contains(quantizationBits) {
            throw fail("\(quantizationBits) quantization bits: must be in [2, 16]")
        }
    }
}

/// The range chosen for one tensor. `average` and `deviation` are set by the distribution
/// method only (onnxruntime's TensorData avg/std, which float8 scales are computed from).
public struct TensorRange: Codable, Equatable, Sendable {
    public var min: Float
    public var max: Float
    public var average: Float?
    public var deviation: Float?

    public init(min: Float, max: Float, average: Float? = nil, deviation: Float? = nil) {
        self.min = min
        self.max = max
        self.average = average
        self.deviation = deviation
    }
}

/// Errors of calibration, each naming what was wrong.
public enum CalibrationError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)

    public var description: String {
        switch self {
        case .invalidOption(let message): return "invalid calibration option: \(message)"
        }
    }
}
