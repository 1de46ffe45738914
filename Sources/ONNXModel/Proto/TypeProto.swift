import ProtoWire

/// onnx.TensorShapeProto: a list of dimensions, each a value, a named parameter, or unknown.
public struct TensorShapeProto: WireMessage {
    /// onnx.TensorShapeProto.Dimension
    public struct Dimension: WireMessage {
        /// The `value` oneof: a concrete size or a symbolic name.
        public enum Value: Equatable, Sendable {
            case value(Int64)
            case param(String)

            /// Reads field 1 (dim_value) or 2 (dim_param) into the oneof; the last one read wins.
            static func read(_ slot: inout Value?, _ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
                if tag.fieldNumber == 1 {
                    var number: Int64?
                    guard try reader.read(&number, tag), let number else { return false }
                    slot = .value(number)
                } else {
                    var text: String?
                    guard try reader.read(&text, tag), let text else { return false }
                    slot = .param(text)
                }
                return true
            }

            func encode(to writer: inout WireWriter) {
                switch self {
                case .value(let number): writer.write(1, number)
                case .param(let text): writer.write(2, text)
                }
            }
        }

        public var value: Value?
        public var denotation: String?
        public var unknownFields = UnknownFields()

        public init() {}
        public init(_ value: Value?) { self.value = value }

        public static func fieldName(_ number: Int) -> String? {
            switch number {
            case 1: return "dim_value"
            case 2: return "dim_param"
            case 3: return "denotation"
            default: return nil
            }
        }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            switch tag.fieldNumber {
            case 1, 2: return try Value.read(&value, tag, from: &reader)
            case 3: return try reader.read(&denotation, tag)
            default: return false
            }
        }

        public func encode(to writer: inout WireWriter) {
            value?.encode(to: &writer)
            writer.write(3, denotation)
            writer.write(unknownFields)
        }
    }

    public var dim: [Dimension] = []
    public var unknownFields = UnknownFields()

    public init() {}
    public init(dims: [Dimension.Value?]) { dim = dims.map(Dimension.init) }

    public static func fieldName(_ number: Int) -> String? { number == 1 ? "dim" : nil }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        tag.fieldNumber == 1 ? try reader.read(&dim, tag) : false
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, dim)
        writer.write(unknownFields)
    }
}

/// onnx.TypeProto: the type of a value (tensor, sequence, map, optional, sparse tensor, opaque).
public struct TypeProto: WireMessage {
    /// onnx.TypeProto.Tensor, also used for SparseTensor (same fields).
    public struct Tensor: WireMessage {
        public var elemType: Int32?
        public var shape: TensorShapeProto?
        public var unknownFields = UnknownFields()

        public init() {}
        public init(elemType: Int32, shape: TensorShapeProto?) {
            self.elemType = elemType
            self.shape = shape
        }

        public static func fieldName(_ number: Int) -> String? {
            switch number {
            case 1: return "elem_type"
            case 2: return "shape"
            default: return nil
            }
        }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            switch tag.fieldNumber {
            case 1: return try reader.read(&elemType, tag)
            case 2: return try reader.read(&shape, tag)
            default: return false
            }
        }

        public func encode(to writer: inout WireWriter) {
            writer.write(1, elemType)
            writer.write(2, shape)
            writer.write(unknownFields)
        }
    }

    /// onnx.TypeProto.Sequence and onnx.TypeProto.Optional (one element type each).
    public struct Element: WireMessage {
        public var elemType: TypeProto?
        public var unknownFields = UnknownFields()

        public init() {}

        public static func fieldName(_ number: Int) -> String? { number == 1 ? "elem_type" : nil }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            tag.fieldNumber == 1 ? try reader.read(&elemType, tag) : false
        }

        public func encode(to writer: inout WireWriter) {
            writer.write(1, elemType)
            writer.write(unknownFields)
        }
    }

    /// onnx.TypeProto.Map
    public struct Map: WireMessage {
        public var keyType: Int32?
        public var valueType: TypeProto?
        public var unknownFields = UnknownFields()

        public init() {}

        public static func fieldName(_ number: Int) -> String? {
            switch number {
            case 1: return "key_type"
            case 2: return "value_type"
            default: return nil
            }
        }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            switch tag.fieldNumber {
            case 1: return try reader.read(&keyType, tag)
            case 2: return try reader.read(&valueType, tag)
            default: return false
            }
        }

        public func encode(to writer: inout WireWriter) {
            writer.write(1, keyType)
            writer.write(2, valueType)
            writer.write(unknownFields)
        }
    }

    /// onnx.TypeProto.Opaque
    public struct Opaque: WireMessage {
        public var domain: String?
        public var name: String?
        public var unknownFields = UnknownFields()

        public init() {}

        public static func fieldName(_ number: Int) -> String? {
            switch number {
            case 1: return "domain"
            case 2: return "name"
            default: return nil
            }
        }

        public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
            switch tag.fieldNumber {
            case 1: return try reader.read(&domain, tag)
            case 2: return try reader.read(&name, tag)
            default: return false
            }
        }

        public func encode(to writer: inout WireWriter) {
            writer.write(1, domain)
            writer.write(2, name)
            writer.write(unknownFields)
        }
    }

    /// The `value` oneof. Indirect because a sequence's element type is itself a TypeProto.
    public indirect enum Value: Equatable, Sendable {
        case tensor(Tensor)
        case sequence(Element)
        case map(Map)
        case opaque(Opaque)
        case sparseTensor(Tensor)
        case optional(Element)

        var fieldNumber: Int {
            switch self {
            case .tensor: return 1
            case .sequence: return 4
            case .map: return 5
            case .opaque: return 7
            case .sparseTensor: return 8
            case .optional: return 9
            }
        }
    }

    public var value: Value?
    public var denotation: String?
    public var unknownFields = UnknownFields()

    public init() {}
    public init(_ value: Value) { self.value = value }

    /// A tensor type; `dims` entries are concrete sizes, symbolic names, or nil for unknown.
    public static func tensor(_ elementType: DataType, dims: [TensorShapeProto.Dimension.Value?]?) -> TypeProto {
        TypeProto(.tensor(Tensor(elemType: elementType.rawValue, shape: dims.map { TensorShapeProto(dims: $0) })))
    }

    public var tensorType: Tensor? {
        if case .tensor(let tensor) = value { return tensor }
        return nil
    }

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "tensor_type"
        case 4: return "sequence_type"
        case 5: return "map_type"
        case 6: return "denotation"
        case 7: return "opaque_type"
        case 8: return "sparse_tensor_type"
        case 9: return "optional_type"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try readMember(tag, &reader, Value.tensor) { if case .tensor(let m) = $0 { m } else { nil } }
        case 4: return try readMember(tag, &reader, Value.sequence) { if case .sequence(let m) = $0 { m } else { nil } }
        case 5: return try readMember(tag, &reader, Value.map) { if case .map(let m) = $0 { m } else { nil } }
        case 6: return try reader.read(&denotation, tag)
        case 7: return try readMember(tag, &reader, Value.opaque) { if case .opaque(let m) = $0 { m } else { nil } }
        case 8: return try readMember(tag, &reader, Value.sparseTensor) { if case .sparseTensor(let m) = $0 { m } else { nil } }
        case 9: return try readMember(tag, &reader, Value.optional) { if case .optional(let m) = $0 { m } else { nil } }
        default: return false
        }
    }

    /// Reads one member of the oneof, merging into it when the same member is already set.
    private mutating func readMember<M: WireMessage>(
        _ tag: FieldTag, _ reader: inout WireReader, _ wrap: (M) -> Value, _ current: (Value) -> M?
    ) throws -> Bool {
        var message = value.flatMap(current)
        guard try reader.read(&message, tag), let message else { return false }
        value = wrap(message)
        return true
    }

    public func encode(to writer: inout WireWriter) {
        // Fields go out in number order, and denotation (6) sits between the oneof's members.
        if let value, value.fieldNumber < 6 { Self.encode(value, to: &writer) }
        writer.write(6, denotation)
        if let value, value.fieldNumber > 6 { Self.encode(value, to: &writer) }
        writer.write(unknownFields)
    }

    private static func encode(_ value: Value, to writer: inout WireWriter) {
        switch value {
        case .tensor(let m): writer.write(1, m)
        case .sequence(let m): writer.write(4, m)
        case .map(let m): writer.write(5, m)
        case .opaque(let m): writer.write(7, m)
        case .sparseTensor(let m): writer.write(8, m)
        case .optional(let m): writer.write(9, m)
        }
    }
}
