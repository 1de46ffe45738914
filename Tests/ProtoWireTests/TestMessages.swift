import ProtoWire
import XCTest

// Small WireMessage types written the way the ONNX protos are, so ProtoWire is tested on its
// own, as swift-protobuf tests its runtime with unittest.proto.

/// message Scalars { int64 int64 = 1; int32 int32 = 2; uint64 uint64 = 3; float float = 4;
///                   double double = 5; string string = 6; bytes bytes = 7; }
struct Scalars: WireMessage {
    var int64: Int64?
    var int32: Int32?
    var uint64: UInt64?
    var float: Float?
    var double: Double?
    var string: String?
    var bytes: Bytes?
    var unknownFields = UnknownFields()

    static let names = ["int64", "int32", "uint64", "float", "double", "string", "bytes"]
    static func fieldName(_ number: Int) -> String? { names.indices.contains(number - 1) ? names[number - 1] : nil }

    mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&int64, tag)
        case 2: return try reader.read(&int32, tag)
        case 3: return try reader.read(&uint64, tag)
        case 4: return try reader.read(&float, tag)
        case 5: return try reader.read(&double, tag)
        case 6: return try reader.read(&string, tag)
        case 7: return try reader.read(&bytes, tag)
        default: return false
        }
    }

    func encode(to writer: inout WireWriter) {
        writer.write(1, int64)
        writer.write(2, int32)
        writer.write(3, uint64)
        writer.write(4, float)
        writer.write(5, double)
        writer.write(6, string)
        writer.write(7, bytes)
        writer.write(unknownFields)
    }
}

/// message Repeated { repeated int64 int64s = 1 [packed]; repeated int32 int32s = 2 [packed];
///   repeated float floats = 3; repeated float packed_floats = 4 [packed];
///   repeated double packed_doubles = 5 [packed]; repeated uint64 uint64s = 6;
///   repeated string strings = 7; repeated bytes blobs = 8; }
struct Repeated: WireMessage {
    var int64s: [Int64] = []
    var int32s: [Int32] = []
    var floats: [Float] = []
    var packedFloats = PackedFixed<Float>()
    var packedDoubles = PackedFixed<Double>()
    var uint64s: [UInt64] = []
    var strings: [String] = []
    var blobs: [Bytes] = []
    var unknownFields = UnknownFields()

    static let names = ["int64s", "int32s", "floats", "packed_floats", "packed_doubles", "uint64s", "strings", "blobs"]
    static func fieldName(_ number: Int) -> String? { names.indices.contains(number - 1) ? names[number - 1] : nil }

    mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&int64s, tag)
        case 2: return try reader.read(&int32s, tag)
        case 3: return try reader.read(&floats, tag)
        case 4: return try reader.read(&packedFloats, tag)
        case 5: return try reader.read(&packedDoubles, tag)
        case 6: return try reader.read(&uint64s, tag)
        case 7: return try reader.read(&strings, tag)
        case 8: return try reader.read(&blobs, tag)
        default: return false
        }
    }

    func encode(to writer: inout WireWriter) {
        writer.write(1, int64s, packed: true)
        writer.write(2, int32s, packed: true)
        writer.write(3, floats)
        writer.write(4, packedFloats)
        writer.write(5, packedDoubles)
        writer.write(6, uint64s, packed: false)
        writer.write(7, strings)
        writer.write(8, blobs)
        writer.write(unknownFields)
    }
}

/// message Tree { string name = 1; repeated Tree child = 2; int64 value = 3; Scalars single = 4; }
struct Tree: WireMessage {
    var name: String?
    var child: [Tree] = []
    var value: Int64?
    var single: Scalars?
    var unknownFields = UnknownFields()

    static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "name"
        case 2: return "child"
        case 3: return "value"
        case 4: return "single"
        default: return nil
        }
    }

    mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&name, tag)
        case 2: return try reader.read(&child, tag)
        case 3: return try reader.read(&value, tag)
        case 4: return try reader.read(&single, tag)
        default: return false
        }
    }

    func encode(to writer: inout WireWriter) {
        writer.write(1, name)
        writer.write(2, child)
        writer.write(3, value)
        writer.write(4, single)
        writer.write(unknownFields)
    }
}

// MARK: - Assertions in the style of swift-protobuf's TestHelpers

/// Decodes `bytes`, checks the message, and checks that encoding gives `canonical` (the input
/// itself when nil).
func assertDecode<M: WireMessage>(_ bytes: [UInt8], as type: M.Type, canonical: [UInt8]? = nil,
                                  file: StaticString = #filePath, line: UInt = #line,
                                  _ check: (M) -> Void = { _ in }) {
    do {
        let message = try M(serializedBytes: bytes)
        check(message)
        XCTAssertEqual(message.serializedBytes(), canonical ?? bytes, "re-encoding", file: file, line: line)
        XCTAssertEqual(try M(serializedBytes: message.serializedBytes()), message, "decode(encode(m)) == m",
                       file: file, line: line)
    } catch {
        XCTFail("decoding \(bytes) failed: \(error)", file: file, line: line)
    }
}

func assertEncode<M: WireMessage>(_ message: M, _ expected: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(message.serializedBytes(), expected, file: file, line: line)
    XCTAssertEqual(try M(serializedBytes: expected), message, "decoding the expected bytes", file: file, line: line)
}

/// Decoding must fail with exactly this error (reason, absolute offset and path).
func assertDecodeFails<M: WireMessage>(_ bytes: [UInt8], as type: M.Type, _ expected: WireError,
                                       depthLimit: Int = WireReader.defaultDepthLimit,
                                       file: StaticString = #filePath, line: UInt = #line) {
    let region = bytes.withUnsafeBytes { ByteRegion(copying: $0) }
    do {
        let message = try M(region: region, depthLimit: depthLimit)
        XCTFail("decoded \(message) instead of failing with \(expected)", file: file, line: line)
    } catch let error as WireError {
        XCTAssertEqual(error, expected, "got: \(error)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

func reader(_ bytes: [UInt8], from start: Int = 0) -> WireReader {
    let region = bytes.withUnsafeBytes { ByteRegion(copying: $0) }
    return WireReader(region: region, range: start..<bytes.count)
}

func writerBytes(_ body: (inout WireWriter) -> Void) -> [UInt8] {
    var writer = WireWriter()
    body(&writer)
    XCTAssertEqual(writer.count, writer.makeArray().count, "WireWriter.count")
    return writer.makeArray()
}

/// Runs `body` and returns the WireError it throws (nil, with a failure, when it throws nothing).
func wireError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> WireError? {
    do {
        try body()
        XCTFail("expected a WireError", file: file, line: line)
    } catch let error as WireError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}
