/// A canonical Huffman code (RFC 1951 §3.2.2) built from code lengths. Codes up to `fastBits`
/// long decode with one table lookup; longer ones walk the per-length counts (as zlib's puff
/// does), which keeps the table small for the many dynamic blocks of a large stream.
struct HuffmanTable {
    static let maxBits = 15
    static let fastBits = 9

    /// Indexed by the next `fastBits` stream bits: `symbol << 4 | length`, 0 for "not a short code".
    private var fast: [UInt16]
    /// How many codes have each length, 0...maxBits.
    private var counts: [Int]
    /// Symbols in canonical code order (by length, then by symbol).
    private var symbols: [UInt16]

    /// `lengths[symbol]` is that symbol's code length, 0 for unused. An incomplete code is
    /// refused unless `allowSingleCode` and it has at most one code, of length 1: RFC 1951
    /// allows that for a block that uses one distance (zlib accepts the same).
    init(lengths: ArraySlice<UInt8>, allowSingleCode: Bool) throws {
        counts = [Int](repeating: 0, count: Self.maxBits + 1)
        for length in lengths {
            guard Int(length) <= Self.maxBits else { throw DeflateError.invalidCodeLengths("length \(length) > 15") }
            counts[Int(length)] += 1
        }
        counts[0] = 0
        try Self.checkPrefixCode(counts, allowSingleCode: allowSingleCode)
        symbols = Self.canonicalOrder(lengths, counts: counts)
        fast = Self.fastTable(lengths, counts: counts)
    }

    /// Kraft's inequality: more codes of a length than remain is over-subscribed; fewer leaves
    /// bit patterns with no symbol (incomplete).
    private static func checkPrefixCode(_ counts: [Int], allowSingleCode: Bool) throws {
        var left = 1
        for length in 1...maxBits {
            left = left * 2 - counts[length]
            guard left >= 0 else { throw DeflateError.invalidCodeLengths("over-subscribed code") }
        }
        let codes = counts.reduce(0, +)
        if left > 0 && !(allowSingleCode && codes == counts[1] && codes <= 1) {
            throw DeflateError.invalidCodeLengths("incomplete code")
        }
    }

    private static func canonicalOrder(_ lengths: ArraySlice<UInt8>, counts: [Int]) -> [UInt16] {
        var offsets = [Int](repeating: 0, count: maxBits + 2)
        for length in 1...maxBits { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [UInt16](repeating: 0, count: offsets[maxBits + 1])
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[Int(length)]] = UInt16(symbol)
            offsets[Int(length)] += 1
        }
        return symbols
    }

    /// Fills every slot whose low `length` bits are a short code, with the code bit-reversed
    /// because Huffman codes are sent most significant bit first into an LSB-first stream.
    private static func fastTable(_ lengths: ArraySlice<UInt8>, counts: [Int]) -> [UInt16] {
        var fast = [UInt16](repeating: 0, count: 1 << fastBits)
        var nextCode = [Int](repeating: 0, count: maxBits + 1)
        var code = 0
        for length in 1...maxBits {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let bits = Int(length)
            let assigned = nextCode[bits]
            nextCode[bits] += 1
            guard bits <= fastBits else { continue }
            let entry = UInt16(symbol << 4 | bits)
            for slot in stride(from: reversed(assigned, bits: bits), to: 1 << fastBits, by: 1 << bits) { fast[slot] = entry }
        }
        return fast
    }

    private static func reversed(_ code: Int, bits: Int) -> Int {
        var result = 0
        for i in 0..<bits where code & (1 << i) != 0 { result |= 1 << (bits - 1 - i) }
        return result
    }

    /// Reads one symbol.
    @inline(__always)
    func decode(_ reader: inout BitReader) throws -> Int {
        let bits = reader.peek(Self.maxBits)
        let entry = Int(fast[bits & ((1 << Self.fastBits) - 1)])
        if entry != 0 {
            try reader.consume(entry & 15)
            return entry >> 4
        }
        return try decodeLong(bits, &reader)
    }

    /// Canonical codes of one length are consecutive numbers: walk the lengths, keeping the
    /// first code and first symbol index of each, until the code read falls in a length's range.
    private func decodeLong(_ bits: Int, _ reader: inout BitReader) throws -> Int {
        var code = 0, first = 0, index = 0
        for length in 1...Self.maxBits {
            code |= (bits >> (length - 1)) & 1
            let count = counts[length]
            if code >= first && code - first < count {
                try reader.consume(length)
                return Int(symbols[index + code - first])
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw DeflateError.invalidCode
    }
}
