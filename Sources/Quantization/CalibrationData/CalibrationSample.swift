import ONNXModel
import Runtime

/// One calibration sample, loaded: a tensor per graph input, and how many NaN or infinite
/// values each holds. Such values must not reach a range: the calibrator skips (and
/// reports) a sample whose `nonFiniteCount` is not 0.
public struct CalibrationSample: Sendable {
    /// The sample's name: its file name without extension, or its test_data_set folder.
    public let name: String
    public let tensors: [String: Tensor]
    /// NaN and ±Inf values per input name; inputs without any are absent.
    public let nonFiniteCounts: [String: Int]

    public init(name: String, tensors: [String: Tensor]) {
        self.name = name
        self.tensors = tensors
        nonFiniteCounts = tensors.compactMapValues { tensor in
            let count = NonFinite.count(tensor)
            return count > 0 ? count : nil
        }
    }

    /// All NaN and ±Inf values of the sample.
    public var nonFiniteCount: Int { nonFiniteCounts.values.reduce(0, +) }

    /// One line for the user when the sample holds non-finite values, e.g.
    /// "sample 'sample_0003': 12 NaN/Inf values in input 'x'"; nil when it holds none.
    public var nonFiniteWarning: String? {
        guard !nonFiniteCounts.isEmpty else { return nil }
        let parts = nonFiniteCounts.sorted { $0.key < $1.key }.map { "\($0.value) in input '\($0.key)'" }
        return "sample '\(name)': NaN/Inf values (\(parts.joined(separator: ", ")))"
    }
}

/// Counts NaN and ±Inf in floating-point tensors (integer tensors have none). Half types are
/// tested on their bits: an all-ones exponent is Inf or NaN.
enum NonFinite {
    static func count(_ tensor: Tensor) -> Int {
        switch tensor.type {
        case .float: return tensor.elements(Float.self).reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        case .double: return tensor.elements(Double.self).reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        case .float16: return count(bits: tensor, exponentMask: 0x7C00)
        case .bfloat16: return count(bits: tensor, exponentMask: 0x7F80)
        default: return 0
        }
    }

    private static func count(bits tensor: Tensor, exponentMask: UInt16) -> Int {
        tensor.elements(UInt16.self).reduce(0) { $0 + ($1 & exponentMask == exponentMask ? 1 : 0) }
    }
}
