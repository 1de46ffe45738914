import Foundation
import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Model-level API, attribute views, tensor sizes and loading errors.
final class ModelTests: XCTestCase {
    func testOpsetsNormalizeTheDefaultDomain() {
        var proto = TestModels.mlp(weightDims: [4, 3])
        proto.opsetImport = [OperatorSetIdProto(domain: "", version: 13), OperatorSetIdProto(domain: "com.x", version: 2)]
        let model = Model(proto)
        XCTAssertEqual(model.opsets, ["ai.onnx": 13, "com.x": 2])
        XCTAssertEqual(model.opsetVersion(for: ""), 13)
        XCTAssertEqual(model.opsetVersion(for: "ai.onnx"), 13)
        XCTAssertNil(model.opsetVersion(for: "com.y"))
        model.setOpset("ai.onnx", version: 17)
        model.setOpset("com.ms", version: 1)
        XCTAssertEqual(model.proto.opsetImport, [OperatorSetIdProto(domain: "", version: 17), OperatorSetIdProto(domain: "com.x", version: 2),
                                                 OperatorSetIdProto(domain: "com.ms", version: 1)])
        let fresh = Model(ModelProto())
        fresh.setOpset("ai.onnx", version: 21)
        XCTAssertEqual(fresh.proto.opsetImport, [OperatorSetIdProto(domain: "", version: 21)], "the default domain is written as \"\"")
    }

    func testMetadata() {
        let model = Model(TestModels.mlp())
        XCTAssertNil(model.metadata("k"))
        model.setMetadata("k", "1")
        model.setMetadata("j", "2")
        model.setMetadata("k", "3")
        XCTAssertEqual(model.metadata("k"), "3")
        XCTAssertEqual(model.toProto().metadataProps, [StringStringEntryProto(key: "k", value: "3"), StringStringEntryProto(key: "j", value: "2")])
    }

    func testTheGraphLivesInTheIRNotInTheProto() {
        let model = Model(TestModels.mlp())
        XCTAssertNil(model.proto.graph)
        model.graph.name = "renamed"
        XCTAssertEqual(model.toProto().graph?.name, "renamed")
    }

    func testAttributeViews() {
        var proto = AttributeProto()
        proto.name = "mode"
        proto.s = Bytes(Array("linear".utf8))
        proto.strings = [Bytes(Array("a".utf8)), Bytes(Array("é".utf8))]
        proto.i = 3
        proto.f = 0.25
        proto.ints = [1, -2]
        proto.floats = [1.5]
        proto.t = TestModels.floatTensor("t", dims: [1], values: [1])
        proto.type = AttributeProto.AttributeType.string.rawValue
        let attribute = Attribute(proto)
        XCTAssertEqual(attribute.name, "mode")
        XCTAssertEqual(attribute.type, .string)
        XCTAssertEqual(attribute.string, "linear")
        XCTAssertEqual(attribute.strings, ["a", "é"])
        XCTAssertEqual(attribute.int, 3)
        XCTAssertEqual(attribute.float, 0.25)
        XCTAssertEqual(attribute.ints, [1, -2])
        XCTAssertEqual(attribute.floats, [1.5])
        XCTAssertEqual(attribute.tensor?.name, "t")
        XCTAssertEqual(attribute.subgraphs.count, 0)
        XCTAssertEqual(attribute.toProto(), proto)
        let node = Node(opType: "Resize", inputs: ["x"], outputs: ["y"], attributes: [attribute])
        XCTAssertEqual(node.attribute("mode")?.string, "linear")
        XCTAssertNil(node.attribute("missing"))
        XCTAssertEqual(node.label, "Resize(y)", "a node without a name is labelled by op and output")
        XCTAssertEqual(node.normalizedDomain, "ai.onnx")
    }

    func testGraphsAttributeIsLiftedAndRestored() throws {
        var body = GraphProto()
        body.name = "b"
        body.node = [TestModels.node("Neg", ["outer"], ["o"])]
        var proto = AttributeProto()
        proto.name = "branches"
        proto.type = AttributeProto.AttributeType.graphs.rawValue
        proto.graphs = [body, body]
        var graph = GraphProto()
        graph.node = [TestModels.node("Custom", [], ["y"], domain: "com.x", attributes: [proto])]
        graph.input = [TestModels.value("outer")]
        let ir = Graph(proto: graph)
        let node = ir.nodes[0]
        XCTAssertEqual(node.subgraphs.count, 2)
        XCTAssertEqual(node.attributes[0].proto.graphs, [], "graphs live in the IR")
        XCTAssertEqual(node.implicitInputs, ["outer"])
        XCTAssertEqual(ir.allSubgraphs.count, 2)
        XCTAssertEqual(ir.toProto(), graph)
    }

    // MARK: Sizes

    func testDataTypeByteCounts() {
        XCTAssertEqual(DataType.float.byteCount(elements: 3), 12)
        XCTAssertEqual(DataType.bool.byteCount(elements: 3), 3)
        XCTAssertEqual(DataType.complex128.byteCount(elements: 2), 32)
        XCTAssertEqual(DataType.int4.byteCount(elements: 3), 2, "sub-byte types round up")
        XCTAssertEqual(DataType.uint2.byteCount(elements: 5), 2)
        XCTAssertEqual(DataType.float4e2m1.byteCount(elements: 0), 0)
        XCTAssertNil(DataType.string.byteCount(elements: 1))
        XCTAssertNil(DataType.undefined.byteCount(elements: 1))
        XCTAssertNil(DataType.double.byteCount(elements: Int.max / 8), "overflow is reported, not trapped")
        XCTAssertEqual(DataType.allCases.count, 27)
        XCTAssertEqual(DataType.allCases.map(\.rawValue), Array(0...26))
        XCTAssertEqual("\(DataType.bfloat16)", "bfloat16")
    }

    func testElementCounts() {
        XCTAssertEqual(TensorLayout.elementCount([]), 1, "a scalar")
        XCTAssertEqual(TensorLayout.elementCount([2, 3, 4]), 24)
        XCTAssertEqual(TensorLayout.elementCount([0, Int64.max]), 0)
        XCTAssertNil(TensorLayout.elementCount([-1, 4]))
        XCTAssertNil(TensorLayout.elementCount([Int64.max, 2]))
        XCTAssertNil(TensorLayout.elementCount([1 << 32, 1 << 32]))
        var tensor = TestModels.floatTensor("t", dims: [2, 2], values: [1, 2, 3, 4])
        XCTAssertEqual(TensorLayout.rawByteCount(of: tensor), 16)
        tensor.dataType = DataType.string.rawValue
        XCTAssertNil(TensorLayout.rawByteCount(of: tensor))
        tensor.dataType = 1234
        XCTAssertNil(TensorLayout.rawByteCount(of: tensor))
    }

    // MARK: Loading errors

    func testLoadingAMissingFile() {
        XCTAssertThrowsError(try ModelFile.load("/nonexistent/qtool/model.onnx")) { error in
            guard case .io(let path, _)? = error as? ModelError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/qtool/model.onnx")
        }
    }

    func testLoadingADirectory() throws {
        let folder = try TemporaryDirectory()
        XCTAssertThrowsError(try ModelFile.load(folder.path)) { error in
            XCTAssertEqual(error as? ModelError, .io(path: folder.path, reason: "not a regular file"))
        }
    }

    func testLoadedPayloadsAreViewsOfTheMappedFile() throws {
        let folder = try TemporaryDirectory()
        let model = TestModels.weighted()
        try ModelFile.save(model, to: folder.file("m.onnx"), policy: .inline)
        let loaded = try ModelFile.load(folder.file("m.onnx"))
        XCTAssertTrue(loaded.graph!.initializer.allSatisfy { $0.rawData?.isView == true })
        XCTAssertTrue(ModelComparison.equal(loaded, model))
        // The mapping outlives the file name.
        try FileManager.default.removeItem(atPath: folder.file("m.onnx"))
        XCTAssertEqual(loaded.graph!.initializer[0].rawData, model.graph!.initializer[0].rawData)
    }

    /// Subgraphs nested through If attributes 100 000 levels deep: refused at the depth limit,
    /// without exhausting the stack.
    func testDeeplyNestedSubgraphsAreRefused() {
        // Build from the inside out: Graph{ node: [Node{ attribute: [Attribute{ g: Graph{...} }] }] }.
        var reversed: [UInt8] = []
        func wrap(_ field: UInt8) {
            reversed.append(contentsOf: Wire.varint(UInt64(reversed.count)).reversed())
            reversed.append(field << 3 | 2)
        }
        for _ in 0..<33_333 {
            wrap(6)   // AttributeProto.g
            wrap(5)   // NodeProto.attribute
            wrap(1)   // GraphProto.node
        }
        wrap(7)       // ModelProto.graph
        let bytes = Array(reversed.reversed())
        XCTAssertThrowsError(try ModelProto(serializedBytes: bytes)) { error in
            let wire = error as? WireError
            XCTAssertEqual(wire?.reason, .depthLimit(WireReader.defaultDepthLimit))
            XCTAssertEqual(wire?.path.prefix(6), ["graph", "node", "[0]", "attribute", "[0]", "g"])
        }
        // A nesting well inside the limit decodes, converts to the IR and back.
        var ok: [UInt8] = []
        reversed = []
        for _ in 0..<20 { wrap(6); wrap(5); wrap(1) }
        wrap(7)
        ok = Array(reversed.reversed())
        XCTAssertNoThrow(try {
            let model = try ModelProto(serializedBytes: ok)
            XCTAssertEqual(model.serializedBytes(), ok)
            XCTAssertEqual(Model(model).graph.allSubgraphs.count, 20)
        }())
    }

    func testDeeplyNestedTypesAreRefused() {
        // TypeProto{ sequence_type: Element{ elem_type: TypeProto{ ... } } } in a graph input.
        var reversed: [UInt8] = []
        func wrap(_ field: UInt8) {
            reversed.append(contentsOf: Wire.varint(UInt64(reversed.count)).reversed())
            reversed.append(field << 3 | 2)
        }
        for _ in 0..<50_000 { wrap(1); wrap(4) }   // Element.elem_type, TypeProto.sequence_type
        wrap(2)    // ValueInfoProto.type
        wrap(11)   // GraphProto.input
        wrap(7)    // ModelProto.graph
        let bytes = Array(reversed.reversed())
        XCTAssertThrowsError(try ModelProto(serializedBytes: bytes)) { error in
            XCTAssertEqual((error as? WireError)?.reason, .depthLimit(256))
            XCTAssertEqual((error as? WireError)?.path.prefix(5), ["graph", "input", "[0]", "type", "sequence_type"])
        }
    }
}
