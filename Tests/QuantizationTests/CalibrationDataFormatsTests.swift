import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// The .npz and onnxruntime test_data_set layouts on the committed fixtures, and the real
/// MiniLM data in ../shared/models.
final class CalibrationDataFormatsTests: CalibrationDataTestCase {
    private func assertFixtureValues(_ sample: CalibrationSample, file: StaticString = #filePath, line: UInt = #line) {
        let t = sample.tensors
        XCTAssertEqual(t["x"]?.shape, [16, 64], file: file, line: line)
        XCTAssertEqual(t["x"]?.scalars(Float.self), CalibrationFixtures.x, file: file, line: line)
        XCTAssertEqual(t["ids"]?.scalars(Int64.self), CalibrationFixtures.ids, file: file, line: line)
        XCTAssertEqual(t["weird"]?.shape, [3, 3], file: file, line: line)
        XCTAssertEqual(t["weird"]?.scalars(Double.self).map { $0.isNaN ? 42 : $0 },
                       CalibrationFixtures.weird.map { $0.isNaN ? 42 : $0 }, file: file, line: line)
        XCTAssertEqual(t["mask"]?.scalars(Bool.self), CalibrationFixtures.mask, file: file, line: line)
        XCTAssertEqual(t["half"]?.elements(UInt16.self).map { $0 }, CalibrationFixtures.halfBits, file: file, line: line)
        XCTAssertEqual(sample.nonFiniteCounts, ["weird": 4, "half": 1], file: file, line: line)
        XCTAssertEqual(sample.nonFiniteCount, 5, file: file, line: line)
        XCTAssertEqual(sample.nonFiniteWarning, "sample '\(sample.name)': NaN/Inf values (1 in input 'half', 4 in input 'weird')",
                       file: file, line: line)
    }

    // MARK: .npz

    /// numpy's savez (stored) and savez_compressed (deflate): five arrays of five dtypes each.
    func testSavezAndSavezCompressed() throws {
        let data = try CalibrationDataset(directory: CalibrationFixtures.path("npz"), inputs: CalibrationFixtures.npzInputs)
        XCTAssertEqual(data.sampleNames, ["compressed", "stored"])
        XCTAssertEqual(data.warnings, [])
        for i in 0..<data.count { assertFixtureValues(try data.loadSample(i)) }
    }

    func testPositionalAndZip64Archives() throws {
        let inputs = Array(CalibrationFixtures.npzInputs.prefix(2))
        for fixture in ["npz-positional", "npz-zip64"] {
            let sample = try CalibrationDataset(directory: CalibrationFixtures.path(fixture), inputs: inputs).loadSample(0)
            XCTAssertEqual(sample.tensors["x"]?.scalars(Float.self), CalibrationFixtures.x, fixture)
            XCTAssertEqual(sample.tensors["ids"]?.scalars(Int64.self), CalibrationFixtures.ids, fixture)
        }
    }

    func testArchiveEntryNamingNoInput() throws {
        try CalibrationFixtures.copy("npz/compressed.npz", to: root + "/a.npz")
        let inputs = Array(CalibrationFixtures.npzInputs.prefix(2))
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: inputs),
                               mentions: ["/a.npz[weird.npy]", "'weird' is not a graph input (inputs: x, ids)"])
    }

    func testArchiveWithoutAnInput() throws {
        try CalibrationFixtures.copy("npz/stored.npz", to: root + "/a.npz")
        let inputs = CalibrationFixtures.npzInputs + [GraphInputSpec(name: "other", elementType: .float, dims: nil)]
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: inputs),
                               mentions: ["sample 'a'", "input 'other'", "an entry 'other.npy' in \(root)/a.npz"])
    }

    func testArchiveEntryWithWrongType() throws {
        try CalibrationFixtures.copy("npz/compressed.npz", to: root + "/a.npz")
        var inputs = CalibrationFixtures.npzInputs
        inputs[0].elementType = .double
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: inputs),
                               mentions: ["/a.npz[x.npy]: input 'x' takes double, the file holds float"])
    }

    /// Headers are checked up front; a damaged data byte only shows when the sample is loaded.
    func testDamagedArchiveData() throws {
        var bytes = try CalibrationFixtures.bytes("npz/stored.npz")
        bytes[2000] ^= 0x01
        try TestFiles.write(bytes, to: root + "/a.npz")
        let data = try CalibrationDataset(directory: root, inputs: CalibrationFixtures.npzInputs)
        assertCalibrationError(try data.sample(0), mentions: ["/a.npz: x.npy: CRC-32 is"])
        try TestFiles.write(Array(bytes.prefix(3000)), to: root + "/a.npz")
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: CalibrationFixtures.npzInputs),
                               mentions: ["/a.npz: not a zip archive"])
    }

    // MARK: onnxruntime test_data_set_*

    /// Set 0 names its tensors (input_0.pb is attention_mask), set 1 does not (by position, seq 4).
    func testTestDataSets() throws {
        let data = try CalibrationDataset(directory: CalibrationFixtures.path("onnxruntime"), inputs: CalibrationFixtures.textInputs)
        XCTAssertEqual(data.sampleNames, ["test_data_set_0", "test_data_set_1"])
        XCTAssertEqual(data.warnings, [])
        let first = try data.sample(0), second = try data.sample(1)
        XCTAssertEqual(first["input_ids"]?.scalars(Int64.self), [101, 7592, 2088, 102, 0, 0])
        XCTAssertEqual(first["attention_mask"]?.scalars(Int64.self), [1, 1, 1, 1, 0, 0])
        XCTAssertEqual(second["input_ids"]?.shape, [1, 4])
        XCTAssertEqual(second["input_ids"]?.scalars(Int64.self), [101, 2129, 102, 0])
        XCTAssertEqual(second["attention_mask"]?.scalars(Int64.self), [1, 1, 1, 0])
    }

    /// A folder of input_<i>.pb files alone is one sample.
    func testSingleTestDataSetFolder() throws {
        let directory = CalibrationFixtures.path("onnxruntime/test_data_set_1")
        let data = try CalibrationDataset(directory: directory, inputs: CalibrationFixtures.textInputs)
        XCTAssertEqual(data.sampleNames, ["test_data_set_1"])
        XCTAssertEqual(try data.sample(0)["attention_mask"]?.scalars(Int64.self), [1, 1, 1, 0])
    }

    func testTensorProtoNamingNoInput() throws {
        let set = root + "/test_data_set_0"
        try CalibrationFixtures.makeFolder(set)
        try TestFiles.write(CalibrationFixtures.tokens(3).toProto(name: "input_ids").serializedBytes(), to: set + "/input_0.pb")
        try TestFiles.write(CalibrationFixtures.tokens(3).toProto(name: "token_type_ids").serializedBytes(), to: set + "/input_1.pb")
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: CalibrationFixtures.textInputs),
                               mentions: ["test_data_set_0/input_1.pb", "'token_type_ids' is not a graph input"])
        try FileManager.default.removeItem(atPath: set + "/input_1.pb")
        assertCalibrationError(try CalibrationDataset(directory: root, inputs: CalibrationFixtures.textInputs),
                               mentions: ["sample 'test_data_set_0'", "input 'attention_mask'", "input_1.pb or a TensorProto named"])
    }

    // MARK: Real data

    /// ../shared/models/data/minilm/seq128: 300 samples of input_ids and attention_mask, int64 [1, 128].
    func testMiniLMSharedData() throws {
        let directory = TestPaths.shared("data/minilm/seq128")
        try XCTSkipUnless(TestPaths.exists(directory), "\(directory) is absent")
        let all = try CalibrationDataset(directory: directory, inputs: CalibrationFixtures.textInputs)
        XCTAssertEqual(all.count, 300)
        XCTAssertEqual(all.warnings, [])
        let data = try CalibrationDataset(directory: directory, inputs: CalibrationFixtures.textInputs, maxSamples: 100)
        XCTAssertEqual(data.count, 100)
        XCTAssertEqual(data.sampleNames.first, "sample_0000")
        XCTAssertEqual(data.sampleNames.last, "sample_0099")
        let sample = try data.loadSample(0)
        XCTAssertEqual(sample.tensors["input_ids"]?.shape, [1, 128])
        XCTAssertEqual(sample.tensors["attention_mask"]?.type, .int64)
        XCTAssertEqual(sample.tensors["input_ids"]?.scalars(Int64.self).first, 101)   // [CLS]
        XCTAssertEqual(sample.nonFiniteCount, 0)
    }

    /// Every model of ../shared/models with its data set (MANIFEST.md): the inputs come from the
    /// model itself; `sr` is only silero_vad.onnx's, so the flattened variant warns about it.
    func testSharedModelsWithTheirData() throws {
        let pairs = [("digits_cnn", "digits"), ("ocr_rec_ppocrv4", "ocr_rec"), ("ocr_cls_ppocr_mobile_v2", "ocr_cls"),
                     ("mobilenet_v2", "imagenet_torchvision"), ("paraphrase_minilm_l3_v2", "minilm/seq128"),
                     ("silero_vad", "silero_vad"), ("silero_vad_openvino_16k", "silero_vad")]
        for (model, data) in pairs {
            let modelPath = TestPaths.shared(model + ".onnx"), directory = TestPaths.shared("data/" + data)
            guard TestPaths.exists(modelPath), TestPaths.exists(directory) else { continue }
            let inputs = try GraphInputSpec.inputs(of: Model(try ModelFile.load(modelPath)).graph)
            let dataset = try CalibrationDataset(directory: directory, inputs: inputs, maxSamples: 3)
            XCTAssertEqual(dataset.count, 3, model)
            XCTAssertEqual(Set(try dataset.sample(2).keys), Set(inputs.map(\.name)), model)
            XCTAssertEqual(dataset.warnings.count, model == "silero_vad_openvino_16k" ? 1 : 0, "\(model): \(dataset.warnings)")
        }
    }
}
