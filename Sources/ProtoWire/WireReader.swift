/// A bounded cursor over protobuf bytes. Offsets are absolute within the region, so every
/// error can name the byte where it happened; a child reader is made for each nested message
/// and can never read past its parent's end.
public struct WireReader {
    /// How deeply messages and groups may nest before the reader refuses (hostile inputs).
    public static let defaultDepthLimit = 256

    public let region: ByteRegion
    public private(set) var position: Int
    public let end: Int
    public let depth: Int
    public let depthLimit: Int

    public init(region: ByteRegion, range: Range<Int>? = nil, depthLimit: Int = WireReader.defaultDepthLimit) {
        let range = range ?? 0..<region.count
        precondition(range.lowerBound >= 0 && range.upperBound <= region.count)
        self.region = region
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = 0
        self.depthLimit = depthLimit
    }

    private init(parent: WireReader, range: Range<Int>) {
        region = parent.region
        position = range.lowerBound
        end = range.upperBound
        depth = parent.depth + 1
        depthLimit = parent.depthLimit
    }

    public var isAtEnd: Bool { position >= end }
    public var remaining: Int { end - position }

    // MARK: Scalars

    public mutating func readVarint() throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw WireError(.truncated, at: start) }
            let byte = region.base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            // The 10th byte may only carry the 64th bit.
            if shift == 63 && byte > 1 { throw WireError(.varintOverflow, at: start) }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func readTag() throws -> FieldTag {
        let start = position
        let raw = try readVarint()
        guard let tag = FieldTag(rawValue: raw) else { throw WireError(.invalidTag(raw), at: start) }
        return tag
    }

    public mutating func readFixed32() throws -> UInt32 {
        guard remaining >= 4 else { throw WireError(.truncated, at: position) }
        let value = region.base.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    public mutating func readFixed64() throws -> UInt64 {
        guard remaining >= 8 else { throw WireError(.truncated, at: position) }
        let value = region.base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a length prefix and returns the absolute range of the payload after it.
    public mutating func readLengthDelimitedRange() throws -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw WireError(.lengthPastEnd(length), at: start) }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    public mutating func readBytes() throws -> Bytes {
        let range = try readLengthDelimitedRange()
        return Bytes(region: region, offset: range.lowerBound, count: range.count)
    }

    public mutating func readString() throws -> String {
        let start = position
        let range = try readLengthDelimitedRange()
        guard let text = String(validatingUTF8Bytes: buffer(range)) else { throw WireError(.invalidUTF8, at: start) }
        return text
    }

    public func buffer(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: region.base + range.lowerBound, count: range.count)
    }

    /// A reader confined to `range`, one level deeper.
    public func child(_ range: Range<Int>) throws -> WireReader {
        guard depth + 1 <= depthLimit else { throw WireError(.depthLimit(depthLimit), at: range.lowerBound) }
        return WireReader(parent: self, range: range)
    }

    // MARK: Skipping

    /// Skips the value of a field whose tag was just read (groups included, depth-limited).
    public mutating func skipValue(of tag: FieldTag) throws {
        switch tag.wireFormat {
        case .varint: _ = try readVarint()
        case .fixed32: _ = try readFixed32()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        case .endGroup: throw WireError(.unbalancedGroup, at: position)
        case .startGroup:
            var open = 1
            while open > 0 {
                guard !isAtEnd else { throw WireError(.unbalancedGroup, at: position) }
                guard depth + open <= depthLimit else { throw WireError(.depthLimit(depthLimit), at: position) }
                let inner = try readTag()
                switch inner.wireFormat {
                case .startGroup: open += 1
                case .endGroup: open -= 1
                default: try skipValue(of: inner)
                }
            }
        }
    }
}

extension String {
    /// nil unless the bytes are well-formed UTF-8.
    init?(validatingUTF8Bytes bytes: UnsafeRawBufferPointer) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
