import ProtoWire

/// One file in a zip archive, as its central directory describes it.
struct ZipEntry: Equatable, Sendable {
    var name: String
    var method: Int
    var flags: Int
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

/// A read-only zip archive (APPNOTE.TXT): the central directory, zip64 included, and the
/// contents of stored and deflated entries with their CRC-32 checked. Every offset and size
/// read from the file is checked against the file before use.
struct ZipArchive {
    static let stored = 0, deflated = 8
    /// DEFLATE cannot expand data by more than about 1032:1 (258 bytes from one 1-bit code);
    /// a larger claimed size is corrupt, and trusting it would allocate without bound.
    static let maxDeflateRatio = 1032

    let region: ByteRegion
    let entries: [ZipEntry]

    init(region: ByteRegion) throws {
        self.region = region
        let bytes = LittleEndianBytes(region.buffer)
        let directory = try Self.centralDirectory(bytes)
        entries = try Self.readEntries(bytes, directory)
    }

    private struct Directory { var offset: Int, size: Int, count: Int, end: Int }

    /// Finds the end record: it is the last 22 bytes, unless an archive comment (at most
    /// 65535 bytes) follows it, so search backwards over that window.
    private static func centralDirectory(_ bytes: LittleEndianBytes) throws -> Directory {
        let last = bytes.count - 22
        guard last >= 0 else { throw ZipError.notAZip }
        guard let end = stride(from: last, through: max(0, last - 0xFFFF), by: -1).first(where: {
            (try? bytes.u32($0, "end record")) == 0x0605_4B50
        }) else { throw ZipError.notAZip }
        guard try bytes.u16(end + 4, "end record") == 0, try bytes.u16(end + 6, "end record") == 0 else {
            throw ZipError.unsupported("archives spanning several disks are not supported")
        }
        var directory = Directory(offset: try bytes.u32(end + 16, "end record"), size: try bytes.u32(end + 12, "end record"),
                                  count: try bytes.u16(end + 10, "end record"), end: end)
        if end >= 20, try bytes.u32(end - 20, "zip64 locator") == 0x0706_4B50 {
            directory = try zip64Directory(bytes, locator: end - 20)
        }
        guard directory.offset <= directory.end, directory.size <= directory.end - directory.offset else {
            throw ZipError.malformed("central directory (\(directory.size) bytes at \(directory.offset)) overlaps the end record at \(directory.end)")
        }
        guard directory.count <= directory.size / 46 else {
            throw ZipError.malformed("\(directory.count) entries cannot fit in a \(directory.size)-byte central directory")
        }
        return directory
    }

    /// Zip64 (APPNOTE 4.3.14-15): the locator points at a record with 64-bit counts and offsets,
    /// which numpy and Python write once an archive passes 65535 entries or 4 GB.
    private static func zip64Directory(_ bytes: LittleEndianBytes, locator: Int) throws -> Directory {
        let record = try bytes.u64(locator + 8, "zip64 locator")
        guard record <= locator - 56, try bytes.u32(record, "zip64 end record") == 0x0606_4B50 else {
            throw ZipError.malformed("zip64 locator points at byte \(record), which holds no zip64 end record")
        }
        return Directory(offset: try bytes.u64(record + 48, "zip64 end record"), size: try bytes.u64(record + 40, "zip64 end record"),
                         count: try bytes.u64(record + 32, "zip64 end record"), end: record)
    }

    private static func readEntries(_ bytes: LittleEndianBytes, _ directory: Directory) throws -> [ZipEntry] {
        var entries: [ZipEntry] = []
        var offset = directory.offset
        for _ in 0..<directory.count {
            let (entry, next) = try readEntry(bytes, at: offset)
            guard next <= directory.offset + directory.size else {
                throw ZipError.malformed("central directory entry at byte \(offset) runs past the directory's end")
            }
            entries.append(entry)
            offset = next
        }
        return entries
    }

    /// One central directory header (46 bytes, then name, extra field and comment); returns
    /// the entry and where the next header starts.
    private static func readEntry(_ bytes: LittleEndianBytes, at offset: Int) throws -> (ZipEntry, Int) {
        let record = "central directory entry"
        guard try bytes.u32(offset, record) == 0x0201_4B50 else {
            throw ZipError.malformed("no central directory entry signature at byte \(offset)")
        }
        let nameLength = try bytes.u16(offset + 28, record), extraLength = try bytes.u16(offset + 30, record)
        let commentLength = try bytes.u16(offset + 32, record)
        let name = String(decoding: try bytes.slice(offset + 46, nameLength, record), as: UTF8.self)
        var entry = ZipEntry(name: name, method: try bytes.u16(offset + 10, record), flags: try bytes.u16(offset + 8, record),
                             crc32: UInt32(try bytes.u32(offset + 16, record)), compressedSize: try bytes.u32(offset + 20, record),
                             uncompressedSize: try bytes.u32(offset + 24, record), localHeaderOffset: try bytes.u32(offset + 42, record))
        try applyZip64Extra(&entry, bytes, extra: offset + 46 + nameLength, length: extraLength)
        return (entry, offset + 46 + nameLength + extraLength + commentLength)
    }

    /// The zip64 extra field (id 1) holds 64-bit values for exactly those of uncompressed size,
    /// compressed size and local header offset that read 0xFFFFFFFF in the header, in that order.
    private static func applyZip64Extra(_ entry: inout ZipEntry, _ bytes: LittleEndianBytes, extra: Int, length: Int) throws {
        var field = extra
        while field + 4 <= extra + length {
            let id = try bytes.u16(field, "extra field"), size = try bytes.u16(field + 2, "extra field")
            guard field + 4 + size <= extra + length else { throw ZipError.malformed("extra field of '\(entry.name)' overruns its entry") }
            if id == 1 {
                var value = field + 4
                for key in [\ZipEntry.uncompressedSize, \.compressedSize, \.localHeaderOffset] where entry[keyPath: key] == 0xFFFF_FFFF {
                    guard value + 8 <= field + 4 + size else { throw ZipError.malformed("zip64 field of '\(entry.name)' is too short") }
                    entry[keyPath: key] = try bytes.u64(value, "zip64 field")
                    value += 8
                }
            }
            field += 4 + size
        }
    }

    /// The entry's bytes as stored in the archive: after the local header, whose name and
    /// extra field lengths may differ from the central directory's.
    private func rawData(of entry: ZipEntry) throws -> UnsafeRawBufferPointer {
        let bytes = LittleEndianBytes(region.buffer), offset = entry.localHeaderOffset
        guard try bytes.u32(offset, "local header") == 0x0403_4B50 else {
            throw ZipError.malformed("'\(entry.name)': no local header signature at byte \(offset)")
        }
        let start = offset + 30 + (try bytes.u16(offset + 26, "local header")) + (try bytes.u16(offset + 28, "local header"))
        return try bytes.slice(start, entry.compressedSize, "data of '\(entry.name)'")
    }

    private func checkSupported(_ entry: ZipEntry) throws {
        guard entry.flags & 1 == 0 else { throw ZipError.unsupported("'\(entry.name)' is encrypted") }
        switch entry.method {
        case Self.stored:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ZipError.malformed("stored entry '\(entry.name)' has sizes \(entry.compressedSize) and \(entry.uncompressedSize)")
            }
        case Self.deflated:
            guard entry.uncompressedSize / Self.maxDeflateRatio <= entry.compressedSize else {
                throw ZipError.malformed("'\(entry.name)' claims \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed")
            }
        default:
            throw ZipError.unsupported("'\(entry.name)' uses compression method \(entry.method) (only stored and deflate are supported)")
        }
    }

    /// Calls `body` with the entry's contents after checking its CRC-32. A stored entry is
    /// passed straight from the mapped file, without a copy.
    func withContents<R>(of entry: ZipEntry, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try checkSupported(entry)
        let raw = try rawData(of: entry)
        if entry.method == Self.stored {
            try checkCRC(raw, entry)
            return try body(raw)
        }
        let inflated: [UInt8]
        do {
            inflated = try Inflate.decompress(raw, expectedSize: entry.uncompressedSize)
        } catch let error as DeflateError {
            throw ZipError.deflate(entry: entry.name, error)
        }
        return try inflated.withUnsafeBytes { contents in
            try checkCRC(contents, entry)
            return try body(contents)
        }
    }

    /// The first `count` bytes of the entry (fewer if it is shorter), unchecked by CRC since
    /// the rest is not read.
    func prefix(of entry: ZipEntry, count: Int) throws -> [UInt8] {
        try checkSupported(entry)
        let raw = try rawData(of: entry), wanted = min(count, entry.uncompressedSize)
        if entry.method == Self.stored { return Array(raw[0..<wanted]) }
        do {
            return try Inflate.decompressPrefix(raw, count: wanted)
        } catch let error as DeflateError {
            throw ZipError.deflate(entry: entry.name, error)
        }
    }

    private func checkCRC(_ contents: UnsafeRawBufferPointer, _ entry: ZipEntry) throws {
        let actual = CRC32.checksum(contents)
        guard actual == entry.crc32 else { throw ZipError.crcMismatch(entry: entry.name, expected: entry.crc32, actual: actual) }
    }
}

/// Bounds-checked little-endian reads: a read past the end throws instead of trapping.
private struct LittleEndianBytes {
    let buffer: UnsafeRawBufferPointer
    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }
    var count: Int { buffer.count }

    func slice(_ offset: Int, _ length: Int, _ record: String) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw ZipError.truncated(record: record, offset: offset)
        }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + length])
    }

    private func value(_ offset: Int, _ width: Int, _ record: String) throws -> UInt64 {
        let bytes = try slice(offset, width, record)
        return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    func u16(_ offset: Int, _ record: String) throws -> Int { Int(try value(offset, 2, record)) }
    func u32(_ offset: Int, _ record: String) throws -> Int { Int(try value(offset, 4, record)) }

    /// A 64-bit size or offset; values beyond Int.max cannot be in any file, so they are corrupt.
    func u64(_ offset: Int, _ record: String) throws -> Int {
        let value = try value(offset, 8, record)
        guard value <= UInt64(Int.max) else { throw ZipError.malformed("\(record) at byte \(offset) holds \(value)") }
        return Int(value)
    }
}
