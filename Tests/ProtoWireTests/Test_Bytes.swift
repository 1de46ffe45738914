import ProtoWire
import _TestSupport
import XCTest

/// `Bytes` payloads stay zero-copy views of the buffer they were decoded from.
final class Test_Bytes: XCTestCase {
    func testDecodedPayloadsAreViewsEqualToOwnedCopies() throws {
        let payload: [UInt8] = Array(0..<200)
        let bytes = Wire.string(6, "name") + Wire.lengthDelimited(7, payload)
        let message = try Scalars(serializedBytes: bytes)
        let decoded = try XCTUnwrap(message.bytes)
        XCTAssertTrue(decoded.isView)
        XCTAssertEqual(decoded.count, 200)
        XCTAssertEqual(decoded, Bytes(payload))
        XCTAssertEqual(Bytes(payload), decoded)
        XCTAssertFalse(Bytes(payload).isView)
        XCTAssertEqual(decoded.hashValue, Bytes(payload).hashValue)
        XCTAssertEqual(decoded.array, payload)
        // Equal messages whether the payload is a view or owned.
        var owned = message
        owned.bytes = Bytes(payload)
        XCTAssertEqual(owned, message)
        XCTAssertEqual(owned.serializedBytes(), bytes)
    }

    func testViewPointsIntoTheRegion() throws {
        let bytes = Wire.lengthDelimited(7, [9, 8, 7])
        let source = region(bytes)
        let message = try Scalars(region: source)
        message.bytes!.withUnsafeBytes { raw in
            XCTAssertEqual(raw.baseAddress, source.base + 2, "no copy was made")
            XCTAssertEqual(Array(raw), [9, 8, 7])
        }
    }

    func testRepeatedBytesAndEmptyPayloads() throws {
        let message = try Repeated(serializedBytes: Wire.lengthDelimited(8, [1, 2]) + Wire.lengthDelimited(8, []))
        XCTAssertEqual(message.blobs.map(\.isView), [true, true])
        XCTAssertEqual(message.blobs, [Bytes([1, 2]), Bytes()])
        XCTAssertTrue(message.blobs[1].isEmpty)
    }

    func testNotEqualWhenContentOrLengthDiffers() {
        XCTAssertNotEqual(Bytes([1, 2, 3]), Bytes([1, 2, 4]))
        XCTAssertNotEqual(Bytes([1, 2, 3]), Bytes([1, 2]))
        let shared = region([1, 2, 3, 1, 2, 4])
        XCTAssertEqual(Bytes(region: shared, offset: 0, count: 2), Bytes(region: shared, offset: 3, count: 2))
        XCTAssertNotEqual(Bytes(region: shared, offset: 0, count: 3), Bytes(region: shared, offset: 3, count: 3))
    }

    func testSliceOfAViewIsAView() {
        let shared = region(Array(10..<30))
        let view = Bytes(region: shared, offset: 5, count: 10)
        let slice = view.slice(2..<6)
        XCTAssertTrue(slice.isView)
        XCTAssertEqual(slice.array, [17, 18, 19, 20])
        let ownedSlice = Bytes([1, 2, 3, 4]).slice(1..<3)
        XCTAssertFalse(ownedSlice.isView)
        XCTAssertEqual(ownedSlice.array, [2, 3])
    }

    func testAppendingMakesAnOwnedCopyAndLeavesTheRegionAlone() {
        let shared = region([1, 2, 3, 4])
        var view = Bytes(region: shared, offset: 1, count: 2)
        view.append(Bytes([9]))
        XCTAssertFalse(view.isView)
        XCTAssertEqual(view.array, [2, 3, 9])
        XCTAssertEqual(Array(shared.buffer), [1, 2, 3, 4])
    }

    func testViewsKeepTheirRegionAliveAndReleaseItOnce() {
        final class Counter { var released = 0 }
        let counter = Counter()
        var view: Bytes?
        do {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 1)
            memory.storeBytes(of: 0x0403_0201 as UInt32, as: UInt32.self)
            let owner = ByteRegion(base: UnsafeRawPointer(memory), count: 4) {
                counter.released += 1
                memory.deallocate()
            }
            view = Bytes(region: owner, offset: 1, count: 2)
        }
        XCTAssertEqual(counter.released, 0, "the view still holds the region")
        XCTAssertEqual(view?.array, [2, 3])
        view = nil
        XCTAssertEqual(counter.released, 1)
    }

    func testDescriptionDoesNotDumpContents() {
        XCTAssertEqual(Bytes([1, 2, 3]).description, "Bytes(3)")
    }
}
