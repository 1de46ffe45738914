import Foundation
import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Tensor data in side files: written by the external policy, loaded as views, folded back
/// inline, kept in place, and refused when a reference is unsafe or inconsistent.
final class ExternalDataTests: XCTestCase {
    func initializer(_ model: ModelProto, _ name: String) -> TensorProto? {
        model.graph?.initializer.first { $0.name == name }
    }

    func keys(_ tensor: TensorProto?) -> [String: String] {
        var result: [String: String] = [:]
        for entry in tensor?.externalData ?? [] { result[entry.key ?? ""] = entry.value ?? "" }
        return result
    }

    // MARK: Writing and reading

    func testExternalPolicyMovesLargeTensorsAndLoadMapsThemBack() throws {
        let folder = try TemporaryDirectory()
        let original = TestModels.weighted()
        let path = folder.file("model.onnx")
        let report = try ModelFile.save(original, to: path, policy: .external(threshold: 1024, location: "weights.bin"))
        XCTAssertEqual(report.sideFiles, ["weights.bin"])
        XCTAssertFalse(report.forcedExternal)
        XCTAssertEqual(folder.contents(), ["model.onnx", "weights.bin"])
        XCTAssertEqual(report.modelBytes, try TestFiles.read(path).count)

        // big (16 KiB) and mid (1 KiB) go out back to back; bias (16 B) stays inline.
        let side = try TestFiles.read(folder.file("weights.bin"))
        let big = initializer(original, "big")!.rawData!.array
        let mid = initializer(original, "mid")!.rawData!.array
        XCTAssertEqual(side, big + mid)

        let loaded = try ModelFile.load(path)
        for name in ["big", "mid"] {
            let tensor = try XCTUnwrap(initializer(loaded, name))
            XCTAssertTrue(tensor.isExternal, name)
            XCTAssertEqual(tensor.rawData?.isView, true, "\(name) is a view of the mapped side file")
            XCTAssertEqual(tensor.rawData, initializer(original, name)!.rawData, name)
        }
        XCTAssertEqual(keys(initializer(loaded, "big")), ["location": "weights.bin", "offset": "0", "length": "16384"])
        XCTAssertEqual(keys(initializer(loaded, "mid")), ["location": "weights.bin", "offset": "16384", "length": "1024"])
        let bias = try XCTUnwrap(initializer(loaded, "bias"))
        XCTAssertFalse(bias.isExternal)
        XCTAssertEqual(bias.externalData, [])
        XCTAssertEqual(bias.rawData, initializer(original, "bias")!.rawData)
        // Nothing else about the model changed.
        var stripped = loaded
        stripped.forEachTensor { tensor in
            if tensor.isExternal { tensor.dataLocation = nil; tensor.externalData = [] }
        }
        XCTAssertEqual(stripped, original)
    }

    func testDefaultLocationIsTheModelNamePlusData() throws {
        let folder = try TemporaryDirectory()
        let report = try ModelFile.save(TestModels.weighted(), to: folder.file("m.onnx"), policy: .external(threshold: 4096, location: nil))
        XCTAssertEqual(report.sideFiles, ["m.onnx.data"])
        XCTAssertEqual(folder.contents(), ["m.onnx", "m.onnx.data"])
        XCTAssertEqual(try TestFiles.read(folder.file("m.onnx.data")).count, 16384, "only big reaches the threshold")
    }

    func testThresholdAboveEveryTensorWritesNoSideFile() throws {
        let folder = try TemporaryDirectory()
        let report = try ModelFile.save(TestModels.weighted(), to: folder.file("m.onnx"), policy: .external(threshold: 1 << 20, location: nil))
        XCTAssertEqual(report.sideFiles, [])
        XCTAssertEqual(folder.contents(), ["m.onnx"])
    }

    func testInlineFoldsExternalDataBack() throws {
        let folder = try TemporaryDirectory()
        let original = TestModels.weighted()
        try ModelFile.save(original, to: folder.file("ext.onnx"), policy: .external(threshold: 1024, location: nil))
        let loaded = try ModelFile.load(folder.file("ext.onnx"))
        let report = try ModelFile.save(loaded, to: folder.file("inline.onnx"), policy: .inline)
        XCTAssertEqual(report.sideFiles, [])
        XCTAssertEqual(folder.contents(), ["ext.onnx", "ext.onnx.data", "inline.onnx"])
        let inline = try ModelFile.load(folder.file("inline.onnx"))
        XCTAssertFalse(inline.allTensors().contains(where: \.isExternal))
        for name in ["big", "mid", "bias"] {
            let tensor = try XCTUnwrap(initializer(inline, name))
            XCTAssertEqual(tensor.externalData, [], name)
            XCTAssertEqual(tensor.rawData, initializer(original, name)!.rawData, name)
        }
        // The side file is not needed any more.
        try FileManager.default.removeItem(atPath: folder.file("ext.onnx.data"))
        XCTAssertNoThrow(try ModelFile.load(folder.file("inline.onnx")))
    }

    func testKeepPreservesLocationsAndOffsets() throws {
        let source = try TemporaryDirectory()
        let original = TestModels.weighted()
        try ModelFile.save(original, to: source.file("a.onnx"), policy: .external(threshold: 1024, location: "shared.bin"))
        let loaded = try ModelFile.load(source.file("a.onnx"))

        let target = try TemporaryDirectory()
        let report = try ModelFile.save(loaded, to: target.file("b.onnx"), policy: .keep)
        XCTAssertEqual(report.sideFiles, ["shared.bin"])
        XCTAssertEqual(target.contents(), ["b.onnx", "shared.bin"])
        XCTAssertEqual(try TestFiles.read(target.file("shared.bin")), try TestFiles.read(source.file("shared.bin")))
        XCTAssertEqual(try TestFiles.read(target.file("b.onnx")), try TestFiles.read(source.file("a.onnx")),
                       "same keys, no raw_data: the same model bytes")
        let again = try ModelFile.load(target.file("b.onnx"))
        XCTAssertEqual(keys(initializer(again, "mid")), ["location": "shared.bin", "offset": "16384", "length": "1024"])
        XCTAssertEqual(initializer(again, "mid")?.rawData, initializer(original, "mid")?.rawData)
    }

    func testKeepReproducesTheExternalFixtureByteForByte() throws {
        let fixture = TestPaths.fixture("external_weights.onnx")
        guard TestPaths.exists(fixture) else { throw XCTSkip("no external_weights fixture") }
        let loaded = try ModelFile.load(fixture)
        let external = loaded.allTensors().filter(\.isExternal)
        XCTAssertEqual(external.count, 5)
        XCTAssertTrue(external.allSatisfy { $0.rawData?.isView == true })
        let folder = try TemporaryDirectory()
        try ModelFile.save(loaded, to: folder.file("external_weights.onnx"), policy: .keep)
        XCTAssertEqual(try TestFiles.read(folder.file("external_weights.onnx")), try TestFiles.read(fixture))
        XCTAssertEqual(try TestFiles.read(folder.file("external_weights.data")),
                       try TestFiles.read(TestPaths.fixture("external_weights.data")))
    }

    /// Saving next to the input with `.keep` must not overwrite the input's side file: the
    /// output gets a side file of its own, and every tensor that was external stays external.
    func testKeepNextToProtectedInputWritesItsOwnSideFile() throws {
        let folder = try TemporaryDirectory()
        var model = TestModels.weighted()
        // An initializer without raw_data (float_data), listed before the external ones.
        var typed = TensorProto()
        typed.name = "typed"
        typed.dims = [2]
        typed.dataType = DataType.float.rawValue
        typed.floatData = PackedFixed([1, 2])
        model.graph!.initializer.insert(typed, at: 0)
        try ModelFile.save(model, to: folder.file("in.onnx"), policy: .external(threshold: 1024, location: "in.bin"))
        let inputData = try TestFiles.read(folder.file("in.bin"))
        let loaded = try ModelFile.load(folder.file("in.onnx"))

        let report = try ModelFile.save(loaded, to: folder.file("out.onnx"), policy: .keep,
                                        protectedPaths: [folder.file("in.onnx"), folder.file("in.bin")])
        XCTAssertEqual(report.sideFiles, ["out.onnx.data"])
        XCTAssertEqual(try TestFiles.read(folder.file("in.bin")), inputData, "the input's data is untouched")
        let out = try ModelFile.load(folder.file("out.onnx"))
        for name in ["big", "mid"] {
            let tensor = initializer(out, name)
            XCTAssertEqual(tensor?.isExternal, true, "\(name) was external and should stay external")
            XCTAssertEqual(keys(tensor)["location"], "out.onnx.data", name)
            XCTAssertEqual(tensor?.rawData, initializer(model, name)?.rawData, name)
        }
        XCTAssertEqual(initializer(out, "typed")?.floatData.values, [1, 2])
        XCTAssertEqual(initializer(out, "bias")?.isExternal, false)
    }

    // MARK: Refused references

    /// A model with one float tensor "w" of `dims` whose data is external at `location`.
    func externalModel(location: String, dims: [Int64] = [4], offset: Int? = nil, length: Int? = nil) -> ModelProto {
        var tensor = TensorProto()
        tensor.name = "w"
        tensor.dims = dims
        tensor.dataType = DataType.float.rawValue
        tensor.dataLocation = TensorProto.DataLocation.external.rawValue
        tensor.externalData = [StringStringEntryProto(key: "location", value: location)]
        if let offset { tensor.externalData.append(StringStringEntryProto(key: "offset", value: String(offset))) }
        if let length { tensor.externalData.append(StringStringEntryProto(key: "length", value: String(length))) }
        var graph = GraphProto()
        graph.node = [TestModels.node("Relu", ["w"], ["y"])]
        graph.initializer = [tensor]
        graph.output = [TestModels.value("y")]
        return TestModels.model(graph)
    }

    func assertRefused(_ model: ModelProto, in folder: TemporaryDirectory, containing text: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let path = folder.file("model.onnx")
        try TestFiles.write(model.serializedBytes(), to: path)
        XCTAssertThrowsError(try ModelFile.load(path), file: file, line: line) { error in
            guard case .externalData(let reported, let tensor, let reason)? = error as? ModelError else {
                return XCTFail("expected ModelError.externalData, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(reported, path, file: file, line: line)
            XCTAssertEqual(tensor, "w", file: file, line: line)
            XCTAssertTrue(reason.contains(text), "reason: \(reason)", file: file, line: line)
        }
    }

    func sixteenBytes(_ path: String) throws {
        try TestFiles.write(Wire.floatBits([1, 2, 3, 4]), to: path)
    }

    func testAcceptedReference() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("w.bin"))
        try TestFiles.write(externalModel(location: "w.bin").serializedBytes(), to: folder.file("model.onnx"))
        let loaded = try ModelFile.load(folder.file("model.onnx"))
        XCTAssertEqual(initializer(loaded, "w")?.rawData?.array, Wire.floatBits([1, 2, 3, 4]))
        // In a subfolder, with explicit offset and length.
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: false)
        try TestFiles.write([0, 0, 0, 0] + Wire.floatBits([5, 6]) + [9], to: folder.file("sub/w.bin"))
        try TestFiles.write(externalModel(location: "sub/w.bin", dims: [2], offset: 4, length: 8).serializedBytes(),
                            to: folder.file("model.onnx"))
        XCTAssertEqual(try initializer(ModelFile.load(folder.file("model.onnx")), "w")?.rawData?.array, Wire.floatBits([5, 6]))
    }

    func testParentDirectoryLocationIsRefused() throws {
        let outer = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: outer.file("models"), withIntermediateDirectories: false)
        try sixteenBytes(outer.file("w.bin"))
        let path = outer.file("models/model.onnx")
        for location in ["../w.bin", "sub/../../w.bin", ".."] {
            try TestFiles.write(externalModel(location: location).serializedBytes(), to: path)
            XCTAssertThrowsError(try ModelFile.load(path), location) { error in
                guard case .externalData(_, "w", let reason)? = error as? ModelError else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("leaves the model's folder"), reason)
            }
        }
    }

    func testAbsoluteLocationIsRefused() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("w.bin"))
        // The file exists and is even inside the folder: an absolute path is refused anyway.
        try assertRefused(externalModel(location: folder.file("w.bin")), in: folder, containing: "absolute path")
    }

    func testSymlinkPointingOutsideIsRefused() throws {
        let outside = try TemporaryDirectory()
        try sixteenBytes(outside.file("secret.bin"))
        let folder = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: folder.file("w.bin"), withDestinationPath: outside.file("secret.bin"))
        try assertRefused(externalModel(location: "w.bin"), in: folder, containing: "outside the model's folder")
        // A symlinked folder that leads outside is refused too.
        try FileManager.default.createSymbolicLink(atPath: folder.file("out"), withDestinationPath: outside.path)
        try assertRefused(externalModel(location: "out/secret.bin"), in: folder, containing: "outside the model's folder")
    }

    func testSymlinkStayingInsideIsAccepted() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("real.bin"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("w.bin"), withDestinationPath: "real.bin")
        try TestFiles.write(externalModel(location: "w.bin").serializedBytes(), to: folder.file("model.onnx"))
        XCTAssertEqual(try initializer(ModelFile.load(folder.file("model.onnx")), "w")?.rawData?.count, 16)
    }

    func testMissingFileIsRefused() throws {
        let folder = try TemporaryDirectory()
        try assertRefused(externalModel(location: "nowhere.bin"), in: folder, containing: "no such file")
    }

    func testLengthPastTheEndOfTheSideFileIsRefused() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("w.bin"))
        try assertRefused(externalModel(location: "w.bin", dims: [8], length: 32), in: folder, containing: "runs past the end")
        try assertRefused(externalModel(location: "w.bin", dims: [2], offset: 12, length: 8), in: folder, containing: "runs past the end")
        try assertRefused(externalModel(location: "w.bin", dims: [2], offset: 17), in: folder, containing: "past the end")
        // Hostile numbers that would overflow offset + length.
        try assertRefused(externalModel(location: "w.bin", dims: [1], offset: 8, length: Int.max), in: folder, containing: "runs past the end")
    }

    func testLengthThatDisagreesWithTheShapeIsRefused() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("w.bin"))
        try assertRefused(externalModel(location: "w.bin", dims: [4], length: 12), in: folder, containing: "need 16")
        try assertRefused(externalModel(location: "w.bin", dims: [3]), in: folder, containing: "need 12")   // no length: rest of file
        try assertRefused(externalModel(location: "w.bin", dims: [2, 3], offset: 0, length: 16), in: folder, containing: "need 24")
    }

    func testBadKeysAreRefused() throws {
        let folder = try TemporaryDirectory()
        try sixteenBytes(folder.file("w.bin"))
        var model = externalModel(location: "w.bin")
        model.graph!.initializer[0].externalData = [StringStringEntryProto(key: "offset", value: "0")]
        try assertRefused(model, in: folder, containing: "no location")
        model.graph!.initializer[0].externalData = [StringStringEntryProto(key: "location", value: "w.bin"),
                                                    StringStringEntryProto(key: "offset", value: "-4")]
        try assertRefused(model, in: folder, containing: "bad offset")
        model.graph!.initializer[0].externalData[1] = StringStringEntryProto(key: "length", value: "12x")
        try assertRefused(model, in: folder, containing: "bad length")
    }
}
