import ONNXModel

/// Everything that can be wrong with a calibration data folder. Each case names the file (or
/// the archive and its entry, `a.npz[x.npy]`) so the CLI prints one line the user can act on.
public enum CalibrationDataError: ReportableError, Equatable {
    /// A folder or file that cannot be listed, opened or read.
    case io(path: String, reason: String)
    /// The folder's layout is not one of the supported ones, or mixes them.
    case layout(path: String, reason: String)
    /// The folder holds no samples.
    case empty(path: String, reason: String)
    /// A tensor file, archive or archive entry that cannot be decoded.
    case unreadable(path: String, reason: String)
    /// A tensor whose name, or position, matches no graph input.
    case unknownInput(path: String, name: String, inputs: [String])
    /// A sample without a tensor for one of the graph inputs.
    case missingInput(sample: String, input: String, expected: String)
    /// A tensor of the wrong element type, rank or fixed size for its input.
    case mismatch(path: String, input: String, reason: String)
    /// A graph input calibration cannot feed.
    case unsupportedInput(name: String, reason: String)
    /// A sample index outside 0..<count.
    case noSuchSample(index: Int, count: Int)

    public var description: String {
        switch self {
        case .io(let path, let reason), .layout(let path, let reason), .empty(let path, let reason),
             .unreadable(let path, let reason):
            return "\(path): \(reason)"
        case .unknownInput(let path, let name, let inputs):
            return "\(path): '\(name)' is not a graph input (inputs: \(inputs.joined(separator: ", ")))"
        case .missingInput(let sample, let input, let expected):
            return "sample '\(sample)' has no tensor for input '\(input)' (expected \(expected))"
        case .mismatch(let path, let input, let reason): return "\(path): input '\(input)' \(reason)"
        case .unsupportedInput(let name, let reason): return "graph input '\(name)' cannot be calibrated: \(reason)"
        case .noSuchSample(let index, let count): return "calibration sample \(index) does not exist (there are \(count))"
        }
    }
}
