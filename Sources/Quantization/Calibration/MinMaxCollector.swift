/// onnxruntime's MinMaxCalibrater for one tensor, without its augmented model: each sample's
/// minimum and maximum (its ReduceMin/ReduceMax outputs), reduced over the samples.
///
/// onnxruntime works in chunks of samples (one `collect_data` call each; quantize_static makes
/// one chunk of the whole reader, or one per CalibStridedMinMax samples). Within a chunk it takes
/// the extremes (`nanmin`/`nanmax`) or, with moving average, the mean (`nanmean`) of the
/// per-sample values, makes that pair symmetric if asked, and merges chunks by min/max or by
/// the exponential average `old + c·(new − old)`. The mean needs every per-sample value of the
/// open chunk (numpy's pairwise float32 sum depends on the count), so moving average keeps two
/// floats per sample of a chunk; plain MinMax keeps four floats.
struct MinMaxCollector {
    private var sample: (min: Float, max: Float)?
    private var chunkMinima: [Float] = []
    private var chunkMaxima: [Float] = []
    private var merged: (min: Float, max: Float)?

    /// Adds a block of values of the current sample.
    mutating func add(_ scan: ValueScan) {
        guard scan.count > 0 else { return }
        let (low, high) = sample ?? (scan.minimum, scan.maximum)
        sample = (Swift.min(low, scan.minimum), Swift.max(high, scan.maximum))
    }

    /// Closes the current sample; a sample in which the tensor had no finite value is skipped.
    mutating func endSample(_ options: CalibrationOptions) {
        guard let (low, high) = sample else { return }
        sample = nil
        chunkMinima.append(low)
        chunkMaxima.append(high)
        let chunkFull = options.movingAverageStride.map { chunkMinima.count >= $0 } ?? false
        // Without averaging only the extremes matter: fold them in at once so memory stays flat.
        if chunkFull || !options.movingAverage {
            merged = MinMaxCollector.mergeChunk(merged, chunkMinima, chunkMaxima, options)
            chunkMinima.removeAll(keepingCapacity: true)
            chunkMaxima.removeAll(keepingCapacity: true)
        }
    }

    /// The range so far; an open sample and an open chunk count as closed. Nil when no
    /// finite value was seen.
    func range(_ options: CalibrationOptions) -> TensorRange? {
        var copy = self
        copy.endSample(options)
        let final = copy.chunkMinima.isEmpty
            ? copy.merged : MinMaxCollector.mergeChunk(copy.merged, copy.chunkMinima, copy.chunkMaxima, options)
        return final.map { TensorRange(min: $0.min, max: $0.max) }
    }

    /// Takes in what another collector saw of other samples. Only for plain MinMax, whose
    /// result is the extremes of the per-sample extremes and so does not depend on which
    /// collector saw which sample (moving averages do).
    mutating func absorb(_ other: MinMaxCollector, _ options: CalibrationOptions) {
        precondition(!options.movingAverage && sample == nil && other.sample == nil, "only closed plain MinMax merges")
        guard let theirs = other.merged else { return }
        merged = merged.map { (Swift.min($0.min, theirs.min), Swift.max($0.max, theirs.max)) } ?? theirs
    }

    /// onnxruntime's `compute_data` for one chunk followed by `merge_range`.
    private static func mergeChunk(_ old: (min: Float, max: Float)?, _ minima: [Float], _ maxima: [Float],
                                   _ options: CalibrationOptions) -> (min: Float, max: Float) {
        var new = options.movingAverage
            ? (NumpyArithmetic.mean(minima), NumpyArithmetic.mean(maxima))
            : (minima.min()!, maxima.max()!)
        if options.isSymmetric {
            let magnitude = Swift.max(new.0.magnitude, new.1.magnitude)
            new = (-magnitude, magnitude)
        }
        guard let old else { return new }
        if options.movingAverage {
            let c = options.averagingConstant
            return (old.min + c * (new.0 - old.min), old.max + c * (new.1 - old.max))
        }
        return (Swift.min(old.min, new.0), Swift.max(old.max, new.1))
    }
}
