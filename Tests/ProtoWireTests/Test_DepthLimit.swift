import Foundation
import ProtoWire
import _TestSupport
import XCTest

/// Hostile nesting must fail with `.depthLimit`, never by overflowing the stack.
final class Test_DepthLimit: XCTestCase {
    /// A Tree whose child[0] chain is `levels` deep, built back to front in linear time. Also
    /// returns where the payload of each level starts (index 0: the first child).
    static func nestedTrees(_ levels: Int) -> (bytes: [UInt8], payloadStarts: [Int]) {
        var reversed: [UInt8] = []
        reversed.reserveCapacity(levels * 5)
        for _ in 0..<levels {
            reversed.append(contentsOf: Wire.varint(UInt64(reversed.count)).reversed())
            reversed.append(0x12)   // Tree.child, length-delimited
        }
        let bytes = Array(reversed.reversed())
        var starts: [Int] = []
        var position = 0
        for _ in 0..<levels {
            position += 1
            while bytes[position] & 0x80 != 0 { position += 1 }
            position += 1
            starts.append(position)
        }
        return (bytes, starts)
    }

    static func path(levels: Int) -> [String] {
        Array(repeating: ["child", "[0]"], count: levels).flatMap { $0 }
    }

    func testNestingUpToTheLimitDecodes() throws {
        let (bytes, _) = Self.nestedTrees(5)
        var tree = try Tree(region: region(bytes), depthLimit: 5)
        var depth = 0
        while let next = tree.child.first {
            depth += 1
            tree = next
        }
        XCTAssertEqual(depth, 5)
        XCTAssertEqual(try Tree(serializedBytes: bytes).serializedBytes(), bytes)
    }

    func testOneLevelPastTheLimitFails() {
        let (bytes, starts) = Self.nestedTrees(6)
        assertDecodeFails(bytes, as: Tree.self, WireError(.depthLimit(5), at: starts[5], path: Self.path(levels: 6)),
                          depthLimit: 5)
    }

    func testDefaultLimit() throws {
        XCTAssertEqual(WireReader.defaultDepthLimit, 256)
        XCTAssertNoThrow(try Tree(serializedBytes: Self.nestedTrees(256).bytes))
        let (bytes, starts) = Self.nestedTrees(257)
        assertDecodeFails(bytes, as: Tree.self, WireError(.depthLimit(256), at: starts[256], path: Self.path(levels: 257)))
    }

    func testHundredThousandLevelsFailFast() {
        let (bytes, starts) = Self.nestedTrees(100_000)
        XCTAssertEqual(bytes.count, starts.last!)   // the innermost message is empty
        let started = Date()
        let error = wireError { _ = try Tree(serializedBytes: bytes) }
        XCTAssertEqual(error?.reason, .depthLimit(256))
        XCTAssertEqual(error?.offset, starts[256])
        XCTAssertEqual(error?.path.count, 2 * 257)
        // Linear work bounded by the limit: far below a second even in a debug build.
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testSingularMessagesCountTowardsTheDepth() {
        // child { child { single { } } } : the Scalars message sits at depth 3.
        let bytes = Wire.lengthDelimited(2, Wire.lengthDelimited(2, Wire.lengthDelimited(4, Wire.varintField(1, 1))))
        XCTAssertNoThrow(try Tree(region: region(bytes), depthLimit: 3))
        assertDecodeFails(bytes, as: Tree.self, WireError(.depthLimit(2), at: 6, path: ["child", "[0]", "child", "[0]", "single"]),
                          depthLimit: 2)
    }

    // MARK: Groups

    func testNestedGroupsUpToTheLimitAreSkipped() {
        let groups = [UInt8](repeating: 0x53, count: 256) + [UInt8](repeating: 0x54, count: 256)
        assertDecode(groups, as: Scalars.self) { XCTAssertEqual($0.unknownFields.bytes.count, 512) }
    }

    func testHundredThousandNestedGroupsFail() {
        let groups = [UInt8](repeating: 0x53, count: 100_000)
        assertDecodeFails(groups, as: Scalars.self, WireError(.depthLimit(256), at: 257, path: ["field 10"]))
        let balanced = [UInt8](repeating: 0x53, count: 257) + [UInt8](repeating: 0x54, count: 257)
        assertDecodeFails(balanced, as: Scalars.self, WireError(.depthLimit(256), at: 257, path: ["field 10"]))
    }

    func testGroupsInsideNestedMessagesShareTheBudget() {
        // Tree.single (depth 1) holding 3 nested groups: depth 1 + 3 > 3.
        let groups: [UInt8] = [0x53, 0x53, 0x53, 0x54, 0x54, 0x54]
        let bytes = Wire.lengthDelimited(4, groups)
        XCTAssertNoThrow(try Tree(region: region(bytes), depthLimit: 4))
        assertDecodeFails(bytes, as: Tree.self, WireError(.depthLimit(3), at: 5, path: ["single", "field 10"]), depthLimit: 3)
    }
}
