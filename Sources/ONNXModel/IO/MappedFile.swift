#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtoWire

/// Read-only memory maps of files. The bytes are never copied: tensors loaded from the file
/// are views into the mapping, which stays alive as long as any view does.
public enum MappedFile {
    public static func map(_ path: String) throws -> ByteRegion {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelError.io(path: path, reason: systemError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelError.io(path: path, reason: systemError()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError.io(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 { return ByteRegion(copying: UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw ModelError.io(path: path, reason: "cannot map: " + systemError())
        }
        return ByteRegion(base: UnsafeRawPointer(address), count: size, isFileMapping: true, release: { munmap(address, size) })
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}
