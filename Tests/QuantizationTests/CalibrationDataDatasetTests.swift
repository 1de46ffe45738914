import ONNXModel
import Runtime
import XCTest
import _TestSupport
@testable import Quantization

/// Dataset layouts (input folders, .npz, test_data_set_*, flat .npy), their validation and
/// their warnings, on folders built in a temporary directory.
final class CalibrationDataDatasetTests: CalibrationDataTestCase {
    /// `<input>/<sample>.npy` for the BERT-like inputs, seq lengths varying per sample.
    private func writeTextSamples(_ lengths: [Int], names: [String]? = nil) throws {
        for input in ["input_ids", "attention_mask"] { try CalibrationFixtures.makeFolder(root + "/" + input) }
        for (i, length) in lengths.enumerated() {
            let name = names?[i] ?? "sample_\(i)"
            try CalibrationFixtures.writeNpy(CalibrationFixtures.tokens(length, start: Int64(i * 10)), to: root + "/input_ids/\(name).npy")
            try CalibrationFixtures.writeNpy(Tensor([Int64](repeating: 1, count: length), shape: [1, length]),
                                             to: root + "/attention_mask/\(name).npy")
        }
    }

    private func dataset(_ inputs: [GraphInputSpec] = CalibrationFixtures.textInputs, maxSamples: Int? = nil) throws -> CalibrationDataset {
        try CalibrationDataset(directory: root, inputs: inputs, maxSamples: maxSamples)
    }

    // MARK: Input folders

    func testInputFoldersWithDynamicDims() throws {
        try writeTextSamples([4, 6, 5])
        let data = try dataset()
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data.sampleNames, ["sample_0", "sample_1", "sample_2"])
        XCTAssertEqual(data.warnings, [])
        let sample = try data.loadSample(1)
        XCTAssertEqual(sample.tensors["input_ids"]?.shape, [1, 6])
        XCTAssertEqual(sample.tensors["input_ids"]?.scalars(Int64.self), [10, 11, 12, 13, 14, 15])
        XCTAssertEqual(sample.nonFiniteCount, 0)
        XCTAssertNil(sample.nonFiniteWarning)
        XCTAssertEqual(try data.sample(2)["attention_mask"]?.shape, [1, 5])
    }

    func testExtraFolderIsAWarningAndOtherFilesAreIgnored() throws {
        try writeTextSamples([3])
        try CalibrationFixtures.makeFolder(root + "/sr")
        try TestFiles.write(Array("a\t1\n".utf8), to: root + "/labels.tsv")
        try TestFiles.write([], to: root + "/input_ids/notes.pb")
        let data = try dataset()
        XCTAssertEqual(data.count, 1)
        XCTAssertEqual(data.warnings.count, 2)
        XCTAssertTrue(data.warnings[0].contains("/input_ids/notes.pb"), data.warnings[0])
        XCTAssertTrue(data.warnings[1].hasSuffix("/sr: folder names no graph input (inputs: input_ids, attention_mask); ignored"))
    }

    func testSlashInInputNameIsUnderscoreInFolderName() throws {
        try CalibrationFixtures.makeFolder(root + "/enc_x")
        try CalibrationFixtures.writeNpy(Tensor([Float(1), 2], shape: [2]), to: root + "/enc_x/a.npy")
        let data = try dataset([GraphInputSpec(name: "enc/x", elementType: .float, dims: [.dynamic])])
        XCTAssertEqual(try data.sample(0)["enc/x"]?.scalars(Float.self), [1, 2])
    }

    func testNaturalOrderAndSampleLimit() throws {
        try writeTextSamples([2, 2, 2, 2], names: ["s10", "s9", "s100", "s1"])
        XCTAssertEqual(try dataset().sampleNames, ["s1", "s9", "s10", "s100"])
        XCTAssertEqual(try dataset(maxSamples: 2).sampleNames, ["s1", "s9"])
        assertCalibrationError(try dataset(maxSamples: 0), mentions: ["at least 1"])
    }

    /// Samples past the limit are never read, so a bad one there does not matter.
    func testSampleLimitSkipsLaterFiles() throws {
        try writeTextSamples([2, 2])
        try CalibrationFixtures.writeNpy(Tensor([Int32(1), 2], shape: [1, 2]), to: root + "/input_ids/sample_1.npy")
        XCTAssertEqual(try dataset(maxSamples: 1).count, 1)
        assertCalibrationError(try dataset(), mentions: ["input_ids/sample_1.npy", "takes int64, the file holds int32"])
    }

    func testMissingSampleFileNamesSampleAndInput() throws {
        try writeTextSamples([3, 3])
        try FileManager.default.removeItem(atPath: root + "/attention_mask/sample_1.npy")
        assertCalibrationError(try dataset(), mentions: ["sample 'sample_1'", "input 'attention_mask'", "attention_mask/sample_1.npy"])
    }

    func testMissingInputFolder() throws {
        try writeTextSamples([3])
        try FileManager.default.removeItem(atPath: root + "/attention_mask")
        assertCalibrationError(try dataset(), mentions: ["no folder 'attention_mask'", "graph input 'attention_mask'"])
    }

    func testWrongRankAndFixedDim() throws {
        try CalibrationFixtures.makeFolder(root + "/image")
        let image = [GraphInputSpec(name: "image", elementType: .float, dims: [.symbolic("batch"), .fixed(3), .fixed(2)])]
        try CalibrationFixtures.writeNpy(Tensor(zeros: .float, shape: [1, 3, 2]), to: root + "/image/a.npy")
        try CalibrationFixtures.writeNpy(Tensor(zeros: .float, shape: [3, 2]), to: root + "/image/b.npy")
        assertCalibrationError(try dataset(image), mentions: ["image/b.npy", "rank 3 [batch, 3, 2]", "rank 2 [3, 2]"])
        try CalibrationFixtures.writeNpy(Tensor(zeros: .float, shape: [1, 4, 2]), to: root + "/image/b.npy")
        assertCalibrationError(try dataset(image), mentions: ["image/b.npy", "needs size 3 on axis 1", "has 4 [1, 4, 2]"])
    }

    func testSymbolicDimMustAgreeAcrossInputs() throws {
        try writeTextSamples([4])
        try CalibrationFixtures.writeNpy(CalibrationFixtures.tokens(5), to: root + "/attention_mask/sample_0.npy")
        assertCalibrationError(try dataset(), mentions: ["attention_mask/sample_0.npy", "seq = 5", "input 'input_ids'", "seq = 4"])
    }

    func testNonFiniteValuesAreCounted() throws {
        try CalibrationFixtures.makeFolder(root + "/x")
        try CalibrationFixtures.writeNpy(Tensor([Float.nan, 1, .infinity, -.infinity, 2], shape: [5]), to: root + "/x/bad.npy")
        try CalibrationFixtures.writeNpy(Tensor([Float(1), 2, 3, 4, 5], shape: [5]), to: root + "/x/good.npy")
        let data = try dataset([GraphInputSpec(name: "x", elementType: .float, dims: [.fixed(5)])])
        let bad = try data.loadSample(0)
        XCTAssertEqual(bad.name, "bad")
        XCTAssertEqual(bad.nonFiniteCounts, ["x": 3])
        XCTAssertEqual(bad.nonFiniteWarning, "sample 'bad': NaN/Inf values (3 in input 'x')")
        XCTAssertEqual(try data.loadSample(1).nonFiniteCounts, [:])
    }

    /// Tensors are read when asked for: a file removed or rewritten after the scan shows up then.
    func testSamplesAreLoadedLazilyAndCheckedAgain() throws {
        try writeTextSamples([3, 3])
        let data = try dataset()
        try FileManager.default.removeItem(atPath: root + "/input_ids/sample_0.npy")
        assertCalibrationError(try data.sample(0), mentions: ["input_ids/sample_0.npy"])
        try CalibrationFixtures.writeNpy(Tensor([Float](repeating: 0, count: 3), shape: [1, 3]), to: root + "/input_ids/sample_1.npy")
        assertCalibrationError(try data.sample(1), mentions: ["input_ids/sample_1.npy", "takes int64, the file holds float"])
        assertCalibrationError(try data.sample(2), mentions: ["sample 2 does not exist (there are 2)"])
    }

    func testUnreadableNpy() throws {
        try writeTextSamples([3])
        try TestFiles.write(Array("not numpy at all".utf8), to: root + "/input_ids/sample_0.npy")
        assertCalibrationError(try dataset(), mentions: ["input_ids/sample_0.npy", "not a .npy file"])
        let truncated = Array(try Npy.encode(CalibrationFixtures.tokens(3)).dropLast(4))
        try TestFiles.write(truncated, to: root + "/input_ids/sample_0.npy")
        assertCalibrationError(try dataset(), mentions: ["input_ids/sample_0.npy", "holds 20 data bytes"])
    }

    // MARK: Flat .npy, empty and mixed folders

    func testFlatNpyForASingleInputModel() throws {
        for name in ["b", "a"] {
            try CalibrationFixtures.writeNpy(Tensor([Float(1), 2, 3], shape: [1, 3]), to: root + "/\(name).npy")
        }
        let data = try dataset([GraphInputSpec(name: "input", elementType: .float, dims: [.dynamic, .fixed(3)])])
        XCTAssertEqual(data.sampleNames, ["a", "b"])
        XCTAssertEqual(try data.sample(0)["input"]?.shape, [1, 3])
        assertCalibrationError(try dataset(), mentions: ["single-input", "2 inputs (input_ids, attention_mask)"])
    }

    func testEmptyAndMissingFolders() throws {
        assertCalibrationError(try dataset(), mentions: [root, "no calibration samples", "input_ids, attention_mask"])
        try CalibrationFixtures.makeFolder(root + "/images")
        assertCalibrationError(try dataset(), mentions: ["(images) name no graph input"])
        try writeTextSamples([])
        assertCalibrationError(try dataset(), mentions: ["no calibration samples in the folders named after the graph inputs"])
        assertCalibrationError(try CalibrationDataset(directory: root + "/nope", inputs: CalibrationFixtures.textInputs),
                               mentions: ["/nope: cannot list folder"])
        assertCalibrationError(try dataset([]), mentions: ["no graph inputs"])
    }

    func testMixedLayoutsAreRefused() throws {
        try writeTextSamples([3])
        try CalibrationFixtures.copy("npz/stored.npz", to: root + "/extra.npz")
        assertCalibrationError(try dataset(), mentions: ["mixes calibration data layouts",
                                                         "folders named after the graph inputs and .npz files"])
    }

    // MARK: GraphInputSpec

    func testSpecsFromAGraph() throws {
        var proto = GraphProto()
        proto.input = [
            ValueInfoProto(name: "ids", type: .tensor(.int64, dims: [.param("batch"), .value(128), nil])),
            ValueInfoProto(name: "weight", type: .tensor(.float, dims: [.value(2)])),
            ValueInfoProto(name: "scalar", type: .tensor(.float, dims: [])),
            ValueInfoProto(name: "anyRank", type: .tensor(.float, dims: nil)),
            ValueInfoProto(name: "paddle", type: .tensor(.float, dims: [.value(-1), .param("?"), .param("?"), .param("_h")])),
        ]
        proto.initializer = [Tensor([Float(1), 2], shape: [2]).toProto(name: "weight")]
        let specs = try GraphInputSpec.inputs(of: Graph(proto: proto))
        XCTAssertEqual(specs, [
            GraphInputSpec(name: "ids", elementType: .int64, dims: [.symbolic("batch"), .fixed(128), .dynamic]),
            GraphInputSpec(name: "scalar", elementType: .float, dims: []),
            GraphInputSpec(name: "anyRank", elementType: .float, dims: nil),
            GraphInputSpec(name: "paddle", elementType: .float, dims: [.dynamic, .dynamic, .dynamic, .symbolic("_h")]),
        ])
        proto.input.append(ValueInfoProto(name: "seq", type: nil))
        assertCalibrationError(try GraphInputSpec.inputs(of: Graph(proto: proto)), mentions: ["graph input 'seq'"])
    }
}
