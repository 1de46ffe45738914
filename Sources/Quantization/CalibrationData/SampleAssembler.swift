/// One sample's tensor sources, in graph-input order (what the scanner hands the dataset).
struct SampleRecord: Equatable, Sendable {
    var name: String
    var sources: [TensorSource]
}

/// Collects the tensors of one sample as they are found, each matched to a graph input by
/// name or by position, and refuses a tensor that matches no input or a second one for the
/// same input.
struct SampleAssembler {
    let name: String
    let inputs: [GraphInputSpec]
    private var sources: [TensorSource?]

    init(name: String, inputs: [GraphInputSpec]) {
        self.name = name
        self.inputs = inputs
        sources = Array(repeating: nil, count: inputs.count)
    }

    /// Files under `key` when it names an input; otherwise under input `position`, when given
    /// and in range (numpy's `arr_0`, onnxruntime's unnamed `input_0.pb`).
    mutating func add(_ source: TensorSource, key: String?, position: Int?) throws {
        if let key, let index = inputs.index(named: key) { return try add(source, at: index) }
        if let position, inputs.indices.contains(position) { return try add(source, at: position) }
        throw CalibrationDataError.unknownInput(path: source.location, name: key ?? "input \(position ?? -1)",
                                                inputs: inputs.map(\.name))
    }

    mutating func add(_ source: TensorSource, at index: Int) throws {
        if let first = sources[index] {
            throw CalibrationDataError.layout(path: source.location,
                                              reason: "a second tensor for input '\(inputs[index].name)' (the first is \(first.location))")
        }
        sources[index] = source
    }

    /// The sample, once every input has a tensor; `expected` says where the missing one should be.
    func finish(expected: (GraphInputSpec) -> String) throws -> SampleRecord {
        var complete: [TensorSource] = []
        for (input, source) in zip(inputs, sources) {
            guard let source else {
                throw CalibrationDataError.missingInput(sample: name, input: input.name, expected: expected(input))
            }
            complete.append(source)
        }
        return SampleRecord(name: name, sources: complete)
    }
}

extension Array where Element == GraphInputSpec {
    /// The input called `key`, or else the one whose file name (with '/' as '_') is `key`.
    func index(named key: String) -> Int? {
        firstIndex { $0.name == key } ?? firstIndex { $0.fileName == key }
    }
}
