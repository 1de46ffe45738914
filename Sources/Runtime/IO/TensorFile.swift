import ONNXModel
import ProtoWire

/// Tensors stored one per file: NumPy `.npy` (read and written) and ONNX TensorProto `.pb`
/// (onnxruntime's test_data_set layout, read).
public enum TensorFile {
    public static func read(_ path: String) throws -> Tensor {
        if path.hasSuffix(".npy") { return try Npy.read(path) }
        if path.hasSuffix(".pb") { return try readProto(path) }
        throw RuntimeError.badInput("\(path): unknown tensor file type (expected .npy or .pb)")
    }

    public static func readProto(_ path: String) throws -> Tensor {
        let region = try MappedFile.map(path)
        let proto: TensorProto
        do {
            proto = try TensorProto(region: region)
        } catch let error as WireError {
            throw RuntimeError.badInput("\(path): not a TensorProto: \(error)")
        }
        do {
            return try Tensor(proto: proto)
        } catch let error as RuntimeError {
            throw RuntimeError.badInput("\(path): \(error)")
        }
    }
}

/// NumPy's .npy format, version 1 to 3, little-endian C-order arrays.
public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    static let descriptors: [(String, DataType)] = [
        ("<f4", .float), ("<f8", .double), ("<f2", .float16), ("<i8", .int64), ("<i4", .int32), ("<i2", .int16),
        ("|i1", .int8), ("|u1", .uint8), ("<u2", .uint16), ("<u4", .uint32), ("<u8", .uint64), ("|b1", .bool),
    ]

    public static func read(_ path: String) throws -> Tensor {
        let region = try MappedFile.map(path)
        do {
            return try parse(region.buffer)
        } catch let error as RuntimeError {
            throw RuntimeError.badInput("\(path): \(error)")
        }
    }

    /// What a .npy header says: element type, shape, and where the data starts.
    public struct Header: Equatable, Sendable {
        public let type: DataType
        public let shape: [Int]
        public let dataOffset: Int
        /// Bytes the data takes (element count × element size).
        public let dataByteCount: Int
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Tensor {
        let header = try parseHeader(bytes)
        guard bytes.count - header.dataOffset >= header.dataByteCount else {
            throw RuntimeError.badInput("holds \(bytes.count - header.dataOffset) data bytes, shape \(header.shape) of \(header.type) needs \(header.dataByteCount)")
        }
        let tensor = Tensor(uninitialized: header.type, shape: header.shape)
        if header.dataByteCount > 0 {
            tensor.storage.raw.copyMemory(from: bytes.baseAddress! + header.dataOffset, byteCount: header.dataByteCount)
        }
        return tensor
    }

    /// Reads only the header, so `bytes` may be just the start of a file (a type and shape
    /// check without loading the data).
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        let (headerStart, headerLength) = try headerExtent(bytes)
        guard headerStart + headerLength <= bytes.count else { throw RuntimeError.badInput("truncated .npy header") }
        let header = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[headerStart..<headerStart + headerLength]), as: UTF8.self)
        let descr = try field("descr", in: header)
        guard let type = descriptors.first(where: { $0.0 == descr || ($0.0.dropFirst() == descr.dropFirst() && descr.first == "=") })?.1 else {
            throw RuntimeError.badInput("dtype '\(descr)' is not supported (big-endian or exotic)")
        }
        if try field("fortran_order", in: header) != "False" {
            throw RuntimeError.badInput("Fortran-ordered arrays are not supported")
        }
        let shape = try parseShape(try field("shape", in: header))
        guard let count = TensorLayout.elementCount(shape.map(Int64.init)) else { throw RuntimeError.badInput("shape \(shape) overflows") }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: Tensor.elementSize(type))
        guard !overflow else { throw RuntimeError.badInput("shape \(shape) overflows") }
        return Header(type: type, shape: shape, dataOffset: headerStart + headerLength, dataByteCount: byteCount)
    }

    /// Where the header text starts and how long it is: version 1 has a 2-byte length, 2 and 3 a 4-byte one.
    /// Needs at most the first 12 bytes, so a caller holding a prefix can ask how much more it needs.
    public static func headerExtent(_ bytes: UnsafeRawBufferPointer) throws -> (start: Int, length: Int) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw RuntimeError.badInput("not a .npy file") }
        switch bytes[6] {
        case 1:
            return (10, Int(bytes[8]) | Int(bytes[9]) << 8)
        case 2, 3:
            guard bytes.count >= 12 else { throw RuntimeError.badInput("truncated .npy header") }
            return (12, (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) })
        default:
            throw RuntimeError.badInput(".npy version \(bytes[6]) is not supported")
        }
    }

    /// The value text of `key` in the header dict, e.g. "'<f4'" → "<f4", "(1, 3)" → "(1, 3)".
    private static func field(_ key: String, in header: String) throws -> String {
        let quoted = Array("'\(key)'")
        let characters = Array(header)
        guard let start = (0...max(0, characters.count - quoted.count)).first(where: {
            $0 + quoted.count <= characters.count && Array(characters[$0..<$0 + quoted.count]) == quoted
        }) else { throw RuntimeError.badInput("header has no '\(key)'") }
        var rest = String(characters[(start + quoted.count)...]).drop { $0 == " " || $0 == ":" }
        if rest.first == "'" {
            rest = rest.dropFirst()
            return String(rest.prefix { $0 != "'" })
        }
        if rest.first == "(" { return String(rest.prefix { $0 != ")" }) + ")" }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: " ")
    }

    private static func parseShape(_ text: String) throws -> [Int] {
        let inner = text.dropFirst().dropLast()
        return try inner.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }.map {
            guard let value = Int($0), value >= 0 else { throw RuntimeError.badInput("bad shape \(text)") }
            return value
        }
    }

    /// The .npy bytes of a tensor (version 1 header, padded to 64 bytes as NumPy does).
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        guard let descr = descriptors.first(where: { $0.1 == tensor.type })?.0 else {
            throw RuntimeError.unsupported("cannot write a \(tensor.type) tensor as .npy")
        }
        let shapeText = tensor.shape.isEmpty ? "()" : tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes += Array(UnsafeRawBufferPointer(start: tensor.storage.raw, count: tensor.byteCount))
        return bytes
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
