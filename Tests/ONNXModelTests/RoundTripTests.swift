import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Decoding and re-encoding an untouched model gives the file's bytes back (the files are
/// canonical protobuf, as onnx.save writes them), through the IR and back.
final class RoundTripTests: XCTestCase {
    func roundTrip(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let name = FilePath.fileName(of: path)
        let original = try TestFiles.read(path)
        let loaded = try ModelFile.load(path)
        let hasExternalData = loaded.allTensors().contains(where: \.isExternal)

        // Through the IR. A model with external data gets its payloads attached by load, so
        // the byte comparison uses the plain decoding for it (load is checked in ExternalDataTests).
        let decoded = hasExternalData ? try ModelProto(region: region(original)) : loaded
        let bytes = Model(decoded).toProto().serializedBytes()
        if let offset = TestFiles.firstDifference(bytes, original) {
            XCTFail("\(name): re-encoded bytes differ from the file at byte \(offset) (\(bytes.count) vs \(original.count) bytes)",
                    file: file, line: line)
        }
        // Directly, without the IR.
        XCTAssertTrue(TestFiles.equal(decoded.serializedBytes(), original), "\(name): proto re-encoding", file: file, line: line)
        // Decoding the output again gives the same message.
        // (XCTAssertTrue: a failure must not print a 70 MB message.) A NaN attribute value makes a
        // message unequal to itself (NaN != NaN); such a model must still re-encode identically.
        let again = try ModelProto(serializedBytes: bytes)
        XCTAssertTrue(ModelComparison.equal(again, decoded) || (Self.hasNaN(decoded) && TestFiles.equal(again.serializedBytes(), original)),
                      "\(name): decode(encode(m)) != m", file: file, line: line)
    }

    static func hasNaN(_ model: ModelProto) -> Bool {
        func graph(_ g: GraphProto) -> Bool { g.node.contains(where: node) }
        func node(_ n: NodeProto) -> Bool { n.attribute.contains(where: attribute) }
        func attribute(_ a: AttributeProto) -> Bool {
            a.f?.isNaN == true || a.floats.contains(where: \.isNaN) || a.g.map(graph) == true || a.graphs.contains(where: graph)
        }
        return model.graph.map(graph) == true
            || model.functions.contains { $0.node.contains(where: node) || $0.attributeProto.contains(where: attribute) }
            || model.trainingInfo.contains { $0.initialization.map(graph) == true || $0.algorithm.map(graph) == true }
    }

    func testNaNAttributesAreDetected() throws {
        var model = TestModels.mlp()
        XCTAssertFalse(Self.hasNaN(model))
        var attribute = AttributeProto()
        attribute.f = .nan
        model.graph!.node[0].attribute = [attribute]
        XCTAssertTrue(Self.hasNaN(model))
        let copy = try ModelProto(serializedBytes: model.serializedBytes())
        XCTAssertNotEqual(copy, model, "NaN != NaN: why the round trip compares such models by bytes")
        XCTAssertFalse(ModelComparison.equal(copy, model))
    }

    func testModelComparisonSeesEveryDifference() throws {
        let model = TestModels.weighted()
        XCTAssertTrue(ModelComparison.equal(try ModelProto(serializedBytes: model.serializedBytes()), model))
        var changed = model
        var raw = model.graph!.initializer[0].rawData!.array
        raw[raw.count - 1] ^= 0x01
        changed.graph!.initializer[0].rawData = Bytes(raw)
        XCTAssertFalse(ModelComparison.equal(changed, model), "one payload byte")
        changed = model
        changed.graph!.initializer[2].rawData = nil
        XCTAssertFalse(ModelComparison.equal(changed, model), "payload presence")
        changed = model
        changed.graph!.initializer[1].floatData = PackedFixed([1])
        XCTAssertFalse(ModelComparison.equal(changed, model), "float_data")
        changed = model
        changed.graph!.node[0].name = "other"
        XCTAssertFalse(ModelComparison.equal(changed, model), "a non-payload field")
    }

    func testFixtureModels() throws {
        let files = TestPaths.onnxFiles(in: TestPaths.fixtureModels)
        guard !files.isEmpty else { throw XCTSkip("no fixtures in \(TestPaths.fixtureModels)") }
        XCTAssertGreaterThanOrEqual(files.count, 18)
        for path in files { try roundTrip(path) }
    }

    func testSharedModels() throws {
        let files = TestPaths.onnxFiles(in: TestPaths.sharedModels)
        guard !files.isEmpty else { throw XCTSkip("no models in \(TestPaths.sharedModels)") }
        for path in files { try roundTrip(path) }
    }

    func testHandBuiltModelsSurviveTheIR() throws {
        // Built here, so they are canonical by construction; every optional field set somewhere.
        var model = TestModels.mlp()
        model.docString = "doc"
        model.domain = "ai.example"
        model.modelVersion = 3
        model.producerVersion = "0"
        model.metadataProps = [StringStringEntryProto(key: "k", value: "v")]
        model.graph!.docString = "g"
        model.graph!.valueInfo = [TestModels.value("mm", .float, [.param("N"), nil])]
        model.graph!.node[0].docString = "n"
        model.graph!.node[0].overload = "o"
        model.graph!.node[1].attribute = [TestModels.intAttribute("axis", -1)]
        var annotation = TensorAnnotation()
        annotation.tensorName = "y"
        annotation.quantParameterTensorNames = [StringStringEntryProto(key: "SCALE_TENSOR", value: "s")]
        model.graph!.quantizationAnnotation = [annotation]
        var function = FunctionProto()
        function.name = "F"
        function.domain = "custom"
        function.input = ["a"]
        function.output = ["b"]
        function.node = [TestModels.node("Relu", ["a"], ["b"])]
        model.functions = [function]
        let bytes = model.serializedBytes()
        let back = Model(try ModelProto(serializedBytes: bytes)).toProto()
        XCTAssertEqual(back, model)
        XCTAssertEqual(back.serializedBytes(), bytes)
    }

    func testUnknownFieldsSurviveTheIR() throws {
        // Unknown fields at the model, graph, node, attribute, subgraph and tensor levels.
        let extra = Wire.varintField(1000, 42)
        var then = GraphProto()
        then.node = [TestModels.node("Identity", ["x"], ["t"])]
        then.output = [TestModels.value("t")]
        var model = TestModels.mlp()
        model.graph!.node.append(TestModels.node("If", ["c"], ["z"], attributes: [TestModels.graphAttribute("then_branch", then)]))
        var bytes = model.serializedBytes()
        // Append the unknown field to the body of each message by editing the proto and
        // re-decoding: decode each level from bytes that carry it.
        var withUnknown = try ModelProto(serializedBytes: bytes + extra)
        var graph = try GraphProto(serializedBytes: model.graph!.serializedBytes() + extra)
        graph.node[3] = try NodeProto(serializedBytes: graph.node[3].serializedBytes() + extra)
        graph.node[3].attribute[0] = try AttributeProto(serializedBytes: graph.node[3].attribute[0].serializedBytes() + extra)
        graph.node[3].attribute[0].g = try GraphProto(serializedBytes: then.serializedBytes() + extra)
        graph.initializer[0] = try TensorProto(serializedBytes: graph.initializer[0].serializedBytes() + extra)
        withUnknown.graph = graph
        bytes = withUnknown.serializedBytes()
        let ir = Model(try ModelProto(serializedBytes: bytes))
        XCTAssertEqual(ir.graph.unknownFields.bytes, extra)
        XCTAssertEqual(ir.graph.nodes[3].unknownFields.bytes, extra)
        XCTAssertEqual(ir.graph.nodes[3].subgraphs.first?.unknownFields.bytes, extra)
        XCTAssertEqual(ir.toProto().serializedBytes(), bytes)
        XCTAssertEqual(ir.toProto(), withUnknown)
    }

    func testNodeWithoutOpTypeRoundTrips() throws {
        // An absent op_type (invalid ONNX, but a lossless tool must not invent fields) must not
        // come back as an empty op_type.
        var model = TestModels.mlp()
        model.graph!.node[2].opType = nil
        let bytes = model.serializedBytes()
        let back = Model(try ModelProto(serializedBytes: bytes)).toProto()
        XCTAssertNil(back.graph?.node[2].opType, "an absent op_type came back as \"\"")
        XCTAssertTrue(TestFiles.equal(back.serializedBytes(), bytes), "first difference at byte \(TestFiles.firstDifference(back.serializedBytes(), bytes) ?? -1)")
    }

    func testModelWithoutGraphStaysWithoutGraph() throws {
        var model = ModelProto()
        model.irVersion = 9
        XCTAssertNil(Model(model).toProto().graph)
        XCTAssertEqual(Model(model).toProto().serializedBytes(), [0x08, 0x09])
        var empty = ModelProto()
        empty.graph = GraphProto()
        XCTAssertEqual(Model(empty).toProto().serializedBytes(), [0x3a, 0x00], "an empty graph that was present stays")
    }
}
