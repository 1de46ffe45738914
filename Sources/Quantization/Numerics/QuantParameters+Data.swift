/// Parameters computed from the values themselves (weights and other initializers), as
/// onnxruntime's `compute_data_quant_params` on a whole tensor or on each channel of it.
extension QuantParameters {
    /// Per-tensor parameters from the minimum and maximum of `values`. An override replaces
    /// the observed bound (TensorQuantOverrides' rmin/rmax); empty values get scale 1 and
    /// zero point 0 whatever the overrides.
    public static func forValues(_ values: UnsafeBufferPointer<Float>, type: QuantType, symmetric: Bool,
                                 reduceRange: Bool = false, minRealRange: Double? = nil,
                                 rminOverride: Float? = nil, rmaxOverride: Float? = nil) throws -> QuantParameters {
        let (scale, zeroPoint) = try dataScaleZeroPoint(
            values.count, bounds: { MinMax(values) }, type: type, symmetric: symmetric, reduceRange: reduceRange,
            minRealRange: minRealRange, overrides: (rminOverride, rmaxOverride))
        return QuantParameters(scale: [scale], zeroPoint: [zeroPoint], type: type)
    }

    /// Parameters for a weight: per tensor when `axis` is nil, else one pair per channel along
    /// `axis` (negative counts from the end), each from that channel's own minimum and maximum.
    public static func forWeight(_ values: UnsafeBufferPointer<Float>, shape: [Int], axis: Int?, type: QuantType,
                                 symmetric: Bool, reduceRange: Bool = false,
                                 minRealRange: Double? = nil) throws -> QuantParameters {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        guard let axis else {
            return try forValues(values, type: type, symmetric: symmetric, reduceRange: reduceRange,
                                 minRealRange: minRealRange)
        }
        let layout = try ChannelLayout(shape: shape, axis: axis)
        var bounds = [MinMax](repeating: MinMax(), count: layout.count)
        var counts = [Int](repeating: 0, count: layout.count)
        layout.forEachElement(total: values.count) { channel, i in
            bounds[channel].observe(values[i])
            counts[channel] += 1
        }
        var scales: [Float] = [], zeroPoints: [Int32] = []
        for channel in 0..<layout.count {
            let (scale, zeroPoint) = try dataScaleZeroPoint(
                counts[channel], bounds: { bounds[channel] }, type: type, symmetric: symmetric,
                reduceRange: reduceRange, minRealRange: minRealRange, overrides: (nil, nil))
            scales.append(scale)
            zeroPoints.append(zeroPoint)
        }
        return QuantParameters(scale: scales, zeroPoint: zeroPoints, type: type, axis: layout.axis)
    }

    private static func dataScaleZeroPoint(_ count: Int, bounds: () -> MinMax, type: QuantType, symmetric: Bool,
                                           reduceRange: Bool, minRealRange: Double?,
                                           overrides: (rmin: Float?, rmax: Float?)) throws -> (Float, Int32) {
        // compute_data_quant_params skips compute_scale_zp for empty data.
        guard count > 0 else { return (1, 0) }
        let observed = bounds()
        let range = type.range(reduceRange: reduceRange, symmetric: symmetric)
        return try ScaleZeroPoint.compute(rmin: overrides.rmin ?? observed.min, rmax: overrides.rmax ?? observed.max,
                                          range: range, symmetric: symmetric, minRealRange: minRealRange)
    }
}

/// numpy's min() and max(): a NaN anywhere makes both NaN.
struct MinMax {
    private(set) var min = Float.infinity
    private(set) var max = -Float.infinity

    init() {}

    init(_ values: UnsafeBufferPointer<Float>) {
        for value in values { observe(value) }
    }

    mutating func observe(_ value: Float) {
        if value.isNaN || min.isNaN {
            min = .nan
            max = .nan
        } else {
            if value < min { min = value }
            if value > max { max = value }
        }
    }
}
