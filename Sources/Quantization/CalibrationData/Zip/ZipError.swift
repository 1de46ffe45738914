/// Why a zip archive (an .npz) could not be read. Offsets are byte offsets in the archive.
enum ZipError: Error, Equatable, CustomStringConvertible {
    /// No end-of-central-directory record: not a zip file, or cut short.
    case notAZip
    /// A record that runs past the end of the file.
    case truncated(record: String, offset: Int)
    /// A record whose signature or sizes are wrong.
    case malformed(String)
    /// Valid zip, but a feature this reader does not implement (encryption, spanning, a method).
    case unsupported(String)
    case crcMismatch(entry: String, expected: UInt32, actual: UInt32)
    case deflate(entry: String, DeflateError)

    var description: String {
        switch self {
        case .notAZip: return "not a zip archive (no end of central directory record)"
        case .truncated(let record, let offset): return "\(record) at byte \(offset) runs past the end of the file"
        case .malformed(let reason): return reason
        case .unsupported(let reason): return reason
        case .crcMismatch(let entry, let expected, let actual):
            return "\(entry): CRC-32 is \(hex(actual)), the archive says \(hex(expected))"
        case .deflate(let entry, let error): return "\(entry): \(error)"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
