import Foundation
import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// ModelFile.save writes through temporary files and renames: all or nothing, no leftovers,
/// deterministic bytes.
final class SaveTests: XCTestCase {
    func testSaveWritesTheSerializedBytes() throws {
        let folder = try TemporaryDirectory()
        let model = TestModels.mlp()
        let report = try ModelFile.save(model, to: folder.file("m.onnx"), policy: .inline)
        XCTAssertEqual(try TestFiles.read(folder.file("m.onnx")), model.serializedBytes())
        XCTAssertEqual(ModelFile.serialize(model), model.serializedBytes())
        XCTAssertEqual(report.modelBytes, model.serializedBytes().count)
        XCTAssertEqual(report.sideFiles, [])
        XCTAssertFalse(report.forcedExternal)
        XCTAssertEqual(try ModelFile.load(folder.file("m.onnx")), model)
    }

    func testAModelOverTheInlineLimitIsWrittenWithExternalData() throws {
        let folder = try TemporaryDirectory()
        let model = TestModels.weighted()
        let limit = model.serializedBytes().count - 1
        let report = try ModelFile.save(model, to: folder.file("big.onnx"), policy: .keep, inlineLimit: limit)
        XCTAssertTrue(report.forcedExternal)
        XCTAssertEqual(report.sideFiles, ["big.onnx.data"])
        XCTAssertLessThanOrEqual(report.modelBytes, limit)
        let reloaded = try ModelFile.load(folder.file("big.onnx"))
        XCTAssertTrue(reloaded.allTensors().contains { $0.isExternal })
        XCTAssertEqual(reloaded.allTensors().compactMap(\.rawData), model.allTensors().compactMap(\.rawData))
        XCTAssertThrowsError(try ModelFile.save(model, to: folder.file("inline.onnx"), policy: .inline, inlineLimit: limit))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("inline.onnx")))
    }

    func testSavingIntoAMissingDirectoryFailsAndLeavesNothing() throws {
        let folder = try TemporaryDirectory()
        for policy: ExternalDataPolicy in [.keep, .inline, .external(threshold: 16, location: nil)] {
            let path = folder.file("missing/m.onnx")
            XCTAssertThrowsError(try ModelFile.save(TestModels.weighted(), to: path, policy: policy), "\(policy)") { error in
                guard case .io(let reported, _)? = error as? ModelError else { return XCTFail("expected ModelError.io, got \(error)") }
                XCTAssertTrue(reported.hasPrefix(folder.file("missing/")), reported)
            }
            XCTAssertEqual(folder.contents(), [], "\(policy)")
        }
    }

    func testSuccessfulSaveLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryDirectory()
        try ModelFile.save(TestModels.mlp(), to: folder.file("a.onnx"), policy: .inline)
        try ModelFile.save(TestModels.weighted(), to: folder.file("b.onnx"), policy: .external(threshold: 1024, location: nil))
        try ModelFile.save(TestModels.weighted(), to: folder.file("b.onnx"), policy: .external(threshold: 1024, location: nil))
        XCTAssertEqual(folder.contents(), ["a.onnx", "b.onnx", "b.onnx.data"])
        XCTAssertFalse(folder.contents().contains { $0.contains(".qtool-") })
    }

    func testSavingTwiceGivesIdenticalBytes() throws {
        let folder = try TemporaryDirectory()
        let model = TestModels.weighted()
        let policy = ExternalDataPolicy.external(threshold: 1024, location: nil)
        try ModelFile.save(model, to: folder.file("one.onnx"), policy: policy)
        try ModelFile.save(model, to: folder.file("two.onnx"), policy: policy)
        XCTAssertEqual(try TestFiles.read(folder.file("one.onnx.data")), try TestFiles.read(folder.file("two.onnx.data")))
        // The model files differ only in the side file's name, which has the same length.
        let one = try TestFiles.read(folder.file("one.onnx")), two = try TestFiles.read(folder.file("two.onnx"))
        XCTAssertEqual(one.count, two.count)
        XCTAssertEqual(String(decoding: one, as: UTF8.self).replacingOccurrences(of: "one.onnx.data", with: "two.onnx.data"),
                       String(decoding: two, as: UTF8.self))
        // Overwriting the same path gives the same bytes again.
        try ModelFile.save(model, to: folder.file("one.onnx"), policy: policy)
        XCTAssertEqual(try TestFiles.read(folder.file("one.onnx")), one)
    }

    func testOverwriteReplacesTheWholeFile() throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("m.onnx")
        try TestFiles.write([UInt8](repeating: 0xee, count: 100_000), to: path)
        try ModelFile.save(TestModels.mlp(), to: path, policy: .inline)
        XCTAssertEqual(try TestFiles.read(path), TestModels.mlp().serializedBytes())
    }

    func testLoadedModelSavedAgainIsByteIdentical() throws {
        for name in ["small_cnn.onnx", "subgraphs.onnx", "graph_features.onnx"] {
            let fixture = TestPaths.fixture(name)
            guard TestPaths.exists(fixture) else { continue }
            let folder = try TemporaryDirectory()
            let model = Model(try ModelFile.load(fixture))
            try ModelFile.save(model.toProto(), to: folder.file(name), policy: .keep, protectedPaths: [fixture])
            XCTAssertEqual(try TestFiles.read(folder.file(name)), try TestFiles.read(fixture), name)
            XCTAssertEqual(folder.contents(), [name])
        }
    }

    /// When the model file itself cannot be put in place, the side files must not be left
    /// behind either ("a failure never leaves a partial output behind").
    func testFailedRenameLeavesNoSideFile() throws {
        let folder = try TemporaryDirectory()
        // The output path is an existing non-empty directory: rename(2) onto it fails.
        try FileManager.default.createDirectory(atPath: folder.file("out.onnx/x"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try ModelFile.save(TestModels.weighted(), to: folder.file("out.onnx"),
                                                policy: .external(threshold: 1024, location: nil))) { error in
            guard case .io? = error as? ModelError else { return XCTFail("expected ModelError.io, got \(error)") }
        }
        XCTAssertEqual(folder.contents(), ["out.onnx"], "no out.onnx.data and no temporary files")
    }
}
