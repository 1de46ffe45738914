import CKernels

/// What one pass over a block of values finds: the extremes of its finite values, the smallest
/// magnitude, how many are exactly zero, and how many NaN or infinite values were left out.
/// NaN and ±inf never reach a range: onnxruntime's nanmin/nanmax skip NaN but an infinity
/// would widen its range to ±inf (and break its histograms).
struct ValueScan: Equatable {
    var count = 0
    var nonFinite = 0
    var zeros = 0
    var minimum = Float.infinity
    var maximum = -Float.infinity
    var minimumMagnitude = Float.infinity

    /// max |x| over the finite values (0 when there are none).
    var maximumMagnitude: Float { count == 0 ? 0 : Swift.max(-minimum, maximum) }

    mutating func merge(_ other: ValueScan) {
        count += other.count
        nonFinite += other.nonFinite
        zeros += other.zeros
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        minimumMagnitude = Swift.min(minimumMagnitude, other.minimumMagnitude)
    }

    /// The vector pass (C, AVX2 where available; Swift's SIMD types compiled to per-lane code
    /// here and ran at 140 MB/s). A block holding NaN or ±inf is scanned again, skipping them.
    /// One thread: at 24 GB/s (16 MB tensors) the pass is memory-bound, and splitting it
    /// measured slower.
    static func scan(_ values: UnsafeBufferPointer<Float>) -> ValueScan {
        guard let base = values.baseAddress else { return ValueScan() }
        var raw = qt_value_scan()
        qt_scan_f32(base, values.count, &raw)
        return ValueScan(count: Int(raw.count), nonFinite: Int(raw.nonfinite), zeros: Int(raw.zeros),
                         minimum: raw.min, maximum: raw.max, minimumMagnitude: raw.min_abs)
    }

    /// The scalar reference the tests hold the C pass against.
    static func reference(_ values: UnsafeBufferPointer<Float>) -> ValueScan {
        var result = ValueScan()
        for x in values {
            guard x.isFinite else {
                result.nonFinite += 1
                continue
            }
            result.count += 1
            if x == 0 { result.zeros += 1 }
            result.minimum = Swift.min(result.minimum, x)
            result.maximum = Swift.max(result.maximum, x)
            result.minimumMagnitude = Swift.min(result.minimumMagnitude, x.magnitude)
        }
        return result
    }
}
