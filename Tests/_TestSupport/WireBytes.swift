/// An independent, deliberately naive protobuf encoder and structure walker. Tests use it as the
/// oracle for expected bytes and to find field boundaries in real files, so it shares no code
/// with ProtoWire.
public enum Wire {
    public static let varint: UInt8 = 0
    public static let fixed64: UInt8 = 1
    public static let lengthDelimited: UInt8 = 2
    public static let startGroup: UInt8 = 3
    public static let endGroup: UInt8 = 4
    public static let fixed32: UInt8 = 5

    public static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        repeat {
            let low = UInt8(v & 0x7f)
            v >>= 7
            bytes.append(v == 0 ? low : low | 0x80)
        } while v != 0
        return bytes
    }

    public static func tag(_ field: Int, _ wireType: UInt8) -> [UInt8] {
        varint(UInt64(field) << 3 | UInt64(wireType))
    }

    public static func varintField(_ field: Int, _ value: UInt64) -> [UInt8] {
        tag(field, varint) + varint(value)
    }

    public static func int64Field(_ field: Int, _ value: Int64) -> [UInt8] {
        varintField(field, UInt64(bitPattern: value))
    }

    public static func fixed32Field(_ field: Int, _ bits: UInt32) -> [UInt8] {
        tag(field, fixed32) + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }

    public static func fixed64Field(_ field: Int, _ bits: UInt64) -> [UInt8] {
        tag(field, fixed64) + (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
    }

    public static func lengthDelimited(_ field: Int, _ payload: [UInt8]) -> [UInt8] {
        tag(field, lengthDelimited) + varint(UInt64(payload.count)) + payload
    }

    public static func string(_ field: Int, _ text: String) -> [UInt8] {
        lengthDelimited(field, Array(text.utf8))
    }

    public static func floatBits(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
    }
}

/// One field of a message as found on the wire, with absolute offsets.
public struct WireField: Equatable {
    public var fieldNumber: Int
    public var wireType: UInt8
    /// Offset of the tag, and one past the end of the value.
    public var start: Int
    public var end: Int
    /// Where the value starts (after the tag, and after the length for length-delimited fields).
    public var valueStart: Int
    /// For length-delimited fields whose payload parses as a message (and is not empty).
    public var children: [WireField]?
}

/// Walks protobuf bytes without a schema: every length-delimited payload that parses completely
/// as a message is taken to be one (a heuristic; strings and raw bytes rarely parse).
public enum WireWalker {
    public static func parse(_ bytes: [UInt8], depthLimit: Int = 100) -> [WireField]? {
        parse(bytes, 0..<bytes.count, depth: 0, depthLimit: depthLimit)
    }

    static func readVarint(_ bytes: [UInt8], _ position: inout Int, _ end: Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end && shift < 64 {
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    static func parse(_ bytes: [UInt8], _ range: Range<Int>, depth: Int, depthLimit: Int) -> [WireField]? {
        var fields: [WireField] = []
        var position = range.lowerBound
        while position < range.upperBound {
            let start = position
            guard let tag = readVarint(bytes, &position, range.upperBound) else { return nil }
            let number = tag >> 3, type = UInt8(tag & 7)
            guard number > 0, number < 1 << 29 else { return nil }
            var field = WireField(fieldNumber: Int(number), wireType: type, start: start, end: start,
                                  valueStart: position, children: nil)
            switch type {
            case Wire.varint:
                guard readVarint(bytes, &position, range.upperBound) != nil else { return nil }
            case Wire.fixed64:
                guard range.upperBound - position >= 8 else { return nil }
                position += 8
            case Wire.fixed32:
                guard range.upperBound - position >= 4 else { return nil }
                position += 4
            case Wire.lengthDelimited:
                guard let length = readVarint(bytes, &position, range.upperBound),
                      length <= UInt64(range.upperBound - position) else { return nil }
                field.valueStart = position
                let payload = position..<(position + Int(length))
                if !payload.isEmpty && depth < depthLimit {
                    field.children = parse(bytes, payload, depth: depth + 1, depthLimit: depthLimit)
                }
                position = payload.upperBound
            default:
                return nil   // groups and invalid wire types: not a message for our purposes
            }
            field.end = position
            fields.append(field)
        }
        return fields
    }

    /// Every offset where a field starts or ends, at every nesting level, sorted.
    public static func boundaries(_ fields: [WireField]) -> [Int] {
        var offsets = Set<Int>()
        func visit(_ list: [WireField]) {
            for field in list {
                offsets.insert(field.start)
                offsets.insert(field.end)
                if let children = field.children { visit(children) }
            }
        }
        visit(fields)
        return offsets.sorted()
    }

    /// The fields at every level, with the chain of top-level-first ancestors of each.
    public static func allFields(_ fields: [WireField]) -> [(field: WireField, ancestors: [WireField])] {
        var result: [(WireField, [WireField])] = []
        func visit(_ list: [WireField], _ ancestors: [WireField]) {
            for field in list {
                result.append((field, ancestors))
                if let children = field.children { visit(children, ancestors + [field]) }
            }
        }
        visit(fields, [])
        return result
    }

    /// Re-encodes `fields` (taken from `bytes`), replacing the payload of the message at
    /// `target` (a path of child indexes from the top level) by its first `keep` bytes, and
    /// fixing every enclosing length prefix. Used to cut a message deep inside a file.
    public static func reencode(_ bytes: [UInt8], _ fields: [WireField], cutting target: [Int], keep: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        func payload(of field: WireField, path: ArraySlice<Int>) -> [UInt8] {
            if path.isEmpty {
                return Array(bytes[field.valueStart..<(field.valueStart + keep)])
            }
            var body: [UInt8] = []
            for (i, child) in field.children!.enumerated() {
                if i == path.first! {
                    body += encode(child, path: path.dropFirst())
                } else {
                    body += bytes[child.start..<child.end]
                }
            }
            return body
        }
        func encode(_ field: WireField, path: ArraySlice<Int>) -> [UInt8] {
            Wire.lengthDelimited(field.fieldNumber, payload(of: field, path: path))
        }
        for (i, field) in fields.enumerated() {
            if i == target.first! {
                out += encode(field, path: target.dropFirst())
            } else {
                out += bytes[field.start..<field.end]
            }
        }
        return out
    }
}
