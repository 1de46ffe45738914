import ONNXModel
import ProtoWire

/// Memory behind a tensor: 64-byte aligned and owned, or a view of bytes someone else owns
/// (an initializer in the mapped model file), which kernels only read.
public final class TensorStorage: @unchecked Sendable {
    public let raw: UnsafeMutableRawPointer
    public let byteCount: Int
    private let owner: AnyObject?

    /// Fresh zero-filled memory.
    public init(byteCount: Int) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        owner = nil
    }

    /// Fresh memory whose contents the caller will overwrite completely.
    public init(uninitializedByteCount byteCount: Int) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        owner = nil
    }

    /// A view of memory kept alive by `owner`.
    init(viewing pointer: UnsafeRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer(mutating: pointer)
        self.owner = owner
    }

    deinit { if owner == nil { raw.deallocate() } }
}

/// Element types a Tensor can hold, with the ONNX data type each stands for.
public protocol TensorElement: Sendable {
    static var dataType: DataType { get }
    static var zero: Self { get }
}

extension Float: TensorElement { public static var dataType: DataType { .float } }
extension Double: TensorElement { public static var dataType: DataType { .double } }
extension Int64: TensorElement { public static var dataType: DataType { .int64 } }
extension Int32: TensorElement { public static var dataType: DataType { .int32 } }
extension Int16: TensorElement { public static var dataType: DataType { .int16 } }
extension Int8: TensorElement { public static var dataType: DataType { .int8 } }
extension UInt8: TensorElement { public static var dataType: DataType { .uint8 } }
extension UInt16: TensorElement { public static var dataType: DataType { .uint16 } }
extension UInt32: TensorElement { public static var dataType: DataType { .uint32 } }
extension UInt64: TensorElement { public static var dataType: DataType { .uint64 } }
extension Bool: TensorElement {
    public static var dataType: DataType { .bool }
    public static var zero: Bool { false }
}

/// A dense, row-major tensor. Tensors are immutable once a kernel has returned them: kernels
/// write only into tensors they just created.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let type: DataType
    public let shape: [Int]
    public let storage: TensorStorage

    public init(type: DataType, shape: [Int], storage: TensorStorage) {
        self.type = type
        self.shape = shape
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(zeros type: DataType, shape: [Int]) {
        let count = shape.reduce(1, *)
        self.init(type: type, shape: shape, storage: TensorStorage(byteCount: Tensor.byteCount(type, count)))
    }

    /// A tensor whose every element the caller is about to write.
    public init(uninitialized type: DataType, shape: [Int]) {
        let count = shape.reduce(1, *)
        self.init(type: type, shape: shape, storage: TensorStorage(uninitializedByteCount: Tensor.byteCount(type, count)))
    }

    public init<T: TensorElement>(_ values: [T], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.init(uninitialized: T.dataType, shape: shape)
        values.withUnsafeBytes { storage.raw.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    public init<T: TensorElement>(scalar: T) { self.init([scalar], shape: []) }

    /// Bytes per element in memory (sub-byte ONNX types are unpacked to one byte each).
    public static func elementSize(_ type: DataType) -> Int {
        switch type {
        case .int4, .uint4, .int2, .uint2, .float4e2m1: return 1
        default: return max((type.bitWidth ?? 8) / 8, 1)
        }
    }

    static func byteCount(_ type: DataType, _ count: Int) -> Int { count * elementSize(type) }

    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
    public var byteCount: Int { count * Tensor.elementSize(type) }

    public func elements<T: TensorElement>(_: T.Type = T.self) -> UnsafeBufferPointer<T> {
        precondition(T.dataType == type || Tensor.elementSize(type) == MemoryLayout<T>.stride && Tensor.sharesLayout(type, T.dataType),
                     "tensor of \(type) read as \(T.dataType)")
        return UnsafeBufferPointer(start: storage.raw.assumingMemoryBound(to: T.self), count: count)
    }

    /// Write access, for a kernel filling a tensor it just created.
    public func mutableElements<T: TensorElement>(_: T.Type = T.self) -> UnsafeMutableBufferPointer<T> {
        precondition(T.dataType == type || Tensor.sharesLayout(type, T.dataType), "tensor of \(type) written as \(T.dataType)")
        return UnsafeMutableBufferPointer(start: storage.raw.assumingMemoryBound(to: T.self), count: count)
    }

    /// Types stored with another type's layout (float16 bits in UInt16, int4 unpacked in Int8...).
    static func sharesLayout(_ stored: DataType, _ read: DataType) -> Bool {
        switch (stored, read) {
        case (.float16, .uint16), (.bfloat16, .uint16), (.int4, .int8), (.uint4, .uint8), (.int2, .int8), (.uint2, .uint8),
             (.float8e4m3fn, .uint8), (.float8e4m3fnuz, .uint8), (.float8e5m2, .uint8), (.float8e5m2fnuz, .uint8),
             (.float8e8m0, .uint8), (.float4e2m1, .uint8):
            return true
        default:
            return false
        }
    }

    public func scalars<T: TensorElement>(_: T.Type = T.self) -> [T] { Array(elements(T.self)) }

    /// The same elements under another shape (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(type: type, shape: newShape, storage: storage)
    }

    /// Integer contents as Int64 whatever the integer type (for shape and index inputs).
    public func integers() -> [Int64] {
        switch type {
        case .int64: return scalars(Int64.self)
        case .int32: return elements(Int32.self).map(Int64.init)
        case .int16: return elements(Int16.self).map(Int64.init)
        case .int8: return elements(Int8.self).map(Int64.init)
        case .uint8: return elements(UInt8.self).map(Int64.init)
        case .uint16: return elements(UInt16.self).map(Int64.init)
        case .uint32: return elements(UInt32.self).map(Int64.init)
        case .uint64: return elements(UInt64.self).map { Int64(truncatingIfNeeded: $0) }
        case .bool: return elements(Bool.self).map { $0 ? 1 : 0 }
        default: return []
        }
    }

    public var description: String { "Tensor(\(type) \(shape))" }
}
