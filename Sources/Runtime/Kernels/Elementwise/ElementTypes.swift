import ONNXModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The floating-point element types the family computes in natively (float16 and bfloat16 are
/// widened to Float first), with the libm functions kernels need written once for both.
protocol RealMath: BinaryFloatingPoint & CastValue {
    /// squareRoot() on a generic T calls into the runtime; this goes to the instruction.
    static func sqrt(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
}

extension Float: RealMath {
    static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    static func exp(_ x: Float) -> Float { expf(x) }
    static func log(_ x: Float) -> Float { logf(x) }
    static func log1p(_ x: Float) -> Float { log1pf(x) }
    static func expm1(_ x: Float) -> Float { expm1f(x) }
    static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    static func erf(_ x: Float) -> Float { erff(x) }
    static func tanh(_ x: Float) -> Float { tanhf(x) }
    static func sin(_ x: Float) -> Float { sinf(x) }
    static func cos(_ x: Float) -> Float { cosf(x) }
}

extension Double: RealMath {
    static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    static func exp(_ x: Double) -> Double { doubleExp(x) }
    static func log(_ x: Double) -> Double { doubleLog(x) }
    static func log1p(_ x: Double) -> Double { doubleLog1p(x) }
    static func expm1(_ x: Double) -> Double { doubleExpm1(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { doublePow(x, y) }
    static func erf(_ x: Double) -> Double { doubleErf(x) }
    static func tanh(_ x: Double) -> Double { doubleTanh(x) }
    static func sin(_ x: Double) -> Double { doubleSin(x) }
    static func cos(_ x: Double) -> Double { doubleCos(x) }
}

// The C library's double functions, named so Double's statics above can reach them.
private func doubleExp(_ x: Double) -> Double { exp(x) }
private func doubleLog(_ x: Double) -> Double { log(x) }
private func doubleLog1p(_ x: Double) -> Double { log1p(x) }
private func doubleExpm1(_ x: Double) -> Double { expm1(x) }
private func doublePow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
private func doubleErf(_ x: Double) -> Double { erf(x) }
private func doubleTanh(_ x: Double) -> Double { tanh(x) }
private func doubleSin(_ x: Double) -> Double { sin(x) }
private func doubleCos(_ x: Double) -> Double { cos(x) }

/// The integer element types (every one converts by Cast's rules).
typealias IntegerElement = FixedWidthInteger & CastValue

/// A computation written once for every numeric element type; `NumericType.visit` picks the
/// Swift type from the tensor's DataType so the loops inside are specialized (Swift has no
/// generic closures, hence a protocol).
protocol NumericVisitor {
    associatedtype Output
    func real<T: RealMath>(_ type: T.Type) throws -> Output
    func integer<T: IntegerElement>(_ type: T.Type) throws -> Output
}

enum NumericType {
    /// Runs the visitor for float, double and the integer types; nil for any other type.
    static func visit<V: NumericVisitor>(_ type: DataType, _ visitor: V) throws -> V.Output? {
        switch type {
        case .float: return try visitor.real(Float.self)
        case .double: return try visitor.real(Double.self)
        case .int8: return try visitor.integer(Int8.self)
        case .int16: return try visitor.integer(Int16.self)
        case .int32: return try visitor.integer(Int32.self)
        case .int64: return try visitor.integer(Int64.self)
        case .uint8: return try visitor.integer(UInt8.self)
        case .uint16: return try visitor.integer(UInt16.self)
        case .uint32: return try visitor.integer(UInt32.self)
        case .uint64: return try visitor.integer(UInt64.self)
        default: return nil
        }
    }

    /// float16 and bfloat16: stored as UInt16 bits, computed as Float.
    static func isHalf(_ type: DataType) -> Bool { type == .float16 || type == .bfloat16 }
}

/// float16/bfloat16 tensors to and from float32, so every kernel needs only a Float path for
/// them. Each op then rounds once to the narrow type, as a native half implementation would
/// for one operation.
enum HalfPrecision {
    static func widen(_ tensor: Tensor) -> Tensor {
        guard NumericType.isHalf(tensor.type) else { return tensor }
        let result = Tensor(uninitialized: .float, shape: tensor.shape)
        let source = tensor.elements(UInt16.self)
        let target = result.mutableElements(Float.self)
        if tensor.type == .float16 {
            for i in source.indices { target[i] = Float(Float16(bitPattern: source[i])) }
        } else {
            for i in source.indices { target[i] = Float(bitPattern: UInt32(source[i]) << 16) }
        }
        return result
    }

    static func narrow(_ tensor: Tensor, to type: DataType) -> Tensor {
        guard NumericType.isHalf(type), tensor.type == .float else { return tensor }
        let result = Tensor(uninitialized: type, shape: tensor.shape)
        let source = tensor.elements(Float.self)
        let target = result.mutableElements(UInt16.self)
        if type == .float16 {
            for i in source.indices { target[i] = Float16(source[i]).bitPattern }
        } else {
            for i in source.indices { target[i] = bfloat16Bits(source[i]) }
        }
        return result
    }

    /// Round to nearest even; NaN stays a quiet NaN of the same sign.
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// Runs `body` on float32 versions of half-precision inputs; a float32 result goes back to
    /// the inputs' half type (bool results, from comparisons, stay as they are).
    static func computeInFloat(_ inputs: [Tensor], _ body: ([Tensor]) throws -> Tensor) rethrows -> Tensor {
        guard let half = inputs.first(where: { NumericType.isHalf($0.type) })?.type else { return try body(inputs) }
        return narrow(try body(inputs.map(widen)), to: half)
    }
}
