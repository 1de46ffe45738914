import ProtoWire

/// How a saved model places tensor data.
public enum ExternalDataPolicy: Equatable, Sendable {
    /// Tensors that were external stay external, in files of the same names at the same
    /// offsets beside the output; all others stay inline.
    case keep
    /// Every tensor inline (protobuf's 2 GB limit permitting).
    case inline
    /// Tensors whose raw_data has at least `threshold` bytes go to one side file, `location`
    /// relative to the output (default: the output's file name + ".data").
    case external(threshold: Int, location: String?)
}

public struct SaveReport: Equatable, Sendable {
    public var modelBytes: Int
    public var sideFiles: [String]
    /// True when the model had to be written with external data because it exceeds 2 GB.
    public var forcedExternal: Bool
}

/// Loading and saving ModelProto files: memory-mapped, zero-copy reads; atomic writes.
public enum ModelFile {
    /// Protobuf refuses messages of 2 GB and more.
    public static let protobufLimit = Int(Int32.max)
    public static let defaultExternalThreshold = 1024

    /// Maps the file and decodes it. Tensor payloads, external ones included, are views into
    /// the mapped files; external tensors keep their external_data keys.
    public static func load(_ path: String) throws -> ModelProto {
        var model = try decode(MappedFile.map(path), path: path)
        var resolver = ExternalDataResolver(modelPath: path)
        try resolver.resolve(&model)
        try requireConsistentTensors(&model, path: path)
        return model
    }

    /// Decodes a ModelProto from bytes; `path` names them in errors.
    public static func decode(_ region: ByteRegion, path: String) throws -> ModelProto {
        do {
            return try ModelProto(region: region)
        } catch let error as WireError {
            throw ModelError.malformed(path: path, error)
        }
    }

    /// Refuses the first tensor whose dims are not backed by its data, so that no later stage
    /// sizes a buffer from dims alone.
    public static func requireConsistentTensors(_ model: inout ModelProto, path: String) throws {
        try model.forEachTensor { tensor in
            if let problem = TensorLayout.inconsistency(of: tensor) {
                throw ModelError.invalidTensor(path: path, tensor: tensor.name ?? "<unnamed>", reason: problem)
            }
        }
    }

    /// Writes `model` to `path` (and its side files) through temporary files and renames.
    /// `protectedPaths` are files that must never be overwritten (the input and its data).
    @discardableResult
    public static func save(_ model: ModelProto, to path: String, policy: ExternalDataPolicy = .keep,
                            protectedPaths: [String] = [], inlineLimit: Int = protobufLimit) throws -> SaveReport {
        var layout = try ExternalDataLayout.plan(model, output: path, policy: policy, protectedPaths: protectedPaths)
        var writer = WireWriter()
        layout.model.encode(to: &writer)
        var forced = false
        // `inlineLimit` is protobuf's limit; tests lower it to exercise this path on small models.
        if writer.count > inlineLimit {
            guard policy != .inline else {
                throw ModelError.unsupported("\(path): the model needs \(writer.count) bytes inline, over protobuf's 2 GB limit; write it with external data")
            }
            var location: String?
            if case .external(_, let chosen) = policy { location = chosen }
            layout = try ExternalDataLayout.plan(model, output: path,
                                                 policy: .external(threshold: defaultExternalThreshold, location: location),
                                                 protectedPaths: protectedPaths)
            writer = WireWriter()
            layout.model.encode(to: &writer)
            forced = true
        }
        if FilePath.isDirectory(path) { throw ModelError.io(path: path, reason: "is a folder") }
        let sideFiles = try layout.writeSideFiles()
        let file = try AtomicFile(path: path)
        try file.write(writer.finishedChunks())
        do {
            try sideFiles.forEach { try $0.commit() }
            try file.commit()
        } catch {
            // The model never landed: take back the side files that did.
            sideFiles.forEach { $0.discardIfCommitted() }
            throw error
        }
        return SaveReport(modelBytes: writer.count, sideFiles: layout.sideFiles.map(\.location), forcedExternal: forced)
    }

    /// The bytes of a model with every tensor inline, as `onnx.save` would write it.
    public static func serialize(_ model: ModelProto) -> [UInt8] { model.serializedBytes() }
}
