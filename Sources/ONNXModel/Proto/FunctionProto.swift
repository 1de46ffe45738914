import ProtoWire

/// onnx.FunctionProto: a model-local function (a named subgraph callable as an op).
public struct FunctionProto: WireMessage {
    public var name: String?
    public var input: [String] = []
    public var output: [String] = []
    public var attribute: [String] = []
    public var node: [NodeProto] = []
    public var docString: String?
    public var opsetImport: [OperatorSetIdProto] = []
    public var domain: String?
    public var attributeProto: [AttributeProto] = []
    public var valueInfo: [ValueInfoProto] = []
    public var overload: String?
    public var metadataProps: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "name"
        case 4: return "input"
        case 5: return "output"
        case 6: return "attribute"
        case 7: return "node"
        case 8: return "doc_string"
        case 9: return "opset_import"
        case 10: return "domain"
        case 11: return "attribute_proto"
        case 12: return "value_info"
        case 13: return "overload"
        case 14: return "metadata_props"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&name, tag)
        case 4: return try reader.read(&input, tag)
        case 5: return try reader.read(&output, tag)
        case 6: return try reader.read(&attribute, tag)
        case 7: return try reader.read(&node, tag)
        case 8: return try reader.read(&docString, tag)
        case 9: return try reader.read(&opsetImport, tag)
        case 10: return try reader.read(&domain, tag)
        case 11: return try reader.read(&attributeProto, tag)
        case 12: return try reader.read(&valueInfo, tag)
        case 13: return try reader.read(&overload, tag)
        case 14: return try reader.read(&metadataProps, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, name)
        writer.write(4, input)
        writer.write(5, output)
        writer.write(6, attribute)
        writer.write(7, node)
        writer.write(8, docString)
        writer.write(9, opsetImport)
        writer.write(10, domain)
        writer.write(11, attributeProto)
        writer.write(12, valueInfo)
        writer.write(13, overload)
        writer.write(14, metadataProps)
        writer.write(unknownFields)
    }
}
