import XCTest
import _TestSupport
@testable import Quantization

/// The zip reader on numpy's own archives (savez, savez_compressed, forced zip64) and on
/// damaged copies of them.
final class CalibrationDataZipTests: XCTestCase {
    private let names = ["x.npy", "ids.npy", "weird.npy", "mask.npy", "half.npy"]

    private func archive(_ bytes: [UInt8]) throws -> ZipArchive {
        try ZipArchive(region: region(bytes))
    }

    private func contents(_ zip: ZipArchive, _ name: String) throws -> [UInt8] {
        try zip.withContents(of: zip.entries.first { $0.name == name }!) { Array($0) }
    }

    func testSavezEntriesAreStored() throws {
        let zip = try archive(try CalibrationFixtures.bytes("npz/stored.npz"))
        XCTAssertEqual(zip.entries.map(\.name), names)
        XCTAssertEqual(Set(zip.entries.map(\.method)), [ZipArchive.stored])
        XCTAssertEqual(zip.entries.first?.uncompressedSize, 4224)
        for name in names { XCTAssertEqual(Array(try contents(zip, name).prefix(6)), [0x93] + Array("NUMPY".utf8)) }
    }

    func testSavezCompressedMatchesSavez() throws {
        let stored = try archive(try CalibrationFixtures.bytes("npz/stored.npz"))
        let compressed = try archive(try CalibrationFixtures.bytes("npz/compressed.npz"))
        XCTAssertEqual(Set(compressed.entries.map(\.method)), [ZipArchive.deflated])
        for name in names { XCTAssertEqual(try contents(compressed, name), try contents(stored, name), name) }
    }

    /// Sizes and offsets from the zip64 extra fields, the directory from the zip64 end record.
    func testZip64Archive() throws {
        let zip = try archive(try CalibrationFixtures.bytes("npz-zip64/sample.npz"))
        XCTAssertEqual(zip.entries.map(\.name), ["x.npy", "ids.npy"])
        XCTAssertEqual(zip.entries.map(\.uncompressedSize), [4224, 184])
        XCTAssertGreaterThan(zip.entries[1].localHeaderOffset, 4224)
        let plain = try archive(try CalibrationFixtures.bytes("npz/stored.npz"))
        XCTAssertEqual(try contents(zip, "ids.npy"), try contents(plain, "ids.npy"))
    }

    func testPrefixOfCompressedEntry() throws {
        let zip = try archive(try CalibrationFixtures.bytes("npz/compressed.npz"))
        let full = try contents(zip, "x.npy")
        XCTAssertEqual(try zip.prefix(of: zip.entries[0], count: 80), Array(full.prefix(80)))
    }

    func testNotAZip() {
        XCTAssertThrowsError(try archive([])) { XCTAssertEqual($0 as? ZipError, .notAZip) }
        XCTAssertThrowsError(try archive(Array(repeating: 7, count: 500))) { XCTAssertEqual($0 as? ZipError, .notAZip) }
    }

    /// A flipped data byte in a stored entry: the CRC-32 no longer matches.
    func testBadCRC() throws {
        var bytes = try CalibrationFixtures.bytes("npz/stored.npz")
        bytes[30 + 5 + 20 + 2000] ^= 0x40   // local header, "x.npy", zip64 extra field, into the data
        let zip = try archive(bytes)
        XCTAssertThrowsError(try contents(zip, "x.npy")) { error in
            guard case .crcMismatch(let entry, _, _)? = error as? ZipError else { return XCTFail("\(error)") }
            XCTAssertEqual(entry, "x.npy")
        }
        XCTAssertNoThrow(try contents(zip, "ids.npy"))
    }

    func testCorruptDirectoryFields() throws {
        let bytes = try CalibrationFixtures.bytes("npz/stored.npz")
        let end = bytes.count - 22
        let directory = Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8 | Int(bytes[end + 18]) << 16
        XCTAssertThrowsError(try archive(patched(bytes, at: end + 16, [0xFF, 0xFF, 0xFF, 0x7F])))   // directory offset
        XCTAssertThrowsError(try archive(patched(bytes, at: end + 10, [0xFF, 0xFE])))                // entry count
        XCTAssertThrowsError(try archive(patched(bytes, at: directory, [0, 0])))                     // signature
        let method = try archive(patched(bytes, at: directory + 10, [12, 0]))                        // bzip2
        XCTAssertThrowsError(try contents(method, "x.npy")) { XCTAssertTrue("\($0)".contains("compression method 12")) }
        let huge = try archive(patched(bytes, at: directory + 24, [0, 0, 0, 0x7F]))                  // uncompressed size
        XCTAssertThrowsError(try contents(huge, "x.npy"))
    }

    private func patched(_ bytes: [UInt8], at offset: Int, _ values: [UInt8]) -> [UInt8] {
        var copy = bytes
        copy.replaceSubrange(offset..<offset + values.count, with: values)
        return copy
    }

    func testEveryTruncationFails() throws {
        let bytes = try CalibrationFixtures.bytes("npz/compressed.npz")
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try readAll(Array(bytes[..<length])), "length \(length)")
        }
    }

    /// Random damage anywhere in either archive: an error, or (damage in unused bytes) the
    /// original contents; never a trap.
    func testRandomDamageNeverCrashes() throws {
        var random = TestRandom(seed: 11)
        for fixture in ["npz/compressed.npz", "npz/stored.npz", "npz-zip64/sample.npz"] {
            let bytes = try CalibrationFixtures.bytes(fixture)
            let original = try readAll(bytes)
            for _ in 0..<300 {
                var corrupt = bytes
                for _ in 0...random.next(4) { corrupt[random.next(corrupt.count)] = UInt8(random.next(256)) }
                if let read = try? readAll(corrupt) { XCTAssertEqual(read, original, fixture) }
            }
        }
    }

    private func readAll(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let zip = try archive(bytes)
        return try zip.entries.map { entry in try zip.withContents(of: entry) { Array($0) } }
    }
}
