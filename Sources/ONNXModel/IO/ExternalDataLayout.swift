import ProtoWire

/// Decides, before anything is written, which tensors go to which side file at which offset,
/// and produces the ModelProto to encode (external tensors without raw_data, keys set).
struct ExternalDataLayout {
    struct SideFile {
        var location: String
        var path: String
        var pieces: [(offset: Int, bytes: Bytes)] = []
    }

    var model: ModelProto
    var sideFiles: [SideFile] = []

    static func plan(_ source: ModelProto, output: String, policy: ExternalDataPolicy,
                     protectedPaths: [String]) throws -> ExternalDataLayout {
        var layout = ExternalDataLayout(model: source)
        let directory = FilePath.directory(of: output)
        switch policy {
        case .inline:
            try layout.inlineAll(output: output)
        case .external(let threshold, let location):
            try layout.inlineAll(output: output)
            layout.moveOut(to: location ?? FilePath.fileName(of: output) + ".data", directory: directory) {
                $1.count >= threshold
            }
        case .keep:
            let locations = layout.model.externalDataLocations()
            let protected = Set(protectedPaths.compactMap(FilePath.realPath))
            let clobbers = locations.contains { location in
                FilePath.realPath(directory + "/" + location).map(protected.contains) ?? false
            }
            if clobbers {
                // Writing at the original names would overwrite the input's own data: give the
                // output a side file of its own instead.
                layout.relocateExternal(to: FilePath.fileName(of: output) + ".data", directory: directory)
            } else {
                try layout.keepInPlace(directory: directory)
            }
        }
        return layout
    }

    /// Every tensor inline, marked as onnx marks a tensor whose external data it loaded.
    private mutating func inlineAll(output: String) throws {
        try model.forEachTensor { tensor in
            guard tensor.isExternal else { return }
            guard tensor.rawData != nil else {
                throw ModelError.externalData(path: output, tensor: tensor.name ?? "<unnamed>", reason: "data was never loaded")
            }
            tensor.dataLocation = TensorProto.DataLocation.default.rawValue
            tensor.externalData = []
        }
    }

    /// Moves the tensors that are external now into one new side file, back to back.
    private mutating func relocateExternal(to location: String, directory: String) {
        moveOut(to: location, directory: directory, initializersOnly: false) { tensor, _ in tensor.isExternal }
    }

    /// Moves the raw_data of chosen tensors, back to back, into one side file.
    private mutating func moveOut(to location: String, directory: String, initializersOnly: Bool = true,
                                  _ choose: (TensorProto, Bytes) -> Bool) {
        var file = SideFile(location: location, path: directory + "/" + location)
        var offset = 0
        model.forEachTensor(initializersOnly: initializersOnly) { tensor in
            guard let raw = tensor.rawData, tensor.elementType != .string, choose(tensor, raw) else { return }
            file.pieces.append((offset, raw))
            tensor.rawData = nil
            tensor.dataLocation = TensorProto.DataLocation.external.rawValue
            tensor.externalData = [
                StringStringEntryProto(key: "location", value: location),
                StringStringEntryProto(key: "offset", value: String(offset)),
                StringStringEntryProto(key: "length", value: String(raw.count)),
            ]
            offset += raw.count
        }
        if !file.pieces.isEmpty { sideFiles.append(file) }
    }

    /// External tensors keep their keys; their bytes go to the same offsets of same-named files.
    private mutating func keepInPlace(directory: String) throws {
        var files: [String: SideFile] = [:]
        var order: [String] = []
        try model.forEachTensor { tensor in
            guard tensor.isExternal, let raw = tensor.rawData else { return }
            let reference = try ExternalDataReference(tensor, modelPath: "")
            if files[reference.location] == nil {
                files[reference.location] = SideFile(location: reference.location, path: directory + "/" + reference.location)
                order.append(reference.location)
            }
            files[reference.location]!.pieces.append((reference.offset, raw))
            tensor.rawData = nil
        }
        sideFiles = order.map { files[$0]! }
    }

    /// Writes every side file under a temporary name; the caller commits them.
    func writeSideFiles() throws -> [AtomicFile] {
        try sideFiles.map { side in
            let file = try AtomicFile(path: side.path)
            for piece in side.pieces {
                try piece.bytes.withUnsafeBytes { try file.write($0, at: piece.offset) }
                piece.bytes.dropResidentPages()
            }
            return file
        }
    }
}
