import ONNXModel
import Runtime

/// Scale and zero point of a quantized tensor, r = scale * (q - zeroPoint): one pair per tensor
/// (`axis == nil`) or one per channel along `axis`.
public struct QuantParameters: Equatable, Sendable {
    public var scale: [Float]
    public var zeroPoint: [Int32]
    public let type: QuantType
    /// The channel axis (normalized, >= 0) of per-channel parameters; nil for per-tensor ones.
    public let axis: Int?

    public init(scale: [Float], zeroPoint: [Int32], type: QuantType, axis: Int? = nil) {
        precondition(scale.count == zeroPoint.count, "\(scale.count) scales but \(zeroPoint.count) zero points")
        precondition(axis != nil || scale.count == 1, "per-tensor parameters hold one scale, not \(scale.count)")
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.type = type
        self.axis = axis
    }

    /// Parameters for the float range [rmin, rmax], as onnxruntime's `get_qmin_qmax_for_qType`
    /// followed by `compute_scale_zp` (the activation path of both quantizers).
    /// `minRealRange` is the MinimumRealRange option.
    public init(rmin: Float, rmax: Float, type: QuantType, symmetric: Bool, reduceRange: Bool = false,
                minRealRange: Double? = nil) throws {
        let range = type.range(reduceRange: reduceRange, symmetric: symmetric)
        let (scale, zeroPoint) = try ScaleZeroPoint.compute(rmin: rmin, rmax: rmax, range: range,
                                                            symmetric: symmetric, minRealRange: minRealRange)
        self.init(scale: [scale], zeroPoint: [zeroPoint], type: type)
    }

    public var isPerChannel: Bool { axis != nil }

    /// The scale initializer: float32, a scalar per tensor or a [C] vector per channel.
    public var scaleTensor: Tensor { Tensor(scale, shape: parameterShape) }

    /// The zero-point initializer, of the quantized type and the scale's shape.
    public var zeroPointTensor: Tensor {
        let tensor = Tensor(uninitialized: type.dataType, shape: parameterShape)
        QuantizedStore.write(zeroPoint, into: tensor)
        return tensor
    }

    private var parameterShape: [Int] { axis == nil ? [] : [scale.count] }
}

/// `compute_scale_zp`, with numpy's dtype flow: the range is widened to contain 0 and the
/// minimum real range added in float32, the scale divided out in float64, the zero point
/// derived from that float64 scale, and only then the scale rounded to float32.
enum ScaleZeroPoint {
    static func compute(rmin: Float, rmax: Float, range: QuantRange, symmetric: Bool,
                        minRealRange: Double?) throws -> (scale: Float, zeroPoint: Int32) {
        // onnxruntime stops at `assert scale >= 0`, which a NaN bound fails.
        guard !rmin.isNaN, !rmax.isNaN else { throw QuantizationError.invalidRange(rmin: rmin, rmax: rmax) }
        var low = min(rmin, 0)
        var high = max(rmax, 0)
        if let minRealRange {
            // numpy.asarray(min_real_range, dtype=rmin.dtype): the option is rounded to float32.
            high = max(high, low + Float(minRealRange))
        }
        if symmetric {
            let absmax = max(abs(low), abs(high))
            low = -absmax
            high = absmax
        }
        // Promoted before subtracting: a finite float32 range can overflow float32.
        let scale = (Double(high) - Double(low)) / (Double(range.qmax) - Double(range.qmin))
        if scale < Double(Float.leastNormalMagnitude) { return (1, 0) }
        let zeroPoint: Double
        if symmetric {
            // Independent of the scale, so every channel of a per-channel weight gets the same
            // zero point (QLinearConv on CPU requires that): 0, 128, 0, 32768, 0, 8.
            zeroPoint = (Double(range.qmin + range.qmax) / 2).rounded(.toNearestOrEven)
        } else {
            zeroPoint = (Double(range.qmin) - Double(low) / scale).rounded(.toNearestOrEven)
        }
        return (Float(scale), range.zeroPoint(zeroPoint))
    }

    /// `snap_zero_point_to_uint8` (the ActivationRestrictedAsymmetric option for uint8
    /// activations): the zero point snaps to qmin for a non-negative range, else to the middle
    /// of the range, and the scale grows so neither half clips. Computed in Python floats
    /// (float64), the scale rounded to float32 at the end.
    static func snapped(rmin: Float, rmax: Float, range: QuantRange,
                        minRealRange: Double?) throws -> (scale: Float, zeroPoint: Int32) {
        guard !rmin.isNaN, !rmax.isNaN else { throw QuantizationError.invalidRange(rmin: rmin, rmax: rmax) }
        let qmin = Int(range.qmin), qmax = Int(range.qmax)
        let span = Double(qmax - qmin)
        let mid = (qmin + qmax + 1) / 2
        let low = min(Double(rmin), 0)
        var high = max(Double(rmax), 0)
        if let minRealRange, minRealRange > 0 { high = max(high, low + minRealRange) }

        let zeroPoint: Int
        var scale: Double
        if high <= low {
            // The range contains 0, so only [0, 0] gets here, where onnxruntime's degenerate
            // branch reduces to zero point qmin and scale 1 / span (its floor never applies:
            // the range would not be empty with a positive MinimumRealRange).
            zeroPoint = qmin
            scale = 1 / span
        } else if low >= 0 {
            zeroPoint = qmin
            scale = high / span
        } else {
            zeroPoint = mid
            scale = max(-low / Double(mid - qmin), high / Double(qmax - mid))
        }
        // onnxruntime compares the float32-rounded scale with the floor on the normal path; a
        // floor between the two roundings rounds to the same float32, so comparing the float64
        // scale gives the same result.
        if let minRealRange { scale = max(scale, minRealRange / span) }
        return (Float(scale), Int32(zeroPoint))
    }
}

extension QuantParameters {
    /// Parameters of the ActivationRestrictedAsymmetric option, which onnxruntime applies to
    /// uint8 activations that are not symmetric, after (and instead of) `compute_scale_zp`.
    public static func restrictedAsymmetric(rmin: Float, rmax: Float, reduceRange: Bool = false,
                                            minRealRange: Double? = nil) throws -> QuantParameters {
        let range = QuantType.quint8.range(reduceRange: reduceRange)
        let (scale, zeroPoint) = try ScaleZeroPoint.snapped(rmin: rmin, rmax: rmax, range: range,
                                                            minRealRange: minRealRange)
        return QuantParameters(scale: [scale], zeroPoint: [zeroPoint], type: .quint8)
    }
}

extension QuantRange {
    /// numpy's cast of a rounded float64 zero point to the integer type. An infinite bound
    /// makes it NaN (-inf / inf), which x86 numpy casts to 0; out-of-range values (undefined
    /// in numpy) only arise from rounding error, so they are clamped.
    func zeroPoint(_ value: Double) -> Int32 {
        if value.isNaN { return 0 }
        return Int32(min(max(value, Double(qmin)), Double(qmax)))
    }
}
