import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Errors in real message types name the field path from ModelProto down, and the absolute
/// byte offset in the file.
final class WireErrorPathTests: XCTestCase {
    /// A ModelProto whose graph's node 12 has an attribute with length 9000000; producer_name is
    /// padded so the length prefix sits at byte `offset`.
    static func brokenAttributeModel(lengthAt offset: Int) -> [UInt8] {
        let nodes = (0..<12).flatMap { i in
            Wire.lengthDelimited(1, TestModels.node("Relu", ["t\(i)"], ["t\(i + 1)"], name: "n\(i)").serializedBytes())
        }
        let node12 = Wire.string(4, "Conv") + Wire.tag(5, Wire.lengthDelimited) + Wire.varint(9_000_000) + Wire.string(1, "k")
        let graph = nodes + Wire.lengthDelimited(1, node12)
        let lengthInGraph = nodes.count + 1 + Wire.varint(UInt64(node12.count)).count + Wire.string(4, "Conv").count + 1
        // Find the padding arithmetically (building 48 000 candidate models would be quadratic).
        let graphLength = Wire.varint(UInt64(graph.count)).count
        for padding in 0..<offset {
            let prefixCount = 2 + 1 + Wire.varint(UInt64(padding)).count + padding + 1 + graphLength
            if prefixCount + lengthInGraph == offset {
                let head = Wire.varintField(1, 8) + Wire.string(2, String(repeating: "p", count: padding))
                return head + Wire.tag(7, Wire.lengthDelimited) + Wire.varint(UInt64(graph.count)) + graph
            }
        }
        fatalError("no padding puts the length at \(offset)")
    }

    func testPathAndOffsetOfABadAttributeLength() throws {
        let bytes = Self.brokenAttributeModel(lengthAt: 48213)
        XCTAssertEqual(Array(bytes[48213..<48217]), Wire.varint(9_000_000))
        let expected = WireError(.lengthPastEnd(9_000_000), at: 48213, path: ["graph", "node", "[12]", "attribute", "[0]"])
        XCTAssertThrowsError(try ModelProto(serializedBytes: bytes)) { error in
            XCTAssertEqual(error as? WireError, expected)
            XCTAssertEqual("\(error)", "graph.node[12].attribute[0]: length 9000000 runs past the end of the message at byte 48213")
        }
    }

    func testLoadReportsTheFileAndTheWireError() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("broken.onnx")
        try TestFiles.write(Self.brokenAttributeModel(lengthAt: 48213), to: path)
        XCTAssertThrowsError(try ModelFile.load(path)) { error in
            guard case .malformed(let reported, let wire)? = error as? ModelError else {
                return XCTFail("expected ModelError.malformed, got \(error)")
            }
            XCTAssertEqual(reported, path)
            XCTAssertEqual(wire.offset, 48213)
            XCTAssertEqual("\(error)", "\(path): not a valid ONNX model: graph.node[12].attribute[0]: "
                + "length 9000000 runs past the end of the message at byte 48213")
        }
    }

    /// Serializes `model`, overwrites the bytes of the UTF-8 `marker` with `replacement` (same
    /// length), and returns the bytes and where the marker's length prefix is.
    func corrupt(_ model: ModelProto, marker: String, with replacement: [UInt8]) -> ([UInt8], Int) {
        var bytes = model.serializedBytes()
        let needle = Array(marker.utf8)
        precondition(needle.count == replacement.count)
        let matches = (0...(bytes.count - needle.count)).filter { Array(bytes[$0..<($0 + needle.count)]) == needle }
        precondition(matches.count == 1, "marker \(marker) found \(matches.count) times")
        let start = matches[0]
        bytes.replaceSubrange(start..<(start + needle.count), with: replacement)
        return (bytes, start - 1)
    }

    func testInvalidUTF8DeepInATypeProto() {
        var model = TestModels.mlp()
        model.graph!.input[0].type = .tensor(.float, dims: [.value(1), .param("Zq")])
        let (bytes, lengthOffset) = corrupt(model, marker: "Zq", with: [0xc0, 0xaf])
        XCTAssertThrowsError(try ModelProto(serializedBytes: bytes)) { error in
            XCTAssertEqual(error as? WireError, WireError(.invalidUTF8, at: lengthOffset,
                path: ["graph", "input", "[0]", "type", "tensor_type", "shape", "dim", "[1]", "dim_param"]))
        }
    }

    func testInvalidUTF8InASubgraphNode() {
        var body = GraphProto()
        body.node = [TestModels.node("Identity", ["a"], ["b"]), TestModels.node("Zqj", ["b"], ["c"])]
        var model = TestModels.mlp()
        model.graph!.node.append(TestModels.node("If", ["cond"], ["r"], attributes: [
            TestModels.intAttribute("unused", 1), TestModels.graphAttribute("else_branch", body),
        ]))
        let (bytes, lengthOffset) = corrupt(model, marker: "Zqj", with: [0xe2, 0x82, 0x28])
        XCTAssertThrowsError(try ModelProto(serializedBytes: bytes)) { error in
            XCTAssertEqual((error as? WireError)?.pathString, "graph.node[3].attribute[1].g.node[1].op_type")
            XCTAssertEqual((error as? WireError)?.offset, lengthOffset)
        }
    }

    func testBadPackedFloatDataInAnInitializer() {
        // A third initializer whose float_data run is 6 bytes long.
        let tensor = Wire.string(8, "f") + Wire.lengthDelimited(4, Array(Wire.floatBits([1, 2]).prefix(6)))
        var model = TestModels.mlp()
        let graph = model.graph!.serializedBytes() + Wire.lengthDelimited(5, tensor)
        model.graph = nil
        let head = model.serializedBytes() + Wire.tag(7, Wire.lengthDelimited) + Wire.varint(UInt64(graph.count))
        let lengthOffset = head.count + graph.count - tensor.count + Wire.string(8, "f").count + 1
        XCTAssertThrowsError(try ModelProto(serializedBytes: head + graph)) { error in
            XCTAssertEqual(error as? WireError, WireError(.badPackedLength(6, elementSize: 4), at: lengthOffset,
                                                          path: ["graph", "initializer", "[2]", "float_data"]))
        }
    }
}

final class WireErrorShortPathTests: XCTestCase {
    func testDeepPathIsShortenedInTheMessage() {
        let path = (0..<100).flatMap { ["node", "[\($0)]"] }
        let error = WireError(.depthLimit(256), at: 7, path: path)
        XCTAssertTrue(error.description.hasPrefix("node[0].node[1].node[2].node[3]…(184 more)…node[96]"), error.description)
        XCTAssertTrue(error.description.hasSuffix("node[99]: messages nested deeper than 256 levels at byte 7"))
    }

    func testShallowPathIsKeptWhole() {
        let error = WireError(.truncated, at: 3, path: ["graph", "node", "[2]"])
        XCTAssertEqual(error.description, "graph.node[2]: the data ends inside a field at byte 3")
    }
}
