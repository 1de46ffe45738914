/// The sample lists of each layout (see `DatasetScan`).
extension DatasetScan {
    /// `<input>/<sample>.npy`: the samples are all file names found in any input folder; each
    /// must be present in every input's folder.
    mutating func inputFolderSamples(_ folders: [String]) throws -> [SampleRecord] {
        var stems: [Int: Set<String>] = [:]
        for folder in folders {
            let listing = try DirectoryListing(path(folder))
            for file in listing.files where Self.isTensorFile(file) && !file.hasSuffix(".npy") {
                warn("\(path(folder))/\(file): only .npy files are read in an input folder; ignored")
            }
            stems[inputs.index(named: folder)!] = Set(listing.files.filter { $0.hasSuffix(".npy") }.map(Self.stem))
        }
        for (index, input) in inputs.enumerated() where stems[index] == nil {
            throw CalibrationDataError.layout(path: directory, reason:
                "has no folder '\(input.fileName)' for graph input '\(input.name)' (found: \(folders.joined(separator: ", ")))")
        }
        let names = stems.values.reduce(into: Set<String>()) { $0.formUnion($1) }.sorted(by: NaturalOrder.precedes)
        return try names.prefix(maxSamples).map { name in
            var sample = SampleAssembler(name: name, inputs: inputs)
            for (index, input) in inputs.enumerated() where stems[index]!.contains(name) {
                try sample.add(.npy(path: inputFile(input, name)), at: index)
            }
            return try sample.finish { inputFile($0, name) }
        }
    }

    private func inputFile(_ input: GraphInputSpec, _ sample: String) -> String {
        path(input.fileName) + "/" + sample + ".npy"
    }

    /// `<sample>.npz`: entries `<input>.npy`, or numpy's positional `arr_<i>.npy`.
    mutating func npzSamples(_ files: [String]) throws -> [SampleRecord] {
        try files.prefix(maxSamples).map { file in
            let archivePath = path(file)
            var sample = SampleAssembler(name: Self.stem(file), inputs: inputs)
            for entry in try TensorSource.openArchive(archivePath).entries {
                guard entry.name.hasSuffix(".npy") else {
                    warn("\(archivePath)[\(entry.name)]: not an .npy entry; ignored")
                    continue
                }
                let key = Self.stem(entry.name)
                let position = key.hasPrefix("arr_") ? Int(key.dropFirst("arr_".count)) : nil
                try sample.add(.npzEntry(archive: archivePath, entry: entry), key: key, position: position)
            }
            return try sample.finish { "an entry '\($0.name).npy' in \(archivePath)" }
        }
    }

    /// onnxruntime's `input_<i>.pb` files: a TensorProto with a name goes to the input of that
    /// name (a name that is no input is an error); one without goes to input i.
    func protoSample(folder: String, name: String) throws -> SampleRecord {
        let files = try DirectoryListing(folder).files.compactMap { file in Self.inputPosition(file).map { ($0, file) } }
        var sample = SampleAssembler(name: name, inputs: inputs)
        for (position, file) in files.sorted(by: { $0.0 < $1.0 }) {
            let source = TensorSource.proto(path: folder + "/" + file)
            let tensorName = try source.header().name
            try sample.add(source, key: tensorName, position: tensorName == nil ? position : nil)
        }
        return try sample.finish { input in
            "input_\(inputs.firstIndex(of: input) ?? 0).pb or a TensorProto named '\(input.name)' in \(folder)"
        }
    }

    /// `<sample>.npy` directly in the folder: unambiguous only when the model has one input.
    func flatNpySamples(_ files: [String]) throws -> [SampleRecord] {
        guard inputs.count == 1 else {
            throw CalibrationDataError.layout(path: directory, reason:
                "holds .npy files directly, a layout only for single-input models; this one has \(inputs.count) inputs "
                + "(\(inputs.map(\.name).joined(separator: ", "))): put each input's files in a folder named after it")
        }
        return files.prefix(maxSamples).map { SampleRecord(name: Self.stem($0), sources: [.npy(path: path($0))]) }
    }
}
