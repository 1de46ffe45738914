import ProtoWire
import _TestSupport
import XCTest

/// The writer copies small values and references large payloads; the output bytes are the same
/// either way.
final class Test_WireWriter: XCTestCase {
    /// (kind, byte count) of each chunk: "b" copied bytes, "v" a referenced view.
    func layout(_ writer: WireWriter) -> [String] {
        writer.finishedChunks().map { chunk in
            switch chunk {
            case .bytes(let array): return "b\(array.count)"
            case .view(let bytes): return "v\(bytes.count)"
            }
        }
    }

    func payload(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    func testThresholdIs4096() {
        XCTAssertEqual(WireWriter.viewThreshold, 4096)
    }

    func testSmallPayloadIsCopied() {
        let small = payload(WireWriter.viewThreshold - 1)
        var writer = WireWriter()
        writer.write(7, Bytes(small))
        XCTAssertEqual(layout(writer), ["b\(3 + small.count)"])
        XCTAssertEqual(writer.makeArray(), Wire.lengthDelimited(7, small))
        XCTAssertEqual(writer.count, 3 + small.count)
    }

    func testLargePayloadIsReferenced() throws {
        let big = payload(WireWriter.viewThreshold)
        let source = region(big)
        var writer = WireWriter()
        writer.write(1, Int64(5))
        writer.write(7, Bytes(region: source, offset: 0, count: big.count))
        writer.write(2, Int32(-1))
        XCTAssertEqual(layout(writer), ["b5", "v4096", "b11"])
        XCTAssertEqual(writer.makeArray(), Wire.varintField(1, 5) + Wire.lengthDelimited(7, big) + Wire.int64Field(2, -1))
        XCTAssertEqual(writer.count, 5 + 4096 + 11)
        // The chunk is the very same memory, not a copy.
        guard case .view(let view) = writer.finishedChunks()[1] else { return XCTFail("not a view") }
        view.withUnsafeBytes { XCTAssertEqual($0.baseAddress, source.base) }
    }

    func testOwnedLargePayloadIsReferencedToo() {
        var writer = WireWriter()
        writer.write(7, Bytes(payload(5000)))
        XCTAssertEqual(layout(writer), ["b3", "v5000"])
    }

    func testNestedMessageChunksAreTakenOver() throws {
        let big = payload(10_000)
        var inner = Scalars()
        inner.string = "w"
        inner.bytes = Bytes(big)
        var tree = Tree()
        tree.name = "t"
        tree.single = inner
        tree.value = 3
        var writer = WireWriter()
        tree.encode(to: &writer)
        // name, value, single's tag + length | the inner writer's chunks: string, bytes' tag + length | view
        XCTAssertEqual(layout(writer), ["b\(3 + 2 + 3)", "b\(3 + 3)", "v10000"])
        let expected = Wire.string(1, "t") + Wire.varintField(3, 3)
            + Wire.lengthDelimited(4, Wire.string(6, "w") + Wire.lengthDelimited(7, big))
        XCTAssertEqual(writer.makeArray(), expected)
        XCTAssertEqual(writer.count, expected.count)
        XCTAssertEqual(tree.serializedBytes(), expected)
        XCTAssertEqual(try Tree(serializedBytes: expected), tree)
    }

    func testSeveralViewsInSeveralMessages() {
        var tree = Tree()
        for i in 0..<3 {
            var child = Tree()
            child.single = Scalars(bytes: Bytes(payload(4096 + i)))
            tree.child.append(child)
        }
        var writer = WireWriter()
        tree.encode(to: &writer)
        XCTAssertEqual(layout(writer).filter { $0.hasPrefix("v") }, ["v4096", "v4097", "v4098"])
        let expected = (0..<3).flatMap { i in
            Wire.lengthDelimited(2, Wire.lengthDelimited(4, Wire.lengthDelimited(7, payload(4096 + i))))
        }
        XCTAssertEqual(writer.makeArray(), expected)
        XCTAssertEqual(writer.count, expected.count)
    }

    func testRawWritesAndAppend() {
        var a = WireWriter()
        a.writeFixed32(0x0102_0304)
        a.writeFixed64(0x1122_3344_5566_7788)
        var b = WireWriter()
        b.writeTag(3, .fixed32)
        b.writeRaw(Bytes(payload(4096)))
        b.writeVarint(1)
        a.append(b)
        a.writeVarint(300)
        XCTAssertEqual(layout(a), ["b12", "b1", "v4096", "b3"])
        XCTAssertEqual(a.makeArray(), [0x04, 0x03, 0x02, 0x01, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x1d]
            + payload(4096) + [0x01, 0xac, 0x02])
        XCTAssertEqual(a.count, 13 + 4096 + 3)
    }

    func testEmptyWriter() {
        let writer = WireWriter()
        XCTAssertEqual(writer.count, 0)
        XCTAssertEqual(writer.makeArray(), [])
        XCTAssertTrue(writer.finishedChunks().isEmpty)
    }

    func testFieldEncodingsByteExact() {
        var message = Scalars()
        message.int64 = 150
        message.int32 = 1
        message.uint64 = 2
        message.float = 1
        message.double = -2
        message.string = "é"
        message.bytes = Bytes([0])
        assertEncode(message, [0x08, 0x96, 0x01, 0x10, 0x01, 0x18, 0x02,
                               0x25, 0x00, 0x00, 0x80, 0x3f,
                               0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,
                               0x32, 0x02, 0xc3, 0xa9,
                               0x3a, 0x01, 0x00])
    }
}
