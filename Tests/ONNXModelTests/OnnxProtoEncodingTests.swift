import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Byte-literal tests of the onnx.proto messages: field numbers, declared packing, oneofs.
final class OnnxProtoEncodingTests: XCTestCase {
    func assertEncode<M: WireMessage>(_ message: M, _ expected: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(message.serializedBytes(), expected, file: file, line: line)
        XCTAssertEqual(try M(serializedBytes: expected), message, file: file, line: line)
    }

    func testOperatorSetId() {
        assertEncode(OperatorSetIdProto(domain: "", version: 13), [0x0a, 0x00, 0x10, 0x0d])
        assertEncode(OperatorSetIdProto(domain: "com.x", version: 1), Wire.string(1, "com.x") + [0x10, 0x01])
    }

    func testTensorDimsAreUnpackedAndInt32DataPacked() throws {
        var tensor = TensorProto()
        tensor.dims = [2, 3]
        tensor.dataType = DataType.int32.rawValue
        tensor.int32Data = [1, -1, 5, 0, 7, 300]
        tensor.name = "t"
        let int32Run: [UInt8] = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x05, 0x00, 0x07, 0xac, 0x02]
        assertEncode(tensor, [0x08, 0x02, 0x08, 0x03, 0x10, 0x06] + Wire.lengthDelimited(5, int32Run) + Wire.string(8, "t"))
        // Packed dims (as some writers emit) decode to the same tensor and re-encode unpacked.
        let packedDims = Wire.lengthDelimited(1, [0x02, 0x03]) + [0x10, 0x06] + Wire.lengthDelimited(5, int32Run) + Wire.string(8, "t")
        let decoded = try TensorProto(serializedBytes: packedDims)
        XCTAssertEqual(decoded, tensor)
        XCTAssertEqual(decoded.serializedBytes(), tensor.serializedBytes())
    }

    func testTensorPayloadFields() throws {
        var tensor = TensorProto()
        tensor.dataType = DataType.double.rawValue
        tensor.doubleData = PackedFixed([1.5])
        tensor.int64Data = [-2]
        tensor.uint64Data = [UInt64.max]
        tensor.stringData = [Bytes([0x61]), Bytes()]
        tensor.rawData = Bytes([9])
        tensor.dataLocation = 0
        tensor.externalData = [StringStringEntryProto(key: "k", value: "v")]
        var segment = TensorProto.Segment()
        segment.begin = 0
        segment.end = 4
        tensor.segment = segment
        let expected: [UInt8] = [0x10, 0x0b]
            + Wire.lengthDelimited(3, [0x08, 0x00, 0x10, 0x04])
            + Wire.lengthDelimited(6, [0x61]) + Wire.lengthDelimited(6, [])
            + Wire.lengthDelimited(7, Wire.varint(UInt64(bitPattern: -2)))
            + Wire.lengthDelimited(9, [9])
            + Wire.lengthDelimited(10, [0, 0, 0, 0, 0, 0, 0xf8, 0x3f])
            + Wire.lengthDelimited(11, Wire.varint(UInt64.max))
            + Wire.lengthDelimited(13, Wire.string(1, "k") + Wire.string(2, "v"))
            + [0x70, 0x00]
        assertEncode(tensor, expected)
        XCTAssertFalse(tensor.isExternal)
        XCTAssertEqual(tensor.elementType, .double)
        XCTAssertEqual(try TensorProto(serializedBytes: expected).doubleData.bytes.isView, true)
    }

    func testDimensionOneofLastOneWins() throws {
        let bytes = Wire.varintField(1, 4) + Wire.string(2, "N") + Wire.string(3, "batch")
        let dimension = try TensorShapeProto.Dimension(serializedBytes: bytes)
        XCTAssertEqual(dimension.value, .param("N"))
        XCTAssertEqual(dimension.denotation, "batch")
        XCTAssertEqual(dimension.serializedBytes(), Wire.string(2, "N") + Wire.string(3, "batch"))
        let back = try TensorShapeProto.Dimension(serializedBytes: Wire.string(2, "N") + Wire.varintField(1, 4))
        XCTAssertEqual(back.value, .value(4))
        // An unknown dimension has neither field.
        XCTAssertEqual(TensorShapeProto(dims: [nil, .value(-1)]).serializedBytes(),
                       Wire.lengthDelimited(1, []) + Wire.lengthDelimited(1, Wire.int64Field(1, -1)))
    }

    func testTypeProtoWritesDenotationBetweenOneofMembers() throws {
        let tensor = TypeProto.tensor(.float, dims: [.value(2)])
        var withDenotation = tensor
        withDenotation.denotation = "IMAGE"
        let tensorBody = [0x08, 0x01] + Wire.lengthDelimited(2, Wire.lengthDelimited(1, [0x08, 0x02]))
        assertEncode(withDenotation, Wire.lengthDelimited(1, tensorBody) + Wire.string(6, "IMAGE"))

        var element = TypeProto.Element()
        element.elemType = tensor
        var optional = TypeProto(.optional(element))
        optional.denotation = "D"
        // optional_type is field 9: after denotation (6).
        assertEncode(optional, Wire.string(6, "D") + Wire.lengthDelimited(9, Wire.lengthDelimited(1, tensor.serializedBytes())))
        // Read in the other order, written canonically.
        let swapped = Wire.lengthDelimited(9, Wire.lengthDelimited(1, tensor.serializedBytes())) + Wire.string(6, "D")
        XCTAssertEqual(try TypeProto(serializedBytes: swapped), optional)
        XCTAssertEqual(try TypeProto(serializedBytes: swapped).serializedBytes(), optional.serializedBytes())
    }

    func testTypeProtoOneofSwitchesAndMerges() throws {
        var sequence = TypeProto.Element()
        sequence.elemType = TypeProto.tensor(.int64, dims: nil)
        let tensorThenSequence = Wire.lengthDelimited(1, [0x08, 0x01]) + Wire.lengthDelimited(4, sequence.serializedBytes())
        let decoded = try TypeProto(serializedBytes: tensorThenSequence)
        XCTAssertEqual(decoded, TypeProto(.sequence(sequence)), "the last member of a oneof wins")
        XCTAssertNil(decoded.tensorType)
        // The same member twice is merged: elem_type from the first, shape from the second.
        let split = Wire.lengthDelimited(1, [0x08, 0x01]) + Wire.lengthDelimited(1, Wire.lengthDelimited(2, []))
        let merged = try TypeProto(serializedBytes: split)
        XCTAssertEqual(merged.tensorType?.elemType, 1)
        XCTAssertEqual(merged.tensorType?.shape, TensorShapeProto())
        XCTAssertEqual(merged.serializedBytes(), Wire.lengthDelimited(1, [0x08, 0x01] + Wire.lengthDelimited(2, [])))
    }

    func testMapOpaqueAndSparseTypes() {
        var map = TypeProto.Map()
        map.keyType = DataType.string.rawValue
        map.valueType = TypeProto.tensor(.float, dims: nil)
        assertEncode(TypeProto(.map(map)), Wire.lengthDelimited(5, [0x08, 0x08] + Wire.lengthDelimited(2, Wire.lengthDelimited(1, [0x08, 0x01]))))
        var opaque = TypeProto.Opaque()
        opaque.domain = "d"
        opaque.name = "n"
        assertEncode(TypeProto(.opaque(opaque)), Wire.lengthDelimited(7, Wire.string(1, "d") + Wire.string(2, "n")))
        assertEncode(TypeProto(.sparseTensor(TypeProto.Tensor(elemType: 1, shape: nil))), Wire.lengthDelimited(8, [0x08, 0x01]))
    }

    func testAttributeFieldNumbersAndPacking() throws {
        var attribute = AttributeProto()
        attribute.name = "a"
        attribute.f = 1
        attribute.i = -1
        attribute.s = Bytes([0xff])
        attribute.floats = [0.5, 2]
        attribute.ints = [1, 2]
        attribute.strings = [Bytes([0x78])]
        attribute.type = AttributeProto.AttributeType.ints.rawValue
        attribute.refAttrName = "r"
        let expected = Wire.string(1, "a") + Wire.fixed32Field(2, Float(1).bitPattern) + Wire.int64Field(3, -1)
            + Wire.lengthDelimited(4, [0xff])
            + Wire.fixed32Field(7, Float(0.5).bitPattern) + Wire.fixed32Field(7, Float(2).bitPattern)
            + [0x40, 0x01, 0x40, 0x02] + Wire.lengthDelimited(9, [0x78])
            + [0xa0, 0x01, 0x07] + Wire.string(21, "r")
        assertEncode(attribute, expected)
        XCTAssertEqual(attribute.attributeType, .ints)
        // Packed ints and floats from other writers are accepted.
        let packed = Wire.string(1, "a") + Wire.lengthDelimited(7, Wire.floatBits([0.5, 2])) + Wire.lengthDelimited(8, [0x01, 0x02])
        let decoded = try AttributeProto(serializedBytes: packed)
        XCTAssertEqual(decoded.floats, [0.5, 2])
        XCTAssertEqual(decoded.ints, [1, 2])
    }

    func testNodeFieldNumbers() {
        var node = TestModels.node("Conv", ["x", ""], ["y"], name: "n", domain: "")
        node.docString = "d"
        node.overload = "o"
        node.metadataProps = [StringStringEntryProto(key: "k", value: "v")]
        assertEncode(node, Wire.string(1, "x") + Wire.string(1, "") + Wire.string(2, "y") + Wire.string(3, "n") + Wire.string(4, "Conv")
                     + Wire.string(6, "d") + Wire.string(7, "") + Wire.string(8, "o")
                     + Wire.lengthDelimited(9, Wire.string(1, "k") + Wire.string(2, "v")))
    }

    func testModelFieldOrderAndUnknownFieldsLast() throws {
        var model = ModelProto()
        model.irVersion = 10
        model.opsetImport = [OperatorSetIdProto(domain: "", version: 21)]
        model.graph = GraphProto()
        model.metadataProps = [StringStringEntryProto(key: "a", value: "b")]
        var function = FunctionProto()
        function.name = "f"
        model.functions = [function]
        let expected = [0x08, 0x0a] + Wire.lengthDelimited(7, []) + Wire.lengthDelimited(8, [0x0a, 0x00, 0x10, 0x15])
            + Wire.lengthDelimited(14, Wire.string(1, "a") + Wire.string(2, "b")) + Wire.lengthDelimited(25, Wire.string(1, "f"))
        assertEncode(model, expected)
        let shuffled = Wire.varintField(99, 1) + Wire.lengthDelimited(25, Wire.string(1, "f")) + Wire.lengthDelimited(7, [])
            + [0x08, 0x0a] + Wire.lengthDelimited(14, Wire.string(1, "a") + Wire.string(2, "b"))
            + Wire.lengthDelimited(8, [0x0a, 0x00, 0x10, 0x15])
        XCTAssertEqual(try ModelProto(serializedBytes: shuffled).serializedBytes(), expected + Wire.varintField(99, 1))
    }

    func testSingularMessageSeenTwiceIsMerged() throws {
        // graph { name: "a" } graph { node {...} }: one graph with both.
        let bytes = Wire.lengthDelimited(7, Wire.string(2, "a")) + Wire.lengthDelimited(7, Wire.lengthDelimited(1, Wire.string(4, "Relu")))
        let model = try ModelProto(serializedBytes: bytes)
        XCTAssertEqual(model.graph?.name, "a")
        XCTAssertEqual(model.graph?.node.map(\.opType), ["Relu"])
    }
}
