/// Typed field encoding. Absent optionals are skipped; present ones are written even when
/// they hold the default value (proto2 presence), which keeps round trips exact.
extension WireWriter {
    public mutating func write(_ field: Int, _ value: Int64?) {
        guard let value else { return }
        writeTag(field, .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    /// int32 is sign-extended to 64 bits on the wire, so negatives take 10 bytes.
    public mutating func write(_ field: Int, _ value: Int32?) {
        write(field, value.map(Int64.init))
    }

    public mutating func write(_ field: Int, _ value: UInt64?) {
        guard let value else { return }
        writeTag(field, .varint)
        writeVarint(value)
    }

    public mutating func write(_ field: Int, _ value: Float?) {
        guard let value else { return }
        writeTag(field, .fixed32)
        writeFixed32(value.bitPattern)
    }

    public mutating func write(_ field: Int, _ value: Double?) {
        guard let value else { return }
        writeTag(field, .fixed64)
        writeFixed64(value.bitPattern)
    }

    public mutating func write(_ field: Int, _ value: String?) {
        guard let value else { return }
        var text = value
        text.withUTF8 { writeLengthDelimited(field, $0) }
    }

    public mutating func write(_ field: Int, _ value: Bytes?) {
        guard let value else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(value.count))
        writeRaw(value)
    }

    public mutating func write<M: WireMessage>(_ field: Int, _ message: M?) {
        guard let message else { return }
        var body = WireWriter()
        message.encode(to: &body)
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(body.count))
        append(body)
    }

    public mutating func write<M: WireMessage>(_ field: Int, _ messages: [M]) {
        for message in messages { write(field, message) }
    }

    public mutating func write(_ field: Int, _ values: [String]) {
        for value in values { write(field, value) }
    }

    public mutating func write(_ field: Int, _ values: [Bytes]) {
        for value in values { write(field, value) }
    }

    /// Repeated varint field; `packed` as its .proto declares.
    public mutating func write(_ field: Int, _ values: [Int64], packed: Bool) {
        writeVarints(field, values, packed: packed) { UInt64(bitPattern: $0) }
    }

    public mutating func write(_ field: Int, _ values: [Int32], packed: Bool) {
        writeVarints(field, values, packed: packed) { UInt64(bitPattern: Int64($0)) }
    }

    public mutating func write(_ field: Int, _ values: [UInt64], packed: Bool) {
        writeVarints(field, values, packed: packed) { $0 }
    }

    /// Repeated float, unpacked (each value with its own tag).
    public mutating func write(_ field: Int, _ values: [Float]) {
        for value in values { write(field, value) }
    }

    /// Packed fixed-width field: one length-delimited run of little-endian values.
    public mutating func write<T: FixedWidthWireValue>(_ field: Int, _ values: PackedFixed<T>) {
        guard !values.isEmpty else { return }
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(values.bytes.count))
        writeRaw(values.bytes)
    }

    public mutating func write(_ unknown: UnknownFields) {
        unknown.bytes.withUnsafeBytes { writeRaw($0) }
    }

    private mutating func writeLengthDelimited(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        writeTag(field, .lengthDelimited)
        writeVarint(UInt64(bytes.count))
        writeRaw(UnsafeRawBufferPointer(bytes))
    }

    private mutating func writeVarints<T>(_ field: Int, _ values: [T], packed: Bool, _ bits: (T) -> UInt64) {
        if packed {
            guard !values.isEmpty else { return }
            let size = values.reduce(0) { $0 + WireWriter.varintSize(bits($1)) }
            writeTag(field, .lengthDelimited)
            writeVarint(UInt64(size))
            for value in values { writeVarint(bits(value)) }
        } else {
            for value in values {
                writeTag(field, .varint)
                writeVarint(bits(value))
            }
        }
    }
}
