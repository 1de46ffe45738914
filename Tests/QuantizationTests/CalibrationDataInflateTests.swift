import XCTest
import _TestSupport
@testable import Quantization

/// The DEFLATE decoder against zlib's output (Fixtures/calibration/inflate) and against
/// hand-built malformed streams: every corrupt input must end in a DeflateError, never a trap.
final class CalibrationDataInflateTests: XCTestCase {
    struct Vector { var name: String, size: Int, crc: UInt32, stream: [UInt8] }

    private func vectors() throws -> [Vector] {
        let table = String(decoding: try CalibrationFixtures.bytes("inflate/vectors.txt"), as: UTF8.self)
        return try table.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ").map(String.init)
            return Vector(name: fields[0], size: Int(fields[1])!, crc: UInt32(fields[2], radix: 16)!,
                          stream: try CalibrationFixtures.bytes("inflate/\(fields[0]).deflate"))
        }
    }

    private func inflate(_ stream: [UInt8], _ size: Int) throws -> [UInt8] {
        try stream.withUnsafeBytes { try Inflate.decompress($0, expectedSize: size) }
    }

    private func assertFails(_ stream: [UInt8], size: Int, _ expected: DeflateError? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try inflate(stream, size), file: file, line: line) { error in
            guard let expected else { return XCTAssertTrue(error is DeflateError, "\(error)", file: file, line: line) }
            XCTAssertEqual(error as? DeflateError, expected, file: file, line: line)
        }
    }

    func testCRC32KnownValues() {
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) }, 0xCBF4_3926)
        XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32.checksum($0) }, 0)
    }

    /// zlib level 9 (dynamic blocks, many small ones with memLevel 1, a 20 kB distance), level 0
    /// (stored), Z_FIXED, Z_RLE (overlapping matches), Z_HUFFMAN_ONLY and the empty stream.
    func testZlibVectorsInflateToTheirSizeAndCRC() throws {
        let all = try vectors()
        XCTAssertEqual(all.count, 9)
        for vector in all {
            let output = try inflate(vector.stream, vector.size)
            XCTAssertEqual(output.count, vector.size, vector.name)
            XCTAssertEqual(output.withUnsafeBytes { CRC32.checksum($0) }, vector.crc, vector.name)
        }
    }

    func testPrefixStopsEarlyAndMatchesTheFullOutput() throws {
        for vector in try vectors() where vector.size > 0 {
            let full = try inflate(vector.stream, vector.size)
            for count in [1, 12, 100, vector.size, vector.size + 50] {
                let prefix = try vector.stream.withUnsafeBytes { try Inflate.decompressPrefix($0, count: count) }
                XCTAssertEqual(prefix, Array(full.prefix(count)), "\(vector.name) prefix \(count)")
            }
        }
    }

    func testWrongExpectedSizeIsAnError() throws {
        let vector = try vectors().first { $0.name == "dynamic-text" }!
        assertFails(vector.stream, size: vector.size - 1, .outputTooLong(expected: vector.size - 1))
        assertFails(vector.stream, size: vector.size + 1, .outputTooShort(actual: vector.size, expected: vector.size + 1))
    }

    func testEveryTruncationFails() throws {
        for vector in try vectors() {
            let step = max(1, vector.stream.count / 300)
            for length in stride(from: 0, to: vector.stream.count, by: step) {
                assertFails(Array(vector.stream[..<length]), size: vector.size)
            }
        }
    }

    /// Random bit flips: the decoder may fail or produce other bytes of the expected size
    /// (zip's CRC catches those), but it must never trap or overrun.
    func testBitFlipsNeverCrash() throws {
        var random = TestRandom(seed: 7)
        for vector in try vectors() where !vector.stream.isEmpty {
            for _ in 0..<150 {
                var corrupt = vector.stream
                for _ in 0...random.next(3) {
                    corrupt[random.next(corrupt.count)] ^= UInt8(1 << random.next(8))
                }
                if let output = try? inflate(corrupt, vector.size) { XCTAssertEqual(output.count, vector.size) }
            }
        }
    }

    // MARK: Hand-built streams

    func testStoredBlocksAcrossBlockBoundaries() throws {
        var bits = DeflateBits()
        bits.storedBlock(Array("hello".utf8), final: false)
        bits.storedBlock(Array(" world".utf8), final: true)
        XCTAssertEqual(try inflate(bits.bytes, 11), Array("hello world".utf8))
    }

    func testEmptyStoredBlock() throws {
        var bits = DeflateBits()
        bits.storedBlock([], final: true)
        XCTAssertEqual(try inflate(bits.bytes, 0), [])
        XCTAssertEqual(try bits.bytes.withUnsafeBytes { try Inflate.decompressPrefix($0, count: 0) }, [])
    }

    func testStoredLengthComplementMismatch() {
        var bits = DeflateBits()
        bits.put(1, 1); bits.put(0, 2); bits.align()
        bits.bytes += [5, 0, 0xFA, 0xFE] + Array("hello".utf8)   // NLEN should be 0xFFFA
        assertFails(bits.bytes, size: 5, .storedLengthMismatch(length: 5, complement: 0xFEFA))
    }

    func testFixedBlockWithOverlappingMatch() throws {
        var bits = DeflateBits.fixedBlock()
        for byte in "abc".utf8 { bits.fixedLiteral(Int(byte)) }
        bits.fixedLiteral(258); bits.putCode(2, length: 5)   // length 4, distance 3: overlaps its own output
        bits.fixedLiteral(256)
        XCTAssertEqual(try inflate(bits.bytes, 7), Array("abcabca".utf8))
    }

    func testReservedBlockType() {
        var bits = DeflateBits()
        bits.put(1, 1); bits.put(3, 2)
        assertFails(bits.bytes, size: 1, .reservedBlockType)
    }

    func testInvalidFixedSymbols() {
        var length = DeflateBits.fixedBlock()
        length.fixedLiteral(97); length.fixedLiteral(286)
        assertFails(length.bytes, size: 10, .invalidSymbol("length symbol 286"))
        var distance = DeflateBits.fixedBlock()
        distance.fixedLiteral(97); distance.fixedLiteral(257); distance.putCode(30, length: 5)
        assertFails(distance.bytes, size: 10, .invalidSymbol("distance symbol 30"))
    }

    func testDistanceBeforeTheStart() {
        var bits = DeflateBits.fixedBlock()
        bits.fixedLiteral(97); bits.fixedLiteral(257); bits.putCode(1, length: 5)   // distance 2, one byte written
        assertFails(bits.bytes, size: 4, .distanceTooFar(distance: 2, available: 1))
    }

    func testOverSubscribedCodeLengthCode() {
        var bits = DeflateBits.dynamicHeader(codeLengthLengths: Array(repeating: 1, count: 19))
        bits.put(0, 8)
        assertFails(bits.bytes, size: 1, .invalidCodeLengths("over-subscribed code"))
    }

    /// Code-length code {0: "0", 16: "1"}; a repeat (16) before any length has nothing to repeat.
    func testRepeatWithoutPreviousLength() {
        var bits = DeflateBits.dynamicHeader(codeLengthLengths: [16: 1, 0: 1])
        bits.put(1, 1)
        assertFails(bits.bytes, size: 1, .invalidCodeLengths("repeat with no previous length"))
    }

    func testMissingEndOfBlockCode() {
        var bits = DeflateBits.dynamicHeader(codeLengthLengths: [16: 1, 0: 1])
        for _ in 0..<258 { bits.put(0, 1) }   // every length 0, symbol 256 included
        assertFails(bits.bytes, size: 1, .invalidCodeLengths("no end-of-block code"))
    }

    /// Code-length code {0: "0", 2: "10", 16: "11"}: a literal/length code whose only code has
    /// length 2 leaves half the bit patterns unused, which RFC 1951 does not allow.
    func testIncompleteLiteralCode() {
        var bits = DeflateBits.dynamicHeader(codeLengthLengths: [0: 1, 2: 2, 16: 2])
        for _ in 0..<256 { bits.put(0, 1) }
        bits.putCode(0b10, length: 2)   // symbol 256 gets length 2
        bits.put(0, 1)                  // the one distance code is unused
        assertFails(bits.bytes, size: 1, .invalidCodeLengths("incomplete code"))
    }

    /// A single code of length 1 is allowed, but its unused pattern "1" decodes to nothing.
    func testUnusedCodeOfASingleCodeTable() {
        var bits = DeflateBits.dynamicHeader(codeLengthLengths: [0: 1, 1: 1])
        for _ in 0..<256 { bits.put(0, 1) }
        bits.put(1, 1)                  // symbol 256 gets length 1
        bits.put(0, 1)
        bits.put(1, 1)                  // data: the unused code
        assertFails(bits.bytes, size: 1, .invalidCode)
    }

    func testTooManyLengthCodes() {
        var bits = DeflateBits()
        bits.put(1, 1); bits.put(2, 2)
        bits.put(30, 5); bits.put(0, 5); bits.put(0, 4)   // HLIT 287 > 286
        assertFails(bits.bytes, size: 1, .invalidCodeLengths("287 literal/length and 1 distance codes"))
    }
}

/// Builds DEFLATE streams bit by bit: values least significant bit first, Huffman codes most
/// significant bit first (RFC 1951 §3.1.1).
struct DeflateBits {
    var bytes: [UInt8] = []
    private var used = 0

    mutating func put(_ value: Int, _ count: Int) {
        for i in 0..<count {
            if used % 8 == 0 { bytes.append(0) }
            if value >> i & 1 != 0 { bytes[bytes.count - 1] |= 1 << UInt8(used % 8) }
            used += 1
        }
    }

    mutating func putCode(_ code: Int, length: Int) {
        for i in (0..<length).reversed() { put(code >> i & 1, 1) }
    }

    mutating func align() { used = bytes.count * 8 }

    mutating func storedBlock(_ data: [UInt8], final: Bool) {
        put(final ? 1 : 0, 1); put(0, 2); align()
        bytes += [UInt8(data.count & 0xFF), UInt8(data.count >> 8), UInt8(~data.count & 0xFF), UInt8(~data.count >> 8 & 0xFF)]
        bytes += data
        align()
    }

    static func fixedBlock() -> DeflateBits {
        var bits = DeflateBits()
        bits.put(1, 1); bits.put(1, 2)
        return bits
    }

    /// A literal/length symbol in the fixed code of §3.2.6.
    mutating func fixedLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: putCode(0x30 + symbol, length: 8)
        case 144...255: putCode(0x190 + symbol - 144, length: 9)
        case 256...279: putCode(symbol - 256, length: 7)
        default: putCode(0xC0 + symbol - 280, length: 8)
        }
    }

    /// A final dynamic block header for 257 literal/length and 1 distance codes, with the given
    /// code-length code lengths (by symbol), all 19 sent.
    static func dynamicHeader(codeLengthLengths: [Int: Int]) -> DeflateBits {
        dynamicHeader(codeLengthLengths: (0..<19).map { codeLengthLengths[$0] ?? 0 })
    }

    static func dynamicHeader(codeLengthLengths: [Int]) -> DeflateBits {
        var bits = DeflateBits()
        bits.put(1, 1); bits.put(2, 2)
        bits.put(0, 5); bits.put(0, 5); bits.put(15, 4)
        for symbol in Inflate.codeLengthOrder { bits.put(codeLengthLengths[symbol], 3) }
        return bits
    }
}
