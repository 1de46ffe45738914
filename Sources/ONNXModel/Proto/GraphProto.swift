import ProtoWire

/// onnx.GraphProto: nodes, initializers and the graph's typed inputs and outputs.
public struct GraphProto: WireMessage {
    public var node: [NodeProto] = []
    public var name: String?
    public var initializer: [TensorProto] = []
    public var docString: String?
    public var input: [ValueInfoProto] = []
    public var output: [ValueInfoProto] = []
    public var valueInfo: [ValueInfoProto] = []
    public var quantizationAnnotation: [TensorAnnotation] = []
    public var sparseInitializer: [SparseTensorProto] = []
    public var metadataProps: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "node"
        case 2: return "name"
        case 5: return "initializer"
        case 10: return "doc_string"
        case 11: return "input"
        case 12: return "output"
        case 13: return "value_info"
        case 14: return "quantization_annotation"
        case 15: return "sparse_initializer"
        case 16: return "metadata_props"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&node, tag)
        case 2: return try reader.read(&name, tag)
        case 5: return try reader.read(&initializer, tag)
        case 10: return try reader.read(&docString, tag)
        case 11: return try reader.read(&input, tag)
        case 12: return try reader.read(&output, tag)
        case 13: return try reader.read(&valueInfo, tag)
        case 14: return try reader.read(&quantizationAnnotation, tag)
        case 15: return try reader.read(&sparseInitializer, tag)
        case 16: return try reader.read(&metadataProps, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, node)
        writer.write(2, name)
        writer.write(5, initializer)
        writer.write(10, docString)
        writer.write(11, input)
        writer.write(12, output)
        writer.write(13, valueInfo)
        writer.write(14, quantizationAnnotation)
        writer.write(15, sparseInitializer)
        writer.write(16, metadataProps)
        writer.write(unknownFields)
    }
}

/// onnx.TensorAnnotation: quantization parameter names attached to a tensor.
public struct TensorAnnotation: WireMessage {
    public var tensorName: String?
    public var quantParameterTensorNames: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "tensor_name"
        case 2: return "quant_parameter_tensor_names"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&tensorName, tag)
        case 2: return try reader.read(&quantParameterTensorNames, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, tensorName)
        writer.write(2, quantParameterTensorNames)
        writer.write(unknownFields)
    }
}

/// onnx.ValueInfoProto: a named value with its type.
public struct ValueInfoProto: WireMessage {
    public var name: String?
    public var type: TypeProto?
    public var docString: String?
    public var metadataProps: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}
    public init(name: String, type: TypeProto?) {
        self.name = name
        self.type = type
    }

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "name"
        case 2: return "type"
        case 3: return "doc_string"
        case 4: return "metadata_props"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&name, tag)
        case 2: return try reader.read(&type, tag)
        case 3: return try reader.read(&docString, tag)
        case 4: return try reader.read(&metadataProps, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, name)
        writer.write(2, type)
        writer.write(3, docString)
        writer.write(4, metadataProps)
        writer.write(unknownFields)
    }
}
