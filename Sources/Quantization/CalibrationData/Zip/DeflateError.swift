/// Why a DEFLATE stream (RFC 1951) could not be decoded. Every malformed stream ends in one of
/// these, never in a trap: the inflater reads untrusted bytes from calibration archives.
enum DeflateError: Error, Equatable, CustomStringConvertible {
    /// The stream ends in the middle of a block.
    case truncated
    /// Block type 3, which RFC 1951 reserves.
    case reservedBlockType
    /// A stored block whose LEN and NLEN are not one's complements of each other.
    case storedLengthMismatch(length: Int, complement: Int)
    /// Code lengths that do not form a prefix code, or a bad run in a dynamic block header.
    case invalidCodeLengths(String)
    /// Bits that are no code of the current Huffman table.
    case invalidCode
    /// A length symbol 286/287 or a distance symbol 30/31 (in the fixed code but never valid).
    case invalidSymbol(String)
    /// A match reaching back before the start of the output.
    case distanceTooFar(distance: Int, available: Int)
    /// More output than the expected size.
    case outputTooLong(expected: Int)
    /// The final block ended before the expected size was reached.
    case outputTooShort(actual: Int, expected: Int)

    var description: String {
        switch self {
        case .truncated: return "compressed data ends early"
        case .reservedBlockType: return "block type 3 is reserved"
        case .storedLengthMismatch(let length, let complement):
            return "stored block length \(length) does not match its complement \(complement)"
        case .invalidCodeLengths(let reason): return "invalid Huffman code lengths: \(reason)"
        case .invalidCode: return "invalid Huffman code"
        case .invalidSymbol(let what): return "invalid \(what)"
        case .distanceTooFar(let distance, let available):
            return "match distance \(distance) reaches before the start (\(available) bytes written)"
        case .outputTooLong(let expected): return "inflates to more than the expected \(expected) bytes"
        case .outputTooShort(let actual, let expected): return "inflates to \(actual) bytes, expected \(expected)"
        }
    }
}
