/// A field number and wire format; valid by construction, so users never re-check it.
public struct FieldTag: Equatable, Sendable {
    public let fieldNumber: Int
    public let wireFormat: WireFormat

    /// Protobuf field numbers run from 1 to 2^29 - 1.
    public static let maxFieldNumber = (1 << 29) - 1

    /// Rejects field number 0, numbers past 2^29 - 1, and the unused wire types 6 and 7.
    public init?(rawValue: UInt64) {
        guard rawValue >> 3 != 0, rawValue >> 3 <= UInt64(FieldTag.maxFieldNumber),
              let format = WireFormat(rawValue: UInt8(rawValue & 7)) else { return nil }
        self.fieldNumber = Int(rawValue >> 3)
        self.wireFormat = format
    }

    public init(fieldNumber: Int, wireFormat: WireFormat) {
        precondition(fieldNumber > 0 && fieldNumber <= FieldTag.maxFieldNumber)
        self.fieldNumber = fieldNumber
        self.wireFormat = wireFormat
    }

    public var rawValue: UInt64 { UInt64(fieldNumber) << 3 | UInt64(wireFormat.rawValue) }
}
