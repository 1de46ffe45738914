/// Builds protobuf bytes as a list of chunks: small values are copied into a buffer, large
/// payloads (`Bytes` views such as raw_data) are referenced, never copied, until the chunks
/// are written out. A nested message is encoded into its own writer, whose length becomes
/// the prefix and whose chunks are then taken over.
public struct WireWriter {
    public enum Chunk {
        case bytes([UInt8])
        case view(Bytes)
    }

    /// Payloads at least this large are referenced rather than copied.
    public static let viewThreshold = 4096

    private var chunks: [Chunk] = []
    private var buffer: [UInt8] = []
    public private(set) var count = 0

    public init() {}

    // MARK: Raw encoding

    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
        count += Self.varintSize(value)
    }

    public static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    public mutating func writeTag(_ field: Int, _ format: WireFormat) {
        writeVarint(FieldTag(fieldNumber: field, wireFormat: format).rawValue)
    }

    public mutating func writeFixed32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
        count += 4
    }

    public mutating func writeFixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
        count += 8
    }

    public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        count += bytes.count
    }

    public mutating func writeRaw(_ bytes: Bytes) {
        if bytes.count >= Self.viewThreshold {
            flushBuffer()
            chunks.append(.view(bytes))
            count += bytes.count
        } else {
            bytes.withUnsafeBytes { writeRaw($0) }
        }
    }

    /// Appends another writer's output (a nested message's body).
    public mutating func append(_ other: WireWriter) {
        if other.chunks.isEmpty {
            buffer.append(contentsOf: other.buffer)
        } else {
            flushBuffer()
            chunks.append(contentsOf: other.chunks)
            buffer = other.buffer
        }
        count += other.count
    }

    private mutating func flushBuffer() {
        guard !buffer.isEmpty else { return }
        chunks.append(.bytes(buffer))
        buffer = []
    }

    // MARK: Output

    /// The output as chunks, in order (for streaming large models to a file).
    public func finishedChunks() -> [Chunk] {
        buffer.isEmpty ? chunks : chunks + [.bytes(buffer)]
    }

    public func makeArray() -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        for chunk in finishedChunks() {
            switch chunk {
            case .bytes(let array): result.append(contentsOf: array)
            case .view(let bytes): bytes.withUnsafeBytes { result.append(contentsOf: $0) }
            }
        }
        return result
    }
}
