#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtoWire

/// Writes a file under a temporary name in the destination folder and renames it into place
/// only when every byte is written, so a failure never leaves a partial output behind.
final class AtomicFile {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private var committed = false

    init(path: String) throws {
        self.path = path
        let directory = FilePath.directory(of: path)
        temporaryPath = directory + "/." + FilePath.fileName(of: path) + ".qtool-\(getpid())-\(AtomicFile.nextSerial())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ModelError.io(path: path, reason: "cannot create: " + MappedFile.systemError()) }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    private nonisolated(unsafe) static var serial = 0
    private static func nextSerial() -> Int {
        serial += 1
        return serial
    }

    /// Writes `bytes` at `offset` (or at the current end when nil), retrying short writes.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int? = nil) throws {
        var done = 0
        while done < bytes.count {
            let chunk = min(bytes.count - done, 1 << 30)
            let pointer = bytes.baseAddress! + done
            let written = offset.map { pwrite(fd, pointer, chunk, off_t($0 + done)) } ?? Glibc.write(fd, pointer, chunk)
            if written < 0 {
                if errno == EINTR { continue }
                throw ModelError.io(path: path, reason: "write failed: " + MappedFile.systemError())
            }
            done += written
        }
    }

    func write(_ chunks: [WireWriter.Chunk]) throws {
        for chunk in chunks {
            switch chunk {
            case .bytes(let array): try array.withUnsafeBytes { try write($0) }
            case .view(let bytes):
                try bytes.withUnsafeBytes { try write($0) }
                bytes.dropResidentPages()
            }
        }
    }

    /// Removes the file again after a commit, when a later step of the same save failed.
    func discardIfCommitted() {
        if committed { unlink(path) }
    }

    /// Closes and renames the file into place.
    func commit() throws {
        guard close(fd) == 0 else {
            fd = -1
            throw ModelError.io(path: path, reason: "close failed: " + MappedFile.systemError())
        }
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw ModelError.io(path: path, reason: "cannot rename into place: " + MappedFile.systemError())
        }
        committed = true
    }
}

/// Whole-file writes that never leave a partial file behind.
public enum FileWriter {
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let file = try AtomicFile(path: path)
        try bytes.withUnsafeBytes { try file.write($0) }
        try file.commit()
    }
}
