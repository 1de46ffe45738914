import ONNXModel
import ProtoWire
#if canImport(Glibc)
import Glibc
#endif

/// The model loader under libFuzzer, and the replay of its crashers.
///
/// Built with `make fuzz` (`-sanitize=fuzzer,address -DFUZZING`), this is a libFuzzer binary
/// whose one input is a would-be ONNX file. Built normally, it replays the files it is given
/// (`make test` runs it over Fixtures/malformed), so a fixed crasher stays fixed.
///
/// Rejecting an input is fine; what must never happen is a trap, a hang, a runaway
/// allocation, or a model that decodes but does not survive its own round trip.
enum LoaderFuzzTarget {
    static func check(_ bytes: UnsafeRawBufferPointer) {
        // ModelFile.load without the file: decode, then the load-time tensor checks.
        guard var proto = try? ModelFile.decode(ByteRegion(copying: bytes), path: "fuzz input"),
              (try? ModelFile.requireConsistentTensors(&proto, path: "fuzz input")) != nil else { return }
        let model = Model(proto)
        _ = Validator.validate(model)
        _ = ModelSummary(model)
        requireStableRoundTrip(model.toProto())
    }

    /// What qtool writes it must read back, and writing that again must give the same bytes.
    static func requireStableRoundTrip(_ proto: ModelProto) {
        let first = proto.serializedBytes()
        let reread: ModelProto
        do {
            reread = try ModelProto(region: first.withUnsafeBytes { ByteRegion(copying: $0) })
        } catch {
            fatalError("a serialized model does not decode: \(error)")
        }
        guard reread.serializedBytes() == first else { fatalError("serialization is not stable across a round trip") }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct FuzzDriver {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, count in
            LoaderFuzzTarget.check(UnsafeRawBufferPointer(start: data, count: count))
            return 0
        })
    }
}
#else
/// Replays files (or every file in given folders) through the fuzz target; exits 0 when all
/// of them are handled, which for a crasher means it no longer crashes.
@main
struct ReplayDriver {
    static func main() throws {
        let paths = CommandLine.arguments.dropFirst().flatMap(filesBelow)
        guard !paths.isEmpty else {
            print("usage: qtool-fuzz FILE_OR_DIR...  (replays inputs through the loader fuzz target)")
            exit(2)
        }
        for path in paths {
            let region = try MappedFile.map(path)
            LoaderFuzzTarget.check(region.buffer)
        }
        print("replayed \(paths.count) inputs: \(paths.count) passed, 0 failed")
    }

    static func filesBelow(_ path: String) -> [String] {
        guard FilePath.isDirectory(path) else { return [path] }
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted().flatMap { filesBelow(path + "/" + $0) }
    }
}
#endif
