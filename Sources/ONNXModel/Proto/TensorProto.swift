import ProtoWire

/// onnx.TensorProto: a tensor's type, shape and data. Large payloads (raw_data, float_data,
/// double_data) stay views into the mapped file until something replaces them.
public struct TensorProto: WireMessage {
    /// onnx.TensorProto.Segment
    public struct Segment: WireMessage {
        public var begin: Int64?
        public var end: Int64?
        public var unknownFields = UnknownFields()

        public init() {}

        public static func fieldName(_ number: Int) -> String? {
            switch number {
            case 1: return "begin"
            case 2: return "end"
            default: return nil
            }
        }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            switch tag.fieldNumber {
            case 1: return try reader.read(&begin, tag)
            case 2: return try reader.read(&end, tag)
            default: return false
            }
        }

        public func encode(to writer: inout WireWriter) {
            writer.write(1, begin)
            writer.write(2, end)
            writer.write(unknownFields)
        }
    }

    /// onnx.TensorProto.DataLocation
    public enum DataLocation: Int32, Sendable {
        case `default` = 0
        case external = 1
    }

    public var dims: [Int64] = []
    /// The raw onnx.TensorProto.DataType value; `elementType` interprets it.
    public var dataType: Int32?
    public var segment: Segment?
    public var floatData = PackedFixed<Float>()
    public var int32Data: [Int32] = []
    public var stringData: [Bytes] = []
    public var int64Data: [Int64] = []
    public var name: String?
    public var rawData: Bytes?
    public var doubleData = PackedFixed<Double>()
    public var uint64Data: [UInt64] = []
    public var docString: String?
    public var externalData: [StringStringEntryProto] = []
    public var dataLocation: Int32?
    public var metadataProps: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public var elementType: DataType? { dataType.flatMap(DataType.init(rawValue:)) }

    public var isExternal: Bool { dataLocation == DataLocation.external.rawValue }

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "dims"
        case 2: return "data_type"
        case 3: return "segment"
        case 4: return "float_data"
        case 5: return "int32_data"
        case 6: return "string_data"
        case 7: return "int64_data"
        case 8: return "name"
        case 9: return "raw_data"
        case 10: return "double_data"
        case 11: return "uint64_data"
        case 12: return "doc_string"
        case 13: return "external_data"
        case 14: return "data_location"
        case 16: return "metadata_props"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&dims, tag)
        case 2: return try reader.read(&dataType, tag)
        case 3: return try reader.read(&segment, tag)
        case 4: return try reader.read(&floatData, tag)
        case 5: return try reader.read(&int32Data, tag)
        case 6: return try reader.read(&stringData, tag)
        case 7: return try reader.read(&int64Data, tag)
        case 8: return try reader.read(&name, tag)
        case 9: return try reader.read(&rawData, tag)
        case 10: return try reader.read(&doubleData, tag)
        case 11: return try reader.read(&uint64Data, tag)
        case 12: return try reader.read(&docString, tag)
        case 13: return try reader.read(&externalData, tag)
        case 14: return try reader.read(&dataLocation, tag)
        case 16: return try reader.read(&metadataProps, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, dims, packed: false)
        writer.write(2, dataType)
        writer.write(3, segment)
        writer.write(4, floatData)
        writer.write(5, int32Data, packed: true)
        writer.write(6, stringData)
        writer.write(7, int64Data, packed: true)
        writer.write(8, name)
        writer.write(9, rawData)
        writer.write(10, doubleData)
        writer.write(11, uint64Data, packed: true)
        writer.write(12, docString)
        writer.write(13, externalData)
        writer.write(14, dataLocation)
        writer.write(16, metadataProps)
        writer.write(unknownFields)
    }
}

/// onnx.SparseTensorProto: COO values and indices of a dense shape.
public struct SparseTensorProto: WireMessage {
    public var values: TensorProto?
    public var indices: TensorProto?
    public var dims: [Int64] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "values"
        case 2: return "indices"
        case 3: return "dims"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&values, tag)
        case 2: return try reader.read(&indices, tag)
        case 3: return try reader.read(&dims, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, values)
        writer.write(2, indices)
        writer.write(3, dims, packed: false)
        writer.write(unknownFields)
    }
}
