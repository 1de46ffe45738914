import CKernels
import ONNXModel

// Binary arithmetic with numpy broadcasting. Integers wrap on overflow (as numpy and
// onnxruntime do) instead of trapping.

struct AddKernel: ArithmeticKernel, NativeArithmetic {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a + b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
    var native: qt_binary_op { QT_ADD }
}

struct SubKernel: ArithmeticKernel, NativeArithmetic {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a - b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &- b }
    var native: qt_binary_op { QT_SUB }
}

struct MulKernel: ArithmeticKernel, NativeArithmetic {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a * b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &* b }
    var native: qt_binary_op { QT_MUL }
}

/// Integer division truncates toward zero, as in C.
struct DivKernel: ArithmeticKernel, NativeArithmetic {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a / b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a.dividedReportingOverflow(by: b).partialValue }
    var native: qt_binary_op { QT_DIV }
    var dividesIntegers: Bool { true }
}

/// fmod=1: the remainder has the dividend's sign (C fmod); fmod=0: the divisor's (Python).
struct ModKernel: ArithmeticKernel {
    let broadcast: LegacyBroadcast
    let truncating: Bool

    init(_ node: KernelNode) {
        broadcast = LegacyBroadcast(node)
        truncating = node.int("fmod", default: 0) == 1
    }

    func real<T: RealMath>(_ a: T, _ b: T) -> T {
        let remainder = a.truncatingRemainder(dividingBy: b)
        if truncating || remainder == 0 || (remainder < 0) == (b < 0) { return remainder }
        return remainder + b
    }

    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        let remainder = a.remainderReportingOverflow(dividingBy: b).partialValue
        if truncating || remainder == 0 || (remainder < 0) == (b < 0) { return remainder }
        return remainder &+ b
    }

    var dividesIntegers: Bool { true }
}

/// The exponent may have another type than the base; the result has the base's type.
struct PowKernel: ArithmeticKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }

    func real<T: RealMath>(_ a: T, _ b: T) -> T { T.pow(a, b) }
    var grain: Int { ElementwiseGrain.costly }

    /// Integer powers by squaring (wrapping); a negative exponent leaves only the integer
    /// part of 1/a^n, as C's pow followed by a cast does.
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        if b < 0 { return a == 1 ? 1 : (a == 0 &- 1 ? (b & 1 == 0 ? 1 : a) : 0) }
        var (result, base, exponent): (T, T, T) = (1, a, b)
        while exponent != 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let base = try Operands.required(inputs, 0)
        let exponent = try broadcast.align(try Operands.required(inputs, 1), to: base)
        if NumericType.isHalf(base.type) {
            let power = try self.power(HalfPrecision.widen(base), HalfPrecision.widen(exponent), threads: context.threads)
            return [HalfPrecision.narrow(power, to: base.type)]
        }
        return [try power(base, exponent, threads: context.threads)]
    }

    private func power(_ base: Tensor, _ exponent: Tensor, threads: Int) throws -> Tensor {
        if base.type == .float, exponent.type == .float, exponent.count == 1, exponent.elements(Float.self)[0] == 2 {
            return try UnaryMap.apply(Square(), base, threads: threads)
        }
        if base.type == exponent.type || Self.isReal(base.type) {
            return try apply(base, try Conversion.convert(exponent, to: base.type), threads: threads)
        }
        // Integer base, floating exponent: computed in double, truncated back to the base type.
        let power = try apply(try Conversion.convert(base, to: .double), try Conversion.convert(exponent, to: .double),
                              threads: threads)
        return try Conversion.convert(power, to: base.type)
    }

    private static func isReal(_ type: DataType) -> Bool { type == .float || type == .double }
}

/// x * x, Pow's most common exponent.
struct Square: VectorUnaryRule {
    func real<T: RealMath>(_ x: T) -> T { x * x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { x * x }
}

/// Unsigned integers only; shifting by the bit width or more gives 0.
struct BitShiftKernel: ArithmeticKernel {
    let broadcast: LegacyBroadcast
    let left: Bool

    init(_ node: KernelNode) throws {
        broadcast = LegacyBroadcast(node)
        let direction = node.string("direction", default: "")
        guard direction == "LEFT" || direction == "RIGHT" else {
            throw node.failure("attribute 'direction' must be LEFT or RIGHT, not '\(direction)'")
        }
        left = direction == "LEFT"
    }

    func real<T: RealMath>(_ a: T, _ b: T) -> T { .nan }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { left ? a << b : a >> b }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = try Operands.required(inputs, 0)
        guard [.uint8, .uint16, .uint32, .uint64].contains(x.type) else {
            throw RuntimeError.unsupported("BitShift takes unsigned integers, not \(x.type)")
        }
        return [try apply(x, try Operands.required(inputs, 1), threads: context.threads)]
    }
}

/// y = x < 0 ? slope * x : x, the slope broadcasting to x.
struct PReluKernel: ArithmeticKernel, VectorArithmetic {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a < 0 ? a * b : a }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a < 0 ? a &* b : a }
    @inline(__always) func vector(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: a * b, where: a .< 0) }
}
