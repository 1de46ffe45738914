/// Errors of the Quantization module. Each case carries what a message needs to point at the
/// cause; callers that know a tensor or node name wrap or extend these with it.
public enum QuantizationError: Error, Equatable, CustomStringConvertible {
    /// A float range with a NaN bound: onnxruntime fails too (`assert scale >= 0`).
    case invalidRange(rmin: Float, rmax: Float)
    /// A per-channel axis outside [-rank, rank).
    case axisOutOfRange(axis: Int, rank: Int)
    /// Per-channel parameters whose count is not the channel count they are applied to.
    case channelCountMismatch(expected: Int, actual: Int)
    /// A quantization type name that is not one of `known`.
    case unknownQuantType(String, known: [String])

    public var description: String {
        switch self {
        case let .invalidRange(rmin, rmax):
            return "cannot quantize the range [\(rmin), \(rmax)]: a bound is NaN"
        case let .axisOutOfRange(axis, rank):
            return "axis \(axis) is out of range for a tensor of rank \(rank)"
        case let .channelCountMismatch(expected, actual):
            return "\(actual) per-channel values where \(expected) channels were expected"
        case let .unknownQuantType(name, known):
            return "unknown quantization type '\(name)' (expected one of \(known.joined(separator: ", ")))"
        }
    }
}
