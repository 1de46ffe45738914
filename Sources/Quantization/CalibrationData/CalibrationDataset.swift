import Runtime

/// The samples of a calibration data folder (`qtool quantize-static --calibrate-dataset DIR`).
///
/// Creating one finds the layout (see `DatasetScan`), lists the samples sorted by name, and
/// checks every tensor's element type, rank and fixed sizes from its header alone, so a bad
/// file fails before any calibration runs. Tensors are read only by `sample(_:)`, one sample
/// at a time: memory does not grow with the number of samples.
public struct CalibrationDataset: Sendable {
    public let directory: String
    public let inputs: [GraphInputSpec]
    /// The samples' names, in the order they are served.
    public let sampleNames: [String]
    /// What was ignored (folders that name no input, stray tensor files), one line each.
    public let warnings: [String]
    private let records: [SampleRecord]

    /// - Parameters:
    ///   - inputs: the graph inputs each sample must feed (`GraphInputSpec.inputs(of:)`).
    ///   - maxSamples: use only the first this many samples (by name); nil for all.
    public init(directory: String, inputs: [GraphInputSpec], maxSamples: Int? = nil) throws {
        guard !inputs.isEmpty else {
            throw CalibrationDataError.layout(path: directory, reason: "the model has no graph inputs to feed")
        }
        if let maxSamples, maxSamples < 1 {
            throw CalibrationDataError.layout(path: directory, reason: "the sample limit must be at least 1, not \(maxSamples)")
        }
        var scan = DatasetScan(directory: directory, inputs: inputs, maxSamples: maxSamples ?? Int.max)
        records = try scan.samples()
        for record in records {
            try SampleCheck.check(zip(inputs, record.sources).map { input, source in
                let header = try source.header()
                return SampleCheck.Item(input: input, type: header.type, shape: header.shape, location: source.location)
            })
        }
        self.directory = directory
        self.inputs = inputs
        sampleNames = records.map(\.name)
        warnings = scan.warnings
    }

    public var count: Int { records.count }

    /// Loads sample `index`: its tensors, checked again against the inputs, with their NaN and
    /// infinite values counted (see `CalibrationSample.nonFiniteCounts`).
    public func loadSample(_ index: Int) throws -> CalibrationSample {
        guard records.indices.contains(index) else { throw CalibrationDataError.noSuchSample(index: index, count: count) }
        let record = records[index]
        var tensors: [String: Tensor] = [:]
        var items: [SampleCheck.Item] = []
        for (input, source) in zip(inputs, record.sources) {
            let tensor = try source.load()
            tensors[input.name] = tensor
            items.append(SampleCheck.Item(input: input, type: tensor.type, shape: tensor.shape, location: source.location))
        }
        try SampleCheck.check(items)
        return CalibrationSample(name: record.name, tensors: tensors)
    }

    /// The tensors of sample `index` by input name. Check `loadSample(_:).nonFiniteCounts`
    /// instead when NaN/Inf values must be reported (they must never reach a range).
    public func sample(_ index: Int) throws -> [String: Tensor] {
        try loadSample(index).tensors
    }
}
