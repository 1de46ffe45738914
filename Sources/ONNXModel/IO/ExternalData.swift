#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtoWire

/// Where a tensor's bytes live when data_location is EXTERNAL: the `external_data` keys
/// location, offset and length, relative to the model's folder.
public struct ExternalDataReference: Equatable, Sendable {
    public var location: String
    public var offset: Int
    public var length: Int?

    /// Reads the keys of a tensor; `path` and the tensor name only label errors.
    public init(_ tensor: TensorProto, modelPath: String) throws {
        let name = tensor.name ?? "<unnamed>"
        func fail(_ reason: String) -> ModelError { .externalData(path: modelPath, tensor: name, reason: reason) }
        var location: String?
        var offset = 0
        var length: Int?
        for entry in tensor.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset":
                guard let value = entry.value.flatMap({ Int($0) }), value >= 0 else { throw fail("bad offset '\(entry.value ?? "")'") }
                offset = value
            case "length":
                guard let value = entry.value.flatMap({ Int($0) }), value >= 0 else { throw fail("bad length '\(entry.value ?? "")'") }
                length = value
            default: continue
            }
        }
        guard let location, !location.isEmpty else { throw fail("no location key") }
        self.location = location
        self.offset = offset
        self.length = length
    }
}

/// Loads external tensor data as views into memory-mapped side files, refusing any location
/// that leaves the model's folder (absolute paths, "..", symbolic links pointing out).
struct ExternalDataResolver {
    let modelPath: String
    let directory: String
    private var regions: [String: ByteRegion] = [:]

    init(modelPath: String) {
        self.modelPath = modelPath
        self.directory = FilePath.directory(of: modelPath)
    }

    /// Fills raw_data of every external tensor with a view of its bytes; the external_data keys
    /// stay, so a writer can keep the original layout.
    mutating func resolve(_ model: inout ModelProto) throws {
        try model.forEachTensor { tensor in
            guard tensor.isExternal else { return }
            tensor.rawData = try payload(of: tensor)
        }
    }

    private mutating func payload(of tensor: TensorProto) throws -> Bytes {
        let name = tensor.name ?? "<unnamed>"
        func fail(_ reason: String) -> ModelError { .externalData(path: modelPath, tensor: name, reason: reason) }
        let reference = try ExternalDataReference(tensor, modelPath: modelPath)
        let path = try safePath(for: reference.location, fail: fail)
        let region: ByteRegion
        if let cached = regions[path] {
            region = cached
        } else {
            do { region = try MappedFile.map(path) } catch let error as ModelError {
                throw fail("cannot read '\(reference.location)': \(error)")
            }
            regions[path] = region
        }
        guard reference.offset <= region.count else {
            throw fail("offset \(reference.offset) is past the end of '\(reference.location)' (\(region.count) bytes)")
        }
        let length = reference.length ?? (region.count - reference.offset)
        guard length <= region.count - reference.offset else {
            throw fail("offset \(reference.offset) + length \(length) runs past the end of '\(reference.location)' (\(region.count) bytes)")
        }
        if let expected = TensorLayout.rawByteCount(of: tensor), expected != length {
            throw fail("holds \(length) bytes but its type and shape need \(expected)")
        }
        return Bytes(region: region, offset: reference.offset, count: length)
    }

    private func safePath(for location: String, fail: (String) -> ModelError) throws -> String {
        guard !location.hasPrefix("/") else { throw fail("location '\(location)' is an absolute path") }
        guard !location.split(separator: "/").contains("..") else {
            throw fail("location '\(location)' leaves the model's folder")
        }
        let joined = directory + "/" + location
        guard let real = FilePath.realPath(joined) else { throw fail("cannot open '\(location)': no such file") }
        guard let realDirectory = FilePath.realPath(directory), real.hasPrefix(realDirectory + "/") else {
            throw fail("location '\(location)' resolves outside the model's folder")
        }
        return real
    }
}
