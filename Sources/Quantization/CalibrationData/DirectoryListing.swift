#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ONNXModel

/// The visible folders and files of one folder, each list in natural order. Foundation is not
/// used in the library, so this reads the folder with opendir/readdir.
struct DirectoryListing {
    var folders: [String] = []
    var files: [String] = []

    init(_ path: String) throws {
        guard let handle = opendir(path) else {
            throw CalibrationDataError.io(path: path, reason: "cannot list folder: " + String(cString: strerror(errno)))
        }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            // Hidden files (".", "..", ".DS_Store", editor droppings) are never data.
            if name.hasPrefix(".") { continue }
            // stat rather than d_type: some file systems report DT_UNKNOWN, and symlinks are followed.
            if FilePath.isDirectory(path + "/" + name) { folders.append(name) } else { files.append(name) }
        }
        folders.sort(by: NaturalOrder.precedes)
        files.sort(by: NaturalOrder.precedes)
    }
}

/// Orders names with their digit runs compared as numbers, so "sample_9" comes before
/// "sample_10" and "test_data_set_2" before "test_data_set_10". Zero-padded names
/// ("sample_0009") sort as plain text would.
enum NaturalOrder {
    static func precedes(_ a: String, _ b: String) -> Bool {
        let x = chunks(a), y = chunks(b)
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case (.number(let m, let mText), .number(let n, let nText)):
                return m != n ? m < n : mText < nText   // equal values: "01" before "1", for a total order
            default: return p.text < q.text
            }
        }
        return x.count != y.count ? x.count < y.count : a < b
    }

    private enum Chunk: Equatable {
        case text(String)
        case number(Double, String)

        var text: String {
            switch self {
            case .text(let text), .number(_, let text): return text
            }
        }
    }

    /// Alternating runs of digits and non-digits. Numbers are compared as Double so a run too
    /// long for Int still orders sensibly.
    private static func chunks(_ name: String) -> [Chunk] {
        var chunks: [Chunk] = []
        var current = "", inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            chunks.append(inDigits ? .number(Double(current) ?? .infinity, current) : .text(current))
            current = ""
        }
        for character in name {
            let isDigit = character.isASCII && character.isNumber
            if isDigit != inDigits { flush(); inDigits = isDigit }
            current.append(character)
        }
        flush()
        return chunks
    }
}
