import ONNXModel

/// Works out which of the supported layouts a calibration folder uses and lists its samples
/// (sorted by name, at most `maxSamples`), collecting warnings for what it ignores:
///
/// - `<input>/<sample>.npy`: one folder per graph input ('/' in a name is '_'), samples matched
///   by file name; folders naming no input are ignored with a warning.
/// - `<sample>.npz`: one archive per sample (numpy's savez or savez_compressed), keyed by input name.
/// - `test_data_set_*/input_<i>.pb`: onnxruntime's layout, matched by tensor name or by position;
///   a folder of `input_<i>.pb` files alone is one sample.
/// - `<sample>.npy`: files directly in the folder, for a single-input model.
struct DatasetScan {
    let directory: String
    let inputs: [GraphInputSpec]
    let maxSamples: Int
    private(set) var warnings: [String] = []

    init(directory: String, inputs: [GraphInputSpec], maxSamples: Int) {
        self.directory = directory
        self.inputs = inputs
        self.maxSamples = maxSamples
    }

    enum Layout: String {
        case inputFolders = "folders named after the graph inputs"
        case npzFiles = ".npz files"
        case testDataSets = "test_data_set_* folders"
        case protoFiles = "input_*.pb files"
        case npyFiles = ".npy files"
    }

    mutating func samples() throws -> [SampleRecord] {
        let listing = try DirectoryListing(directory)
        let inputFolders = listing.folders.filter { inputs.index(named: $0) != nil }
        let testDataSets = listing.folders.filter { $0.hasPrefix("test_data_set_") }
        let npz = listing.files.filter { $0.hasSuffix(".npz") }, npy = listing.files.filter { $0.hasSuffix(".npy") }
        let protos = listing.files.filter { Self.inputPosition($0) != nil }
        let found: [Layout] = [(Layout.inputFolders, inputFolders), (.npzFiles, npz), (.testDataSets, testDataSets),
                               (.protoFiles, protos), (.npyFiles, npy)].filter { !$0.1.isEmpty }.map(\.0)
        guard found.count <= 1 else {
            throw CalibrationDataError.layout(path: directory, reason:
                "mixes calibration data layouts (\(found.map(\.rawValue).joined(separator: " and "))); keep one")
        }
        guard let layout = found.first else { throw noLayout(listing) }
        let records: [SampleRecord]
        switch layout {
        case .inputFolders: records = try inputFolderSamples(inputFolders)
        case .npzFiles: records = try npzSamples(npz)
        case .testDataSets: records = try testDataSets.prefix(maxSamples).map { try protoSample(folder: path($0), name: $0) }
        case .protoFiles: records = [try protoSample(folder: directory, name: FilePath.fileName(of: directory))]
        case .npyFiles: records = try flatNpySamples(npy)
        }
        warnIgnored(listing, layout: layout, used: Set(inputFolders + testDataSets + npz + npy + protos))
        guard !records.isEmpty else {
            throw CalibrationDataError.empty(path: directory, reason: "no calibration samples in the \(layout.rawValue)")
        }
        return records
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// onnxruntime names input files `input_<i>.pb`, i the graph input's position.
    static func inputPosition(_ fileName: String) -> Int? {
        guard fileName.hasPrefix("input_"), fileName.hasSuffix(".pb") else { return nil }
        return Int(fileName.dropFirst("input_".count).dropLast(".pb".count))
    }

    static func isTensorFile(_ name: String) -> Bool {
        name.hasSuffix(".npy") || name.hasSuffix(".npz") || name.hasSuffix(".pb")
    }

    /// The file name without its extension: the sample's name.
    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    private var inputList: String { inputs.map(\.name).joined(separator: ", ") }

    private func noLayout(_ listing: DirectoryListing) -> CalibrationDataError {
        var reason = "no calibration samples: expected a folder per graph input (\(inputList)) of .npy files, "
            + "one .npz per sample, test_data_set_* folders of input_*.pb files, or .npy files for a single-input model"
        if !listing.folders.isEmpty { reason += "; the folders here (\(listing.folders.joined(separator: ", "))) name no graph input" }
        return .empty(path: directory, reason: reason)
    }

    /// Folders and tensor files the layout does not use are likely a mistake (a misspelt input
    /// name, a stray export), so each gets a warning; other files (labels, notes) are normal.
    private mutating func warnIgnored(_ listing: DirectoryListing, layout: Layout, used: Set<String>) {
        for folder in listing.folders where !used.contains(folder) {
            warnings.append(layout == .inputFolders
                ? "\(path(folder)): folder names no graph input (inputs: \(inputList)); ignored"
                : "\(path(folder)): folder ignored (the data here is \(layout.rawValue))")
        }
        for file in listing.files where Self.isTensorFile(file) && !used.contains(file) {
            warnings.append("\(path(file)): ignored (the data here is \(layout.rawValue))")
        }
    }

    mutating func warn(_ message: String) { warnings.append(message) }
}
