import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Truncated and cut-up models: every one either decodes or fails with a WireError that names
/// a byte inside the input and a field path. None may crash.
final class MalformedInputTests: XCTestCase {
    /// Small fixtures plus the shared digits model; built in memory when the folder is empty.
    func inputs() throws -> [(name: String, bytes: [UInt8])] {
        var result: [(String, [UInt8])] = []
        for path in TestPaths.onnxFiles(in: TestPaths.fixtureModels) {
            let bytes = try TestFiles.read(path)
            if bytes.count <= 64 * 1024 { result.append((FilePath.fileName(of: path), bytes)) }
        }
        if result.isEmpty {
            result.append(("mlp (built)", TestModels.mlp().serializedBytes()))
            result.append(("weighted (built)", TestModels.weighted().serializedBytes()))
        }
        let digits = TestPaths.shared("digits_cnn.onnx")
        if TestPaths.exists(digits) { result.append(("digits_cnn.onnx", try TestFiles.read(digits))) }
        return result
    }

    /// Truncation at every offset, field boundaries at every nesting level included. A cut at
    /// a top-level field boundary is a valid shorter model; a cut inside a top-level field fails
    /// exactly where that field runs past the end (the outer length is checked before any
    /// nested byte is read).
    func testTruncationAtEveryOffset() throws {
        for (name, bytes) in try inputs() {
            let fields = try XCTUnwrap(WireWalker.parse(bytes), "\(name) does not parse as protobuf")
            let boundaries = WireWalker.boundaries(fields)
            XCTAssertGreaterThan(boundaries.count, fields.count + 1, "\(name): the walk found nested fields")
            let topLevel = Set(fields.map(\.start) + [bytes.count])
            var occurrence: [Int: Int] = [:]   // field start -> index among fields of its number
            var seen: [Int: Int] = [:]
            for field in fields {
                occurrence[field.start] = seen[field.fieldNumber, default: 0]
                seen[field.fieldNumber, default: 0] += 1
            }
            let source = region(bytes)
            var failures = 0
            for cut in 0...bytes.count {
                let result = Result { try decodeModelPrefix(source, length: cut) }
                if topLevel.contains(cut) {
                    if case .failure(let error) = result { XCTFail("\(name): cut at top-level boundary \(cut) failed: \(error)") }
                    continue
                }
                let field = fields.first { $0.start < cut && cut < $0.end }!
                let expected = Self.expectedError(for: field, occurrence: occurrence[field.start]!, cut: cut)
                switch result {
                case .success:
                    XCTFail("\(name): truncated at \(cut) (inside field \(field.fieldNumber) at \(field.start)) but decoded")
                case .failure(let error as WireError):
                    failures += 1
                    XCTAssertEqual(error, expected, "\(name): cut at \(cut)")
                    XCTAssertTrue((0...cut).contains(error.offset), "\(name): offset \(error.offset) outside the \(cut) bytes")
                case .failure(let error):
                    XCTFail("\(name): cut at \(cut): not a WireError: \(error)")
                }
            }
            XCTAssertEqual(failures, bytes.count + 1 - topLevel.count, name)
        }
    }

    /// The error a ModelProto decoder must report for bytes cut at `cut` inside top-level `field`,
    /// the `occurrence`-th field of its number.
    static func expectedError(for field: WireField, occurrence: Int, cut: Int) -> WireError {
        let tagEnd = field.start + Wire.tag(field.fieldNumber, field.wireType).count
        // Inside the tag: no field to name yet.
        if cut < tagEnd { return WireError(.truncated, at: field.start) }
        var path = [ModelProto.fieldName(field.fieldNumber) ?? "field \(field.fieldNumber)"]
        // Repeated message fields (opset_import, metadata_props, training_info, functions,
        // configuration) also name the element.
        if [8, 14, 20, 25, 26].contains(field.fieldNumber) { path.append("[\(occurrence)]") }
        if field.wireType == Wire.lengthDelimited && cut >= field.valueStart {
            return WireError(.lengthPastEnd(UInt64(field.end - field.valueStart)), at: tagEnd, path: path)
        }
        return WireError(.truncated, at: tagEnd, path: path)
    }

    /// Truncated files go through ModelFile.load as ModelError.malformed naming the file.
    func testLoadOfTruncatedFiles() throws {
        let folder = try TemporaryDirectory()
        for (name, bytes) in try inputs() {
            let fields = try XCTUnwrap(WireWalker.parse(bytes))
            // A cut inside every top-level field, after its tag.
            for field in fields {
                let cut = field.end - 1
                let path = folder.file("cut.onnx")
                try TestFiles.write(Array(bytes[0..<cut]), to: path)
                XCTAssertThrowsError(try ModelFile.load(path), "\(name) cut at \(cut)") { error in
                    guard case .malformed(let reported, let wire)? = error as? ModelError else {
                        return XCTFail("\(name): expected ModelError.malformed, got \(error)")
                    }
                    XCTAssertEqual(reported, path)
                    XCTAssertFalse(wire.path.isEmpty, "\(name) cut at \(cut): \(wire)")
                    XCTAssertTrue((0...cut).contains(wire.offset), "\(name) cut at \(cut): \(wire)")
                }
            }
        }
        // An empty file is a valid, empty ModelProto.
        let empty = folder.file("empty.onnx")
        try TestFiles.write([], to: empty)
        XCTAssertEqual(try ModelFile.load(empty), ModelProto())
    }

    /// Cuts deep inside the file: one nested message's payload is shortened and every enclosing
    /// length fixed, so the decoder meets the cut inside that message. A cut at a field
    /// boundary leaves a valid shorter message; a cut inside a field must fail with a path that
    /// starts at the enclosing top-level field. (The walk is schema-less: a string that happens
    /// to parse as a message may legitimately decode after a cut, so failures are counted.)
    func testCutsInsideNestedMessages() throws {
        let budget = 400
        for (name, bytes) in try inputs() {
            let fields = try XCTUnwrap(WireWalker.parse(bytes))
            // (target path of child indexes, cut length in the target's payload, inside a field?)
            var variants: [(target: [Int], keep: Int, inside: Bool, depth: Int, top: WireField)] = []
            func visit(_ list: [WireField], _ path: [Int], _ top: WireField?) {
                for (i, field) in list.enumerated() {
                    guard let children = field.children else { continue }
                    let here = path + [i]
                    let top = top ?? field
                    for child in children {
                        let offset = child.start - field.valueStart
                        if offset > 0 { variants.append((here, offset, false, here.count, top)) }
                        let middle = (child.start + child.end) / 2
                        if middle > child.start { variants.append((here, middle - field.valueStart, true, here.count, top)) }
                    }
                    visit(children, here, top)
                }
            }
            visit(fields, [], nil)
            XCTAssertFalse(variants.isEmpty, name)
            let stride = max(1, variants.count / budget)
            var failed = 0, insideCount = 0
            for (n, variant) in variants.enumerated() where n % stride == 0 {
                let cutBytes = WireWalker.reencode(bytes, fields, cutting: variant.target, keep: variant.keep)
                if variant.inside { insideCount += 1 }
                do {
                    _ = try decodeModel(cutBytes)
                } catch ModelError.malformed(_, let error) {
                    failed += 1
                    let topName = ModelProto.fieldName(variant.top.fieldNumber) ?? "field \(variant.top.fieldNumber)"
                    XCTAssertEqual(error.path.first, topName, "\(name): \(error)")
                    XCTAssertGreaterThanOrEqual(error.path.count, variant.depth, "\(name): \(error)")
                    XCTAssertTrue((variant.top.start...cutBytes.count).contains(error.offset), "\(name): \(error)")
                }
            }
            // Most cuts inside a field land in real messages and must fail.
            XCTAssertGreaterThan(failed, insideCount / 2, "\(name): only \(failed) of \(insideCount) inside cuts failed")
        }
    }
}
