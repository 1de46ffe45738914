/// A DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks. The output
/// size is always known up front (a zip entry records it), so the output is one allocation
/// and a stream that would write past it is an error, never a reallocation or an overrun.
enum Inflate {
    /// Decompresses `input`, which must inflate to exactly `expectedSize` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        try run(input, capacity: expectedSize, prefixOnly: false)
    }

    /// The first `count` bytes of the output (fewer if the stream is shorter), decoding only as
    /// far as needed: enough to read a file header inside a large compressed entry.
    static func decompressPrefix(_ input: UnsafeRawBufferPointer, count: Int) throws -> [UInt8] {
        try run(input, capacity: count, prefixOnly: true)
    }

    /// The output is allocated uninitialized: a corrupt size claim costs address space, not
    /// memory, until the stream really produces the bytes. Matches only read written bytes.
    private static func run(_ input: UnsafeRawBufferPointer, capacity: Int, prefixOnly: Bool) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var inflater = Inflater(input: input, output: buffer, prefixOnly: prefixOnly)
            defer { initialized = inflater.written }
            try inflater.run()
            guard prefixOnly || inflater.written == capacity else {
                throw DeflateError.outputTooShort(actual: inflater.written, expected: capacity)
            }
        }
    }

    // RFC 1951 §3.2.5: base values and extra-bit counts of length symbols 257...285 and
    // distance symbols 0...29.
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                             131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                               2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order in which a dynamic block sends the code lengths of the code-length alphabet (§3.2.7).
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// The fixed codes of §3.2.6. All 32 distance codes are built so the code is complete;
    /// symbols 30 and 31 are rejected when decoded, as 286 and 287 are.
    static let fixedTables: (literal: HuffmanTable, distance: HuffmanTable) = {
        let literal = [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
            + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
        let distance = [UInt8](repeating: 5, count: 32)
        // Constant, valid lengths: building them cannot fail.
        return (try! HuffmanTable(lengths: literal[...], allowSingleCode: false),
                try! HuffmanTable(lengths: distance[...], allowSingleCode: false))
    }()
}

/// One decoding run: the bit reader, the output buffer and how much of it is written.
private struct Inflater {
    var reader: BitReader
    let output: UnsafeMutableBufferPointer<UInt8>
    /// Stop quietly once the output is full instead of treating more output as an error.
    let prefixOnly: Bool
    var written = 0

    init(input: UnsafeRawBufferPointer, output: UnsafeMutableBufferPointer<UInt8>, prefixOnly: Bool) {
        reader = BitReader(input)
        self.output = output
        self.prefixOnly = prefixOnly
    }

    private var isDone: Bool { prefixOnly && written == output.count }

    mutating func run() throws {
        var final = false
        while !final && !isDone {
            final = try reader.read(1) == 1
            switch try reader.read(2) {
            case 0: try storedBlock()
            case 1: try huffmanBlock(Inflate.fixedTables.literal, Inflate.fixedTables.distance)
            case 2:
                let tables = try dynamicTables()
                try huffmanBlock(tables.literal, tables.distance)
            default: throw DeflateError.reservedBlockType
            }
        }
    }

    /// How many of `count` bytes fit; past the end that is an error unless only a prefix is wanted.
    private func room(for count: Int) throws -> Int {
        let room = output.count - written
        guard count <= room || prefixOnly else { throw DeflateError.outputTooLong(expected: output.count) }
        return min(count, room)
    }

    private mutating func storedBlock() throws {
        reader.alignToByte()
        let length = try reader.read(16), complement = try reader.read(16)
        guard length == ~complement & 0xFFFF else {
            throw DeflateError.storedLengthMismatch(length: length, complement: complement)
        }
        let count = try room(for: length)
        guard count > 0 else { return }   // an empty output buffer may have no address
        try reader.readBytes(count, into: output.baseAddress! + written)
        written += count
    }

    private mutating func huffmanBlock(_ literal: HuffmanTable, _ distance: HuffmanTable) throws {
        while !isDone {
            let symbol = try literal.decode(&reader)
            if symbol < 256 {
                _ = try room(for: 1)
                output[written] = UInt8(symbol)
                written += 1
            } else if symbol == 256 {
                return
            } else {
                try copyMatch(lengthSymbol: symbol - 257, distance)
            }
        }
    }

    private mutating func copyMatch(lengthSymbol: Int, _ distanceTable: HuffmanTable) throws {
        guard lengthSymbol < Inflate.lengthBase.count else { throw DeflateError.invalidSymbol("length symbol \(lengthSymbol + 257)") }
        let length = Inflate.lengthBase[lengthSymbol] + (try reader.read(Inflate.lengthExtra[lengthSymbol]))
        let symbol = try distanceTable.decode(&reader)
        guard symbol < Inflate.distanceBase.count else { throw DeflateError.invalidSymbol("distance symbol \(symbol)") }
        let distance = Inflate.distanceBase[symbol] + (try reader.read(Inflate.distanceExtra[symbol]))
        guard distance <= written else { throw DeflateError.distanceTooFar(distance: distance, available: written) }
        let count = try room(for: length)
        // Byte by byte: a match may overlap the bytes it is producing (distance < length).
        for i in 0..<count { output[written + i] = output[written + i - distance] }
        written += count
    }

    /// Reads a dynamic block's header (§3.2.7): the code-length code, then the literal/length
    /// and distance code lengths it encodes, run-length coded with symbols 16, 17 and 18.
    private mutating func dynamicTables() throws -> (literal: HuffmanTable, distance: HuffmanTable) {
        let literalCount = try reader.read(5) + 257, distanceCount = try reader.read(5) + 1
        let codeLengthCount = try reader.read(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw DeflateError.invalidCodeLengths("\(literalCount) literal/length and \(distanceCount) distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount { codeLengthLengths[Inflate.codeLengthOrder[i]] = UInt8(try reader.read(3)) }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths[...], allowSingleCode: false)
        let lengths = try readCodeLengths(count: literalCount + distanceCount, with: codeLengthTable)
        guard lengths[256] != 0 else { throw DeflateError.invalidCodeLengths("no end-of-block code") }
        return (try HuffmanTable(lengths: lengths[..<literalCount], allowSingleCode: true),
                try HuffmanTable(lengths: lengths[literalCount...], allowSingleCode: true))
    }

    private mutating func readCodeLengths(count: Int, with table: HuffmanTable) throws -> [UInt8] {
        var lengths = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            let symbol = try table.decode(&reader)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            let (value, repeats) = try run(of: symbol, previous: i > 0 ? lengths[i - 1] : nil)
            guard i + repeats <= count else { throw DeflateError.invalidCodeLengths("a repeat runs past the last code") }
            for j in i..<i + repeats { lengths[j] = value }
            i += repeats
        }
        return lengths
    }

    /// Symbol 16 repeats the previous length 3-6 times, 17 writes 3-10 zeros, 18 writes 11-138.
    private mutating func run(of symbol: Int, previous: UInt8?) throws -> (UInt8, Int) {
        switch symbol {
        case 16:
            guard let previous else { throw DeflateError.invalidCodeLengths("repeat with no previous length") }
            return (previous, 3 + (try reader.read(2)))
        case 17: return (0, 3 + (try reader.read(3)))
        default: return (0, 11 + (try reader.read(7)))
        }
    }
}
