#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A block of memory that outlives every view into it: a memory-mapped file, or a buffer
/// the wire reader was handed. Views (`Bytes`) keep their region alive.
public final class ByteRegion: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let count: Int
    private let release: (() -> Void)?
    /// A read-only map of a file: its pages can be dropped and read again from the file.
    public let isFileMapping: Bool

    /// `release` runs once, when the last view is gone (munmap for a mapped file).
    public init(base: UnsafeRawPointer, count: Int, isFileMapping: Bool = false, release: (() -> Void)?) {
        self.base = base
        self.count = count
        self.isFileMapping = isFileMapping
        self.release = release
    }

    /// Gives back the resident pages wholly inside `range` of a file mapping (a no-op for memory
    /// that is not one). Streaming a model's weights through memory then costs the pages in
    /// flight, not the size of the file: touched pages of a mapping count toward the process's
    /// resident set until dropped. The data stays valid: the kernel reads it again on access.
    public func dropResidentPages(_ range: Range<Int>) {
        guard isFileMapping, range.lowerBound >= 0, range.upperBound <= count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base) + range.lowerBound
        let first = (start + page - 1) / page * page
        let end = (Int(bitPattern: base) + range.upperBound) / page * page
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, end - first, MADV_DONTNEED)
    }

    /// A region that owns a copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let source = bytes.baseAddress, bytes.count > 0 {
            memory.copyMemory(from: source, byteCount: bytes.count)
        }
        self.init(base: UnsafeRawPointer(memory), count: bytes.count, release: { memory.deallocate() })
    }

    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit { release?() }
}

/// An immutable byte string that is either a zero-copy view into a `ByteRegion` or an owned
/// array. Payloads (raw_data, external data) stay views until something changes them.
public struct Bytes: Equatable, Hashable, Sendable, CustomStringConvertible {
    private enum Storage: Sendable {
        case owned([UInt8])
        case view(ByteRegion, offset: Int, count: Int)
    }

    private var storage: Storage

    public init() { storage = .owned([]) }
    public init(_ array: [UInt8]) { storage = .owned(array) }
    public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { storage = .owned(Array(bytes)) }

    /// A view of `count` bytes at `offset` in `region`; nothing is copied.
    public init(region: ByteRegion, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= region.count)
        storage = .view(region, offset: offset, count: count)
    }

    public var count: Int {
        switch storage {
        case .owned(let array): return array.count
        case .view(_, _, let count): return count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// True when the bytes still live in the region they were read from (no copy was made).
    public var isView: Bool {
        if case .view = storage { return true }
        return false
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .owned(let array): return try array.withUnsafeBytes(body)
        case .view(let region, let offset, let count):
            return try body(UnsafeRawBufferPointer(start: region.base + offset, count: count))
        }
    }

    public var array: [UInt8] {
        switch storage {
        case .owned(let array): return array
        case .view: return withUnsafeBytes { Array($0) }
        }
    }

    /// See `ByteRegion.dropResidentPages`: for a view into a file mapping, its pages leave the
    /// resident set (after the bytes have been written out, say).
    public func dropResidentPages() {
        if case .view(let region, let offset, let count) = storage { region.dropResidentPages(offset..<(offset + count)) }
    }

    /// A sub-range, still a view when this is one.
    public func slice(_ range: Range<Int>) -> Bytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        switch storage {
        case .owned(let array): return Bytes(Array(array[range]))
        case .view(let region, let offset, _):
            return Bytes(region: region, offset: offset + range.lowerBound, count: range.count)
        }
    }

    /// Appending turns a view into an owned copy first.
    public mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        var array = self.array
        array.append(contentsOf: bytes)
        storage = .owned(array)
    }

    public mutating func append(_ other: Bytes) {
        other.withUnsafeBytes { append(contentsOf: $0) }
    }

    public static func == (lhs: Bytes, rhs: Bytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard lhs.count > 0 else { return true }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public var description: String { "Bytes(\(count))" }
}
