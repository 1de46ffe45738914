import ONNXModel

/// The integer types onnxruntime.quantization quantizes to (its `QuantType`, float 8 aside),
/// spelled as its command line spells them.
public enum QuantType: String, CaseIterable, Sendable {
    case qint8, quint8, qint16, quint16, qint4, quint4

    /// The ONNX element type of the quantized tensor and of its zero point.
    public var dataType: DataType {
        switch self {
        case .qint8: return .int8
        case .quint8: return .uint8
        case .qint16: return .int16
        case .quint16: return .uint16
        case .qint4: return .int4
        case .quint4: return .uint4
        }
    }

    /// The command-line name ("qint8", ...).
    public var name: String { rawValue }

    /// The type a command-line or override value names: "qint8" as the CLI spells it, or
    /// onnxruntime's enum name "QInt8".
    public init(option: String) throws {
        guard let type = QuantType(rawValue: option.lowercased()) else {
            throw QuantizationError.unknownQuantType(option, known: QuantType.allCases.map(\.name))
        }
        self = type
    }

    /// Signed types are the ones onnxruntime quantizes weights symmetrically by default
    /// (`BaseQuantizer.is_weight_symmetric` without the WeightSymmetric option).
    public var isSigned: Bool {
        switch self {
        case .qint8, .qint16, .qint4: return true
        case .quint8, .quint16, .quint4: return false
        }
    }

    /// Every value the type holds (ONNX_INT_TYPE_RANGE). Quantized values are always clipped to
    /// this range, whatever range the scale was computed for.
    public var fullRange: QuantRange {
        switch self {
        case .qint8: return QuantRange(qmin: -128, qmax: 127)
        case .quint8: return QuantRange(qmin: 0, qmax: 255)
        case .qint16: return QuantRange(qmin: -32768, qmax: 32767)
        case .quint16: return QuantRange(qmin: 0, qmax: 65535)
        case .qint4: return QuantRange(qmin: -8, qmax: 7)
        case .quint4: return QuantRange(qmin: 0, qmax: 15)
        }
    }

    /// ONNX_INT_TYPE_SYMMETRIC_RANGE: only int8 and int16 have one (the most negative value
    /// dropped, so the zero point is exactly 0); every other type keeps its full range.
    var symmetricRange: QuantRange? {
        switch self {
        case .qint8: return QuantRange(qmin: -127, qmax: 127)
        case .qint16: return QuantRange(qmin: -32767, qmax: 32767)
        default: return nil
        }
    }

    /// ONNX_INT_TYPE_REDUCED_RANGE (one bit less, for hardware whose int8 dot products can
    /// saturate). Note int8's is [-64, 64] and int16's [-16384, 16384]: both ends included.
    var reducedRange: QuantRange {
        switch self {
        case .qint8: return QuantRange(qmin: -64, qmax: 64)
        case .quint8: return QuantRange(qmin: 0, qmax: 127)
        case .qint16: return QuantRange(qmin: -16384, qmax: 16384)
        case .quint16: return QuantRange(qmin: 0, qmax: 32767)
        case .qint4: return QuantRange(qmin: -4, qmax: 3)
        case .quint4: return QuantRange(qmin: 0, qmax: 7)
        }
    }

    /// The range scales and zero points are computed for, as `get_qmin_qmax_for_qType`:
    /// `reduceRange` wins over `symmetric`, and `symmetric` only narrows int8 and int16.
    public func range(reduceRange: Bool = false, symmetric: Bool = false) -> QuantRange {
        if reduceRange { return reducedRange }
        if symmetric, let range = symmetricRange { return range }
        return fullRange
    }
}

/// The quantized interval [qmin, qmax]; it always contains 0.
public struct QuantRange: Equatable, Sendable {
    public let qmin: Int32
    public let qmax: Int32

    public init(qmin: Int32, qmax: Int32) {
        precondition(qmin <= 0 && 0 <= qmax, "a quantized range must contain 0: [\(qmin), \(qmax)]")
        self.qmin = qmin
        self.qmax = qmax
    }

    /// Clamps an already rounded value (NaN passes through, for the caller to map).
    func clip(_ value: Float) -> Float { Swift.min(Swift.max(value, Float(qmin)), Float(qmax)) }
}
