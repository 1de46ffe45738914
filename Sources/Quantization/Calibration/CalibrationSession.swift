import Runtime

/// Collects the ranges of a set of tensors while a model runs over calibration samples, from the
/// interpreter's observer: nothing is added to the graph and no activation is kept.
///
///     let session = try CalibrationSession(tensors: names, options: CalibrationOptions(method: .entropy))
///     for feeds in samples {
///         _ = try interpreter.run(feeds, observer: session.observer)
///         session.endSample()
///     }
///     let ranges = session.ranges()
///
/// Memory per tensor does not grow with the samples: a few floats for MinMax (plus two per
/// sample of the open chunk with moving average, which numpy's mean needs), and for the
/// histogram methods `16 × bins` 64-bit counts (256 KB at the default 2048 bins). onnxruntime
/// instead keeps every observed activation of every sample until the end.
public final class CalibrationSession {
    public let options: CalibrationOptions
    public let tensorNames: Set<String>
    /// Samples closed by `endSample()`.
    public private(set) var samples = 0
    private let threads: Int
    private var states: [String: TensorState] = [:]

    /// Bins kept per bin of the output layout. Until the final range is known values are counted
    /// in these finer bins and shared out at the end (`StreamingHistogram.regrouped`); with 16
    /// per output bin (at most 8 after the range grew) 97 of the 99 golden histogram ranges are
    /// onnxruntime's exactly, against 94 with 8.
    static let fineBinsPerBin = 16

    public init(tensors: some Sequence<String>, options: CalibrationOptions, threads: Int? = nil) throws {
        try options.validate()
        self.options = options
        tensorNames = Set(tensors)
        self.threads = threads ?? InterpreterOptions().threads
    }

    /// The observer to hand to `Interpreter.run(_:observer:)`.
    public var observer: TensorObserver {
        { name, tensor in self.observe(name, tensor) }
    }

    /// Takes in one observed tensor. Names outside the set, tensors that are not float32 or
    /// float16, and empty tensors are ignored; NaN and ±inf are counted and skipped.
    public func observe(_ name: String, _ tensor: Tensor) {
        guard tensorNames.contains(name), tensor.count > 0 else { return }
        switch tensor.type {
        case .float:
            add(name, tensor.elements(Float.self))
        case .float16:
            FloatBlocks.widening(tensor.elements(UInt16.self)) { add(name, $0) }
        default:
            return
        }
    }

    /// Marks the end of a sample (one model run): MinMax reduces per-sample extremes, as
    /// onnxruntime's ReduceMin/ReduceMax outputs per run.
    public func endSample() {
        samples += 1
        guard options.method == .minmax else { return }
        for state in states.values { state.minMax.endSample(options) }
    }

    /// The range of every tensor that had at least one finite value. Tensors never observed
    /// (or only NaN/inf) are absent. Histogram thresholds are searched in parallel.
    public func ranges() -> [String: TensorRange] {
        let names = states.keys.sorted().filter { states[$0]!.totals.count > 0 }
        var results = [TensorRange?](repeating: nil, count: names.count)
        results.withUnsafeMutableBufferPointer { results in
            parallelRanges(names.count, threads: options.method == .minmax ? 1 : threads) { range in
                for i in range { results[i] = states[names[i]]!.range(options) }
            }
        }
        var ranges: [String: TensorRange] = [:]
        for (name, range) in zip(names, results) { ranges[name] = range }
        return ranges
    }

    /// What was observed of each tensor, including how many NaN/inf values were skipped.
    public func statistics() -> [String: TensorStatistics] {
        states.mapValues { state in
            let totals = state.totals
            return TensorStatistics(values: totals.count, nonFinite: totals.nonFinite, zeros: totals.zeros,
                                    min: totals.count > 0 ? totals.minimum : nil, max: totals.count > 0 ? totals.maximum : nil)
        }
    }

    /// Tensors with skipped NaN or infinite values, and how many.
    public func skippedNonFinite() -> [String: Int] {
        states.compactMapValues { $0.totals.nonFinite > 0 ? $0.totals.nonFinite : nil }
    }

    /// Whether sessions that saw different samples can be merged into the one a single session
    /// would have given: plain MinMax, where only extremes are kept.
    public var mergesAcrossSamples: Bool { options.method == .minmax && !options.movingAverage }

    /// Takes in a session of the same tensors and options that saw other samples (see
    /// `mergesAcrossSamples`).
    public func absorb(_ other: CalibrationSession) {
        precondition(mergesAcrossSamples && other.options == options, "only plain MinMax sessions merge")
        samples += other.samples
        for (name, theirs) in other.states {
            let state = states[name] ?? makeState(name)
            state.totals.merge(theirs.totals)
            state.minMax.absorb(theirs.minMax, options)
        }
    }

    /// Bytes held for histograms, over all tensors.
    public var histogramBytes: Int { states.values.reduce(0) { $0 + ($1.histogram?.memoryBytes ?? 0) } }

    private func add(_ name: String, _ values: UnsafeBufferPointer<Float>) {
        let state = states[name] ?? makeState(name)
        let scan = ValueScan.scan(values)
        state.totals.merge(scan)
        if options.method == .minmax {
            state.minMax.add(scan)
        } else {
            state.histogram!.add(values, scan: scan, threads: threads)
        }
    }

    private func makeState(_ name: String) -> TensorState {
        let state = TensorState()
        if options.method.usesHistogram {
            // onnxruntime's symmetric percentile histograms magnitudes; everything else values.
            let domain: StreamingHistogram.Domain = options.method == .percentile && options.isSymmetric ? .magnitude : .signed
            state.histogram = StreamingHistogram(domain: domain, bins: options.bins * CalibrationSession.fineBinsPerBin)
        }
        states[name] = state
        return state
    }
}

/// What a session saw of one tensor.
public struct TensorStatistics: Equatable, Sendable {
    /// Finite values counted (over all samples).
    public var values: Int
    /// NaN and ±inf values skipped.
    public var nonFinite: Int
    /// Values exactly ±0.
    public var zeros: Int
    /// Extremes of the finite values; nil when there were none.
    public var min: Float?
    public var max: Float?
}

/// One tensor's accumulated state.
private final class TensorState {
    var totals = ValueScan()
    var minMax = MinMaxCollector()
    var histogram: StreamingHistogram?

    func range(_ options: CalibrationOptions) -> TensorRange? {
        guard let histogram else { return minMax.range(options) }
        let bins = options.bins
        switch options.method {
        case .minmax:
            preconditionFailure("MinMax keeps no histogram")
        case .entropy:
            return EntropyThreshold.range(.values(histogram, totals: totals, bins: bins),
                                          quantizedBins: options.numQuantizedBins)
        case .percentile:
            let layout: LayoutHistogram = histogram.domain == .magnitude
                ? .magnitudes(histogram, totals: totals, bins: bins) : .values(histogram, totals: totals, bins: bins)
            return PercentileThreshold.range(layout, percentile: options.percentile, symmetric: options.isSymmetric)
        case .distribution:
            return DistributionStatistics.range(.values(histogram, totals: totals, bins: bins), scenario: options.scenario)
        case .mse:
            return MSEThreshold.range(histogram, totals: totals, bits: options.quantizationBits, symmetric: options.isSymmetric)
        }
    }
}
