/// Everything that can be wrong with protobuf bytes. Each error names where it happened:
/// the field path from the root message and the absolute byte offset in the file.
public struct WireError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Reason: Equatable, Sendable {
        /// The bytes end inside a tag or a value.
        case truncated
        /// A varint longer than 10 bytes, or whose 10th byte carries bits past 64.
        case varintOverflow
        /// A length prefix larger than what remains of the enclosing message.
        case lengthPastEnd(UInt64)
        /// Field number 0 or past 2^29 - 1, or wire type 6 or 7.
        case invalidTag(UInt64)
        /// Messages (or groups) nested deeper than the limit.
        case depthLimit(Int)
        /// A `string` field whose bytes are not UTF-8.
        case invalidUTF8
        /// An end-group tag with no open group, or a group that never ends.
        case unbalancedGroup
        /// A packed fixed-width field whose length is not a multiple of the element size.
        case badPackedLength(Int, elementSize: Int)
    }

    public var reason: Reason
    /// Absolute offset in the file (or buffer) where the problem was found.
    public var offset: Int
    /// Field names from the root message down, e.g. ["graph", "node", "[12]", "attribute", "[0]"].
    public var path: [String]

    public init(_ reason: Reason, at offset: Int, path: [String] = []) {
        self.reason = reason
        self.offset = offset
        self.path = path
    }

    public var pathString: String {
        var text = ""
        for component in path {
            if !text.isEmpty && !component.hasPrefix("[") { text += "." }
            text += component
        }
        return text
    }

    public var reasonText: String {
        switch reason {
        case .truncated: return "the data ends inside a field"
        case .varintOverflow: return "varint is longer than 10 bytes or overflows 64 bits"
        case .lengthPastEnd(let length): return "length \(length) runs past the end of the message"
        case .invalidTag(let raw): return "invalid field tag \(raw) (field \(raw >> 3), wire type \(raw & 7))"
        case .depthLimit(let limit): return "messages nested deeper than \(limit) levels"
        case .invalidUTF8: return "string is not valid UTF-8"
        case .unbalancedGroup: return "unbalanced start/end group tags"
        case .badPackedLength(let length, let size):
            return "packed field of \(length) bytes is not a whole number of \(size)-byte elements"
        }
    }

    /// The path for a one-line message: a deep one (hostile nesting) keeps its first and last
    /// few fields around a count of the levels left out.
    public var shortPathString: String {
        let keep = 8
        guard path.count > 3 * keep else { return pathString }
        var head = self, tail = self
        head.path = Array(path.prefix(keep))
        tail.path = Array(path.suffix(keep))
        return head.pathString + "…(\(path.count - 2 * keep) more)…" + tail.pathString
    }

    public var description: String {
        let location = shortPathString
        return (location.isEmpty ? "" : location + ": ") + reasonText + " at byte \(offset)"
    }
}
