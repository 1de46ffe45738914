import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

final class ModelSummaryTests: XCTestCase {
    /// Conv/Relu x2, a Constant shape, Reshape, a custom-domain op and an If whose branch has
    /// its own initializer and Constant.
    static func handBuilt() -> ModelProto {
        var w2 = TensorProto()
        w2.name = "w2"
        w2.dims = [4, 4, 1, 1]
        w2.dataType = DataType.float16.rawValue
        w2.rawData = Bytes([UInt8](repeating: 0x3c, count: 32))
        var scale = TensorProto()
        scale.name = "scale"
        scale.dims = [2]
        scale.dataType = DataType.float.rawValue
        scale.floatData = PackedFixed([0.5, 2])

        var branch = GraphProto()
        branch.name = "then"
        branch.node = [
            TestModels.node("Constant", [], ["kc"], name: "kc",
                            attributes: [TestModels.tensorAttribute("value", TestModels.floatTensor("kcv", dims: [3], values: [1, 2, 3]))]),
            TestModels.node("Add", ["f", "kc"], ["t"], name: "add"),
            TestModels.node("Mul", ["t", "k"], ["out"], name: "mul"),
        ]
        branch.initializer = [TestModels.rampTensor("k", dims: [4])]
        branch.output = [TestModels.value("out")]

        var graph = GraphProto()
        graph.name = "summary"
        graph.node = [
            TestModels.node("Conv", ["x", "w1", "b1"], ["c1"], name: "conv1"),
            TestModels.node("Relu", ["c1"], ["r1"], name: "relu1"),
            TestModels.node("Conv", ["r1", "w2"], ["c2"], name: "conv2"),
            TestModels.node("Relu", ["c2"], ["r2"], name: "relu2"),
            TestModels.node("Constant", [], ["shape"], name: "shape",
                            attributes: [TestModels.tensorAttribute("value", TestModels.int64Tensor("sv", dims: [2], values: [1, -1]))]),
            TestModels.node("Reshape", ["r2", "shape"], ["flat"], name: "reshape"),
            TestModels.node("Foo", ["flat"], ["f"], name: "foo", domain: "com.x"),
            TestModels.node("If", ["cond"], ["y"], name: "if", attributes: [TestModels.graphAttribute("then_branch", branch)]),
        ]
        graph.initializer = [TestModels.rampTensor("w1", dims: [4, 3, 3, 3]), TestModels.rampTensor("b1", dims: [4]), w2, scale]
        var sequence = ValueInfoProto()
        sequence.name = "s"
        var element = TypeProto.Element()
        element.elemType = TypeProto.tensor(.float, dims: nil)
        sequence.type = TypeProto(.sequence(element))
        graph.input = [TestModels.value("x", .float, [.param("N"), .value(3), .value(8), .value(8)]),
                       TestModels.value("cond", .bool, []), sequence]
        graph.output = [TestModels.value("y", .float, nil)]
        var model = TestModels.model(graph, extraOpsets: [OperatorSetIdProto(domain: "com.x", version: 1)])
        model.producerVersion = "1.2"
        return model
    }

    func testHandBuiltModel() {
        let summary = ModelSummary(Model(Self.handBuilt()))
        XCTAssertEqual(summary.irVersion, 8)
        XCTAssertEqual(summary.producerName, "qtool-tests")
        XCTAssertEqual(summary.producerVersion, "1.2")
        XCTAssertEqual(summary.opsets.map { "\($0.domain)=\($0.version)" }, ["=13", "com.x=1"])

        XCTAssertEqual(summary.opHistogram.map { "\($0.op):\($0.count)" },
                       ["Conv:2", "Relu:2", "Constant:1", "Reshape:1", "com.x.Foo:1", "If:1"])
        XCTAssertEqual(summary.opHistogramAll.map { "\($0.op):\($0.count)" },
                       ["Conv:2", "Relu:2", "Constant:2", "Reshape:1", "com.x.Foo:1", "If:1", "Add:1", "Mul:1"])

        // w1 108 + b1 4 + w2 16 + scale 2 + k (in the branch) 4 elements.
        XCTAssertEqual(summary.parameters.count, 134)
        XCTAssertEqual(summary.parameters.bytesByType.map { "\($0.type):\($0.bytes)" }, ["float:472", "float16:32"])
        // The two Constant tensors: int64 [2] (int64_data) and float [3] (raw_data).
        XCTAssertEqual(summary.constants.count, 5)
        XCTAssertEqual(summary.constants.bytesByType.map { "\($0.type):\($0.bytes)" }, ["int64:16", "float:12"])

        XCTAssertEqual(summary.inputs.map(\.name), ["x", "cond", "s"])
        XCTAssertEqual(summary.inputs.map(\.elementType), ["float", "bool", "sequence"])
        XCTAssertEqual(summary.inputs[0].shape, [.param("N"), .value(3), .value(8), .value(8)])
        XCTAssertEqual(summary.inputs[1].shape, [], "a scalar has rank 0")
        XCTAssertNil(summary.inputs[2].shape)
        XCTAssertEqual(summary.outputs.map(\.name), ["y"])
        XCTAssertNil(summary.outputs[0].shape, "unknown rank")
        XCTAssertEqual(summary.externalDataFiles, [])
        XCTAssertEqual(summary.findings, [])
    }

    func testFindingsAndUnknownTypes() {
        var proto = Self.handBuilt()
        proto.graph!.node[5].input = ["r2", "nowhere"]
        proto.graph!.initializer[1].dataType = 99
        let summary = ModelSummary(Model(proto))
        XCTAssertEqual(summary.findings, ["graph: node 'reshape' (Reshape) reads 'nowhere', which nothing defines"])
        XCTAssertEqual(summary.parameters.bytesByType.map { "\($0.type):\($0.bytes)" }, ["float:456", "type 99:16", "float16:32"])
    }

    func testExternalDataFiles() throws {
        let folder = try TemporaryDirectory()
        try ModelFile.save(TestModels.weighted(), to: folder.file("m.onnx"), policy: .external(threshold: 1024, location: "w.bin"))
        let summary = ModelSummary(Model(try ModelFile.load(folder.file("m.onnx"))))
        XCTAssertEqual(summary.externalDataFiles, ["w.bin"])
        let elements = 4096 + 256 + 4
        XCTAssertEqual(summary.parameters.count, elements)
        XCTAssertEqual(summary.parameters.bytesByType.map { "\($0.type):\($0.bytes)" }, ["float:\(4 * elements)"])
    }
}
