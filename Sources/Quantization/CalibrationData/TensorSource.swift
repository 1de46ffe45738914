import ONNXModel
import ProtoWire
import Runtime

/// Where one input's tensor of one sample is stored. Nothing is read until `header()` or
/// `load()` is called, so a dataset holds only these small records, however many samples it has.
enum TensorSource: Equatable, Sendable {
    case npy(path: String)
    case proto(path: String)
    case npzEntry(archive: String, entry: ZipEntry)

    /// What error messages call it: the file, or the archive with the entry in brackets.
    var location: String {
        switch self {
        case .npy(let path), .proto(let path): return path
        case .npzEntry(let archive, let entry): return "\(archive)[\(entry.name)]"
        }
    }

    /// A tensor's element type and shape, and for a TensorProto its name.
    struct Header: Equatable {
        var type: DataType
        var shape: [Int]
        var name: String?
    }

    /// Reads the type and shape without the data (only the file's first bytes are touched,
    /// and only a prefix of a compressed entry is inflated), and checks that the data is all there.
    func header() throws -> Header {
        switch self {
        case .npy(let path):
            let region = try Self.map(path)
            return try npyHeader(region.buffer, size: region.count)
        case .proto(let path):
            return try protoHeader(path)
        case .npzEntry(let archive, let entry):
            return try npzHeader(archive, entry)
        }
    }

    func load() throws -> Tensor {
        switch self {
        case .npy(let path):
            let region = try Self.map(path)
            return try translating { try Npy.parse(region.buffer) }
        case .proto(let path):
            let proto = try decodeProto(path)
            return try translating { try Tensor(proto: proto) }
        case .npzEntry(let archive, let entry):
            let zip = try Self.openArchive(archive)
            return try translating { try zip.withContents(of: entry) { try Npy.parse($0) } }
        }
    }

    private func protoHeader(_ path: String) throws -> Header {
        let proto = try decodeProto(path)
        guard let type = proto.elementType, type != .undefined else { throw unreadable("data type \(proto.dataType ?? 0) is not supported") }
        guard proto.dims.allSatisfy({ $0 >= 0 }) else { throw unreadable("negative dims \(proto.dims)") }
        return Header(type: type, shape: proto.dims.map { Int(clamping: $0) }, name: proto.name.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// numpy itself refuses headers over 10 kB; anything near this is a corrupt length field,
    /// which must not make the reader inflate (and allocate) the whole entry.
    static let maxNpyHeader = 1 << 20

    /// Inflates the first 12 bytes to learn the header's length, then just the header.
    private func npzHeader(_ archive: String, _ entry: ZipEntry) throws -> Header {
        let zip = try Self.openArchive(archive)
        let start = try translating { try zip.prefix(of: entry, count: 12) }
        let extent = try translating { try start.withUnsafeBytes { try Npy.headerExtent($0) } }
        guard extent.length <= Self.maxNpyHeader else { throw unreadable("claims a \(extent.length)-byte .npy header") }
        let prefix = try translating { try zip.prefix(of: entry, count: extent.start + extent.length) }
        return try prefix.withUnsafeBytes { try npyHeader($0, size: entry.uncompressedSize) }
    }

    private func npyHeader(_ bytes: UnsafeRawBufferPointer, size: Int) throws -> Header {
        let header = try translating { try Npy.parseHeader(bytes) }
        guard size - header.dataOffset >= header.dataByteCount else {
            throw unreadable("holds \(size - header.dataOffset) data bytes, \(header.type) \(header.shape) needs \(header.dataByteCount)")
        }
        return Header(type: header.type, shape: header.shape, name: nil)
    }

    private static func map(_ path: String) throws -> ByteRegion {
        do {
            return try MappedFile.map(path)
        } catch let error as ModelError {
            guard case .io(_, let reason) = error else { throw error }
            throw CalibrationDataError.io(path: path, reason: reason)
        }
    }

    private func decodeProto(_ path: String) throws -> TensorProto {
        let region = try Self.map(path)
        do {
            return try TensorProto(region: region)
        } catch let error as WireError {
            throw unreadable("not a TensorProto: \(error)")
        }
    }

    /// The archive's central directory (the entries are read later, one at a time).
    static func openArchive(_ path: String) throws -> ZipArchive {
        let region = try map(path)
        do {
            return try ZipArchive(region: region)
        } catch let error as ZipError {
            throw CalibrationDataError.unreadable(path: path, reason: error.description)
        }
    }

    /// Runs `body`, turning the runtime's and the zip reader's errors into one that names this source.
    private func translating<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as RuntimeError {
            throw unreadable(error.description)
        } catch let error as ZipError {
            // Zip errors name the entry themselves, so they are reported against the archive.
            guard case .npzEntry(let archive, _) = self else { throw unreadable(error.description) }
            throw CalibrationDataError.unreadable(path: archive, reason: error.description)
        }
    }

    private func unreadable(_ reason: String) -> CalibrationDataError {
        .unreadable(path: location, reason: reason)
    }
}
