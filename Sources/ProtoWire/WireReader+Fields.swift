/// Typed field decoding. Each `read` checks the wire type against the field's declared type and
/// returns false on a mismatch, so the caller keeps the field as unknown instead of guessing.
/// Repeated scalar fields accept both packed and unpacked encodings.
extension WireReader {
    // MARK: Singular scalars

    public mutating func read(_ value: inout Int64?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .varint else { return false }
        value = Int64(bitPattern: try readVarint())
        return true
    }

    public mutating func read(_ value: inout Int32?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .varint else { return false }
        value = Int32(truncatingIfNeeded: Int64(bitPattern: try readVarint()))
        return true
    }

    public mutating func read(_ value: inout UInt64?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .varint else { return false }
        value = try readVarint()
        return true
    }

    public mutating func read(_ value: inout Float?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .fixed32 else { return false }
        value = Float(bitPattern: try readFixed32())
        return true
    }

    public mutating func read(_ value: inout Double?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .fixed64 else { return false }
        value = Double(bitPattern: try readFixed64())
        return true
    }

    public mutating func read(_ value: inout String?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        value = try readString()
        return true
    }

    public mutating func read(_ value: inout Bytes?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        value = try readBytes()
        return true
    }

    /// A singular message field seen twice is merged, as protobuf specifies.
    public mutating func read<M: WireMessage>(_ value: inout M?, _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        var child = try self.child(try readLengthDelimitedRange())
        var message = value ?? M()
        try message.merge(from: &child)
        value = message
        return true
    }

    // MARK: Repeated

    public mutating func read<M: WireMessage>(_ values: inout [M], _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        do {
            var child = try self.child(try readLengthDelimitedRange())
            var message = M()
            try message.merge(from: &child)
            values.append(message)
        } catch var error as WireError {
            error.path.insert("[\(values.count)]", at: 0)
            throw error
        }
        return true
    }

    public mutating func read(_ values: inout [String], _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        values.append(try readString())
        return true
    }

    public mutating func read(_ values: inout [Bytes], _ tag: FieldTag) throws -> Bool {
        guard tag.wireFormat == .lengthDelimited else { return false }
        values.append(try readBytes())
        return true
    }

    public mutating func read(_ values: inout [Int64], _ tag: FieldTag) throws -> Bool {
        try readVarints(&values, tag) { Int64(bitPattern: $0) }
    }

    public mutating func read(_ values: inout [Int32], _ tag: FieldTag) throws -> Bool {
        try readVarints(&values, tag) { Int32(truncatingIfNeeded: Int64(bitPattern: $0)) }
    }

    public mutating func read(_ values: inout [UInt64], _ tag: FieldTag) throws -> Bool {
        try readVarints(&values, tag) { $0 }
    }

    /// Appends to the array directly: rebuilding it per element would make long unpacked lists
    /// quadratic.
    public mutating func read(_ values: inout [Float], _ tag: FieldTag) throws -> Bool {
        var packed = PackedFixed<Float>()
        guard try read(&packed, tag) else { return false }
        values.append(contentsOf: packed.values)
        return true
    }

    public mutating func read<T: FixedWidthWireValue>(_ values: inout PackedFixed<T>, _ tag: FieldTag) throws -> Bool {
        let expected: WireFormat = T.wireSize == 4 ? .fixed32 : .fixed64
        switch tag.wireFormat {
        case expected:
            let bits = T.wireSize == 4 ? UInt64(try readFixed32()) : try readFixed64()
            values.append(T(littleEndianBits: bits))
            return true
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimitedRange()
            guard range.count % T.wireSize == 0 else {
                throw WireError(.badPackedLength(range.count, elementSize: T.wireSize), at: start)
            }
            let bytes = Bytes(region: region, offset: range.lowerBound, count: range.count)
            if values.isEmpty { values = PackedFixed(bytes: bytes) } else { values.append(packed: bytes) }
            return true
        default:
            return false
        }
    }

    private mutating func readVarints<T>(_ values: inout [T], _ tag: FieldTag, _ convert: (UInt64) -> T) throws -> Bool {
        switch tag.wireFormat {
        case .varint:
            values.append(convert(try readVarint()))
            return true
        case .lengthDelimited:
            var child = try self.child(try readLengthDelimitedRange())
            while !child.isAtEnd { values.append(convert(try child.readVarint())) }
            return true
        default:
            return false
        }
    }
}
