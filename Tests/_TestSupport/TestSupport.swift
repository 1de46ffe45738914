import Foundation
import ONNXModel
import ProtoWire

/// Where the test inputs live. The repository root is found from this file's own path, so the
/// tests do not depend on the working directory `swift test` was started in.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Tests/_TestSupport/TestSupport.swift
        return url.path
    }()

    /// Generated small models (Fixtures/gen/make_fixtures.py).
    public static var fixtureModels: String { repoRoot + "/Fixtures/models" }

    /// Real models shared by all qtool work trees: `../shared/models` relative to the repo root.
    public static var sharedModels: String {
        URL(fileURLWithPath: repoRoot + "/../shared/models").standardizedFileURL.path
    }

    public static func fixture(_ name: String) -> String { fixtureModels + "/" + name }
    public static func shared(_ name: String) -> String { sharedModels + "/" + name }

    /// The `*.onnx` files of a folder, sorted by name; empty when the folder does not exist.
    public static func onnxFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".onnx") }.sorted().map { directory + "/" + $0 }
    }

    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}

/// Named tolerances. Everything the ProtoWire and ONNXModel tests compare is exact (bytes,
/// names, counts); these exist so later numeric tests never write a bare literal.
public enum Tolerance {
    /// Bytes, integers, and floats that were only copied: no difference at all.
    public static let exact: Double = 0
    /// One float32 rounding step relative to the value (2^-23).
    public static let float32Epsilon: Double = Double(Float.ulpOfOne)

    /// |a - b| <= absolute + relative * max(|a|, |b|).
    public static func isClose(_ a: Double, _ b: Double, absolute: Double = exact, relative: Double = exact) -> Bool {
        abs(a - b) <= absolute + relative * max(abs(a), abs(b))
    }
}

// MARK: - Files

public enum TestFiles {
    public static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Byte equality through memcmp (the element-wise `==` is slow for 70 MB in a debug build).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in
            x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
        } }
    }

    /// The first offset where two byte strings differ (the shorter length when one is a prefix).
    public static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        if equal(a, b) { return nil }
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return i }
        return n
    }
}

/// A fresh folder under the system temporary directory, removed with everything in it when the
/// object goes away.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "qtool-tests") throws {
        var template = Array((NSTemporaryDirectory() + "/\(label)-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = URL(fileURLWithPath: String(cString: made)).standardizedFileURL.path
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// File names in the folder (hidden ones included), sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

// MARK: - Decoding helpers

/// Decodes a ModelProto from bytes, reporting wire errors as `ModelError.malformed`, exactly as
/// `ModelFile.load` does for a file.
public func decodeModel(_ bytes: [UInt8], path: String = "<memory>") throws -> ModelProto {
    do {
        return try ModelProto(serializedBytes: bytes)
    } catch let error as WireError {
        throw ModelError.malformed(path: path, error)
    }
}

/// Decodes the first `length` bytes of `region` as a ModelProto without copying them.
public func decodeModelPrefix(_ region: ByteRegion, length: Int) throws -> ModelProto {
    var model = ModelProto()
    var reader = WireReader(region: region, range: 0..<length)
    try model.merge(from: &reader)
    return model
}

public func region(_ bytes: [UInt8]) -> ByteRegion {
    bytes.withUnsafeBytes { ByteRegion(copying: $0) }
}

// MARK: - Model comparison

public enum ModelComparison {
    /// `a == b`, but tensor payloads (raw_data, float_data, double_data) are compared with
    /// memcmp first: `Bytes.==` walks byte by byte, which takes seconds for a 70 MB model in a
    /// debug build.
    public static func equal(_ a: ModelProto, _ b: ModelProto) -> Bool {
        let x = a.allTensors(), y = b.allTensors()
        guard x.count == y.count else { return false }
        for (s, t) in zip(x, y) {
            guard same(s.rawData, t.rawData), same(s.floatData.bytes, t.floatData.bytes),
                  same(s.doubleData.bytes, t.doubleData.bytes) else { return false }
        }
        return stripped(a) == stripped(b)
    }

    static func same(_ a: Bytes?, _ b: Bytes?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { p in b.withUnsafeBytes { q in a.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, a.count) == 0 } }
    }

    /// The model with every payload replaced by an empty one of the same presence.
    static func stripped(_ model: ModelProto) -> ModelProto {
        var copy = model
        copy.forEachTensor { tensor in
            if tensor.rawData != nil { tensor.rawData = Bytes() }
            tensor.floatData = PackedFixed()
            tensor.doubleData = PackedFixed()
        }
        return copy
    }
}
