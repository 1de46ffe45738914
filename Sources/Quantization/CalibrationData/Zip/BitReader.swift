/// Reads a DEFLATE stream's bits, least significant bit of each byte first (RFC 1951 §3.1.1).
/// Bits past the end read as zero when peeked, but consuming them throws `.truncated`, so a
/// short stream is an error and never an out-of-bounds read.
struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var buffer: UInt64 = 0
    private var available = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Keeps at least 57 bits buffered while input remains, enough for any code plus its extra bits.
    @inline(__always)
    private mutating func refill() {
        while available <= 56 && position < bytes.count {
            buffer |= UInt64(bytes[position]) << UInt64(available)
            position += 1
            available += 8
        }
    }

    /// The next `count` (at most 32) bits, not consumed.
    @inline(__always)
    mutating func peek(_ count: Int) -> Int {
        refill()
        return Int(truncatingIfNeeded: buffer & ((1 << UInt64(count)) - 1))
    }

    @inline(__always)
    mutating func consume(_ count: Int) throws {
        guard count <= available else { throw DeflateError.truncated }
        buffer >>= UInt64(count)
        available -= count
    }

    /// The next `count` bits as a number, first bit lowest (how DEFLATE stores extra bits).
    @inline(__always)
    mutating func read(_ count: Int) throws -> Int {
        let value = peek(count)
        try consume(count)
        return value
    }

    /// Skips to the next byte boundary, as a stored block starts on one. Whole bytes are loaded
    /// into the buffer, so the bits left of a partly read byte are `available % 8`.
    mutating func alignToByte() {
        let partial = available % 8
        buffer >>= UInt64(partial)
        available -= partial
    }

    /// Copies `count` bytes after `alignToByte()`: first those already buffered, then the rest
    /// straight from the input.
    mutating func readBytes(_ count: Int, into out: UnsafeMutablePointer<UInt8>) throws {
        guard count <= available / 8 + (bytes.count - position) else { throw DeflateError.truncated }
        var copied = 0
        while copied < count && available >= 8 {
            out[copied] = UInt8(truncatingIfNeeded: buffer)
            buffer >>= 8
            available -= 8
            copied += 1
        }
        let direct = count - copied
        if direct > 0 {
            UnsafeMutableRawPointer(out + copied).copyMemory(from: bytes.baseAddress! + position, byteCount: direct)
            position += direct
        }
    }
}
