/// A protobuf message that decodes itself field by field and encodes itself canonically:
/// known fields in field-number order, then the unknown fields exactly as they were read.
public protocol WireMessage: Equatable, Sendable {
    init()
    /// The field's name for error paths, e.g. "node" for GraphProto field 1.
    static func fieldName(_ number: Int) -> String?
    /// Decodes one occurrence of a field. Returns false for a field this message does not
    /// know, or a known field with an unexpected wire type: both are kept as unknown fields.
    mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool
    func encode(to writer: inout WireWriter)
    var unknownFields: UnknownFields { get set }
}

/// Fields a message did not recognise, kept as their raw tag-and-value bytes in input order
/// and written back after the known fields, as protobuf's own runtimes do.
public struct UnknownFields: Equatable, Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public var isEmpty: Bool { bytes.isEmpty }
    public mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
}

extension WireMessage {
    /// Merges every field in the reader into self, as protobuf's merge does.
    public mutating func merge(from reader: inout WireReader) throws {
        while !reader.isAtEnd {
            let start = reader.position
            let tag = try reader.readTag()
            do {
                if try !decodeField(tag, from: &reader) {
                    if tag.wireFormat == .endGroup { throw WireError(.unbalancedGroup, at: start) }
                    try reader.skipValue(of: tag)
                    unknownFields.append(reader.buffer(start..<reader.position))
                }
            } catch var error as WireError {
                error.path.insert(Self.fieldName(tag.fieldNumber) ?? "field \(tag.fieldNumber)", at: 0)
                throw error
            }
        }
    }

    /// Decodes a whole message from a region (a mapped file, or a copied buffer).
    public init(region: ByteRegion, depthLimit: Int = WireReader.defaultDepthLimit) throws {
        self.init()
        var reader = WireReader(region: region, depthLimit: depthLimit)
        try merge(from: &reader)
    }

    /// Decodes from a byte array (copied once into a region so views have an owner).
    public init(serializedBytes bytes: [UInt8]) throws {
        let region = bytes.withUnsafeBytes { ByteRegion(copying: $0) }
        try self.init(region: region)
    }

    public func serializedBytes() -> [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.makeArray()
    }
}
