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

    /// Before IR 4 every initializer also had to be a graph input, a default a feed may
    /// replace; passes add initializers that are constants.
    static func allowConstantInitializers(_ model: Model, report: PassReport?) {
        raise(model, to: 4, for: "initializers that are not graph inputs", report: report)
    }
}
