import ONNXModel

/// Keeping the model's IR version compatible with what passes write.
enum IRVersion {
    /// Raises the IR version to `minimum` when it is lower, noting why.
    static func raise(_ model: Model, to minimum: Int64, for reason: String, report: PassReport?) {
        let current = model.proto.irVersion ?? 0
        guard current < minimum else { return }
        model.proto.irVersion = minimum
        report?.note("raised ir_version \(current) to \(minimum) (\(reason))")
    }

    /// The IR version released with `opset` (onnx.helper.VERSION_TABLE): what a model importing
    /// that opset must declare at least.
    static func minimum(forOpset opset: Int) -> Int64 {
        switch opset {
        case ...8: return 3
        case 9: return 4
        case 10: return 5
        case 11: return 6
        case 12...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        case 21...22: return 10
        case 23: return 11
        case 24: return 12
        default: return 13
        }
    }

    /// Before IR 4 every initializer also had to be a graph input, a default a feed may
    /// replace; passes add initializers that are constants.
    static func allowConstantInitializers(_ model: Model, report: PassReport?) {
        raise(model, to: 4, for: "initializers that are not graph inputs", report: report)
    }
}
