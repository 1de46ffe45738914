/// The element types a packed fixed-width repeated field can hold.
public protocol FixedWidthWireValue: Sendable, Equatable {
    static var wireSize: Int { get }
    init(littleEndianBits bits: UInt64)
    var littleEndianBits: UInt64 { get }
}

extension Float: FixedWidthWireValue {
    public static var wireSize: Int { 4 }
    public init(littleEndianBits bits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    public var littleEndianBits: UInt64 { UInt64(bitPattern.littleEndian) }
}

extension Double: FixedWidthWireValue {
    public static var wireSize: Int { 8 }
    public init(littleEndianBits bits: UInt64) { self.init(bitPattern: bits) }
    public var littleEndianBits: UInt64 { bitPattern.littleEndian }
}

/// A repeated float or double field kept as its little-endian wire bytes, so a large
/// `float_data` payload stays a view into the file like `raw_data` does.
public struct PackedFixed<Element: FixedWidthWireValue>: Equatable, Sendable {
    public private(set) var bytes: Bytes

    public init() { bytes = Bytes() }
    public init(bytes: Bytes) {
        precondition(bytes.count % Element.wireSize == 0)
        self.bytes = bytes
    }
    public init(_ values: [Element]) {
        var raw = [UInt8]()
        raw.reserveCapacity(values.count * Element.wireSize)
        for value in values {
            let bits = value.littleEndianBits
            for i in 0..<Element.wireSize { raw.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        }
        bytes = Bytes(raw)
    }

    public var count: Int { bytes.count / Element.wireSize }
    public var isEmpty: Bool { bytes.isEmpty }

    public subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count)
        return bytes.withUnsafeBytes { raw in
            var bits: UInt64 = 0
            for i in 0..<Element.wireSize {
                bits |= UInt64(raw[index * Element.wireSize + i]) << (8 * UInt64(i))
            }
            return Element(littleEndianBits: bits)
        }
    }

    public var values: [Element] { (0..<count).map { self[$0] } }

    public mutating func append(_ value: Element) {
        var bits = value.littleEndianBits
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<Element.wireSize])) }
    }

    public mutating func append(packed more: Bytes) { bytes.append(more) }
}
