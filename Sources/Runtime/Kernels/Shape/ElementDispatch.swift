import ONNXModel

/// A data-movement loop written once for every element type. `run(elementSize:)` calls it
/// with an unsigned integer type exactly as wide as one element, so loops move whole elements
/// with plain loads and stores instead of byte copies (Swift has no generic closures, hence a
/// protocol).
extension ShapeOps {
    protocol ElementMove {
        associatedtype Output
        func callAsFunction<T>(_ type: T.Type) throws -> Output
    }

    /// The 16-byte element (complex128) as one value.
    struct SixteenBytes {
        var low: UInt64
        var high: UInt64
    }
}

extension ShapeOps.ElementMove {
    func run(elementSize: Int) throws -> Output {
        switch elementSize {
        case 1: return try self(UInt8.self)
        case 2: return try self(UInt16.self)
        case 4: return try self(UInt32.self)
        case 8: return try self(UInt64.self)
        case 16: return try self(ShapeOps.SixteenBytes.self)
        default: throw RuntimeError.unsupported("elements of \(elementSize) bytes are not supported")
        }
    }
}

/// Arithmetic the Shape family needs on element values (scatter reductions, CumSum, Range,
/// TopK, OneHot indices): wrapping for integers, so overflow wraps as in onnxruntime instead
/// of trapping.
extension ShapeOps {
    protocol Arithmetic: Comparable {
        static func adding(_ a: Self, _ b: Self) -> Self
        static func multiplying(_ a: Self, _ b: Self) -> Self
        init(converting value: Double)
        init(converting value: Int)
        var doubleValue: Double { get }
    }
}

extension ShapeOps.Arithmetic where Self: FixedWidthInteger {
    static func adding(_ a: Self, _ b: Self) -> Self { a &+ b }
    static func multiplying(_ a: Self, _ b: Self) -> Self { a &* b }
    init(converting value: Double) { self = Self(clamping: clampedInt64(value)) }
    init(converting value: Int) { self = Self(truncatingIfNeeded: value) }
    var doubleValue: Double { Double(self) }
}

extension ShapeOps.Arithmetic where Self: BinaryFloatingPoint {
    static func adding(_ a: Self, _ b: Self) -> Self { a + b }
    static func multiplying(_ a: Self, _ b: Self) -> Self { a * b }
    init(converting value: Double) { self = Self(value) }
    init(converting value: Int) { self = Self(value) }
    var doubleValue: Double { Double(self) }
}

extension Float: ShapeOps.Arithmetic {}
extension Double: ShapeOps.Arithmetic {}
extension Float16: ShapeOps.Arithmetic {}
extension Int8: ShapeOps.Arithmetic {}
extension Int16: ShapeOps.Arithmetic {}
extension Int32: ShapeOps.Arithmetic {}
extension Int64: ShapeOps.Arithmetic {}
extension UInt8: ShapeOps.Arithmetic {}
extension UInt16: ShapeOps.Arithmetic {}
extension UInt32: ShapeOps.Arithmetic {}
extension UInt64: ShapeOps.Arithmetic {}

/// A double truncated into Int64's range (NaN to 0) without trapping.
private func clampedInt64(_ value: Double) -> Int64 {
    if value.isNaN { return 0 }
    if value >= 9.2e18 { return .max }
    if value <= -9.2e18 { return .min }
    return Int64(value)
}

/// A computation over the numeric element types; `run(on:)` picks T from the tensor type
/// (float16 as Swift's Float16, which shares its layout).
extension ShapeOps {
    protocol NumericMove {
        associatedtype Output
        func callAsFunction<T: Arithmetic>(_ type: T.Type) throws -> Output
    }
}

extension ShapeOps.NumericMove {
    func run(on type: DataType, _ op: String) throws -> Output {
        switch type {
        case .float: return try self(Float.self)
        case .double: return try self(Double.self)
        case .float16: return try self(Float16.self)
        case .int8: return try self(Int8.self)
        case .int16: return try self(Int16.self)
        case .int32: return try self(Int32.self)
        case .int64: return try self(Int64.self)
        case .uint8: return try self(UInt8.self)
        case .uint16: return try self(UInt16.self)
        case .uint32: return try self(UInt32.self)
        case .uint64: return try self(UInt64.self)
        default: throw RuntimeError.unsupported("\(op) does not support \(type) tensors")
        }
    }
}

extension ShapeOps {
    /// Converts numbers to and from elements of any numeric type through Double (constant
    /// values from float attributes, indices stored as floats).
    enum ElementValues {
        /// The bytes of `value` as one element of `type` (bool: nonzero is true).
        static func bytes(of value: Double, as type: DataType) throws -> [UInt8] {
            if type == .bool { return [value != 0 ? 1 : 0] }
            return try ScalarBytes(value: value).run(on: type, "a constant of this type")
        }

        /// Every element of a numeric tensor as a Double.
        static func doubles(_ tensor: Tensor) throws -> [Double] {
            if tensor.type == .bool { return tensor.elements(Bool.self).map { $0 ? 1 : 0 } }
            return try TensorDoubles(tensor: tensor).run(on: tensor.type, "reading values")
        }

        private struct ScalarBytes: NumericMove {
            let value: Double
            func callAsFunction<T: Arithmetic>(_: T.Type) -> [UInt8] {
                withUnsafeBytes(of: T(converting: value)) { Array($0) }
            }
        }

        private struct TensorDoubles: NumericMove {
            let tensor: Tensor
            func callAsFunction<T: Arithmetic>(_: T.Type) -> [Double] {
                tensor.shapeBuffer(T.self).map(\.doubleValue)
            }
        }
    }
}

extension Tensor {
    /// Raw element memory as T, for kernels that dispatched on element width or numeric type.
    func shapeBuffer<T>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: storage.raw.assumingMemoryBound(to: T.self), count: count)
    }
}
