import ProtoWire

/// onnx.AttributeProto: a named attribute value of one of the AttributeType kinds.
public struct AttributeProto: WireMessage {
    /// onnx.AttributeProto.AttributeType
    public enum AttributeType: Int32, Sendable, CaseIterable {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
        case sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
    }

    public var name: String?
    public var f: Float?
    public var i: Int64?
    public var s: Bytes?
    public var t: TensorProto?
    public var g: GraphProto?
    public var floats: [Float] = []
    public var ints: [Int64] = []
    public var strings: [Bytes] = []
    public var tensors: [TensorProto] = []
    public var graphs: [GraphProto] = []
    public var docString: String?
    public var tp: TypeProto?
    public var typeProtos: [TypeProto] = []
    /// The raw enum value; `attributeType` interprets it.
    public var type: Int32?
    public var refAttrName: String?
    public var sparseTensor: SparseTensorProto?
    public var sparseTensors: [SparseTensorProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public var attributeType: AttributeType? { type.flatMap(AttributeType.init(rawValue:)) }

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "name"
        case 2: return "f"
        case 3: return "i"
        case 4: return "s"
        case 5: return "t"
        case 6: return "g"
        case 7: return "floats"
        case 8: return "ints"
        case 9: return "strings"
        case 10: return "tensors"
        case 11: return "graphs"
        case 13: return "doc_string"
        case 14: return "tp"
        case 15: return "type_protos"
        case 20: return "type"
        case 21: return "ref_attr_name"
        case 22: return "sparse_tensor"
        case 23: return "sparse_tensors"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&name, tag)
        case 2: return try reader.read(&f, tag)
        case 3: return try reader.read(&i, tag)
        case 4: return try reader.read(&s, tag)
        case 5: return try reader.read(&t, tag)
        case 6: return try reader.read(&g, tag)
        case 7: return try reader.read(&floats, tag)
        case 8: return try reader.read(&ints, tag)
        case 9: return try reader.read(&strings, tag)
        case 10: return try reader.read(&tensors, tag)
        case 11: return try reader.read(&graphs, tag)
        case 13: return try reader.read(&docString, tag)
        case 14: return try reader.read(&tp, tag)
        case 15: return try reader.read(&typeProtos, tag)
        case 20: return try reader.read(&type, tag)
        case 21: return try reader.read(&refAttrName, tag)
        case 22: return try reader.read(&sparseTensor, tag)
        case 23: return try reader.read(&sparseTensors, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, name)
        writer.write(2, f)
        writer.write(3, i)
        writer.write(4, s)
        writer.write(5, t)
        writer.write(6, g)
        writer.write(7, floats)
        writer.write(8, ints, packed: false)
        writer.write(9, strings)
        writer.write(10, tensors)
        writer.write(11, graphs)
        writer.write(13, docString)
        writer.write(14, tp)
        writer.write(15, typeProtos)
        writer.write(20, type)
        writer.write(21, refAttrName)
        writer.write(22, sparseTensor)
        writer.write(23, sparseTensors)
        writer.write(unknownFields)
    }
}
