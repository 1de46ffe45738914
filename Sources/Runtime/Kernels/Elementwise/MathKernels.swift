import CKernels
import ONNXModel

// Unary math functions. Integer types are accepted where the spec allows them (Abs, Neg,
// Sign); the rest take float, double, float16 and bfloat16.

struct SqrtKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.sqrt(x) }
    var grain: Int { ElementwiseGrain.cheap }
}

struct ExpKernel: UnaryKernel, VectorUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.exp(x) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { VectorMath.exp(x) }
}

struct LogKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.log(x) }
}

struct ErfKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.erf(x) }
    /// The C polynomial (libm's erff is scalar, ~5 ns an element); it handles every element
    /// of the range, tail included, so results do not depend on how threads split it.
    func floatLoop(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        qt_erf_f32(x + range.lowerBound, y + range.lowerBound, range.count)
    }
}

struct TanhKernel: UnaryKernel, VectorUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.tanh(x) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { VectorMath.tanh(x) }
}

struct SinKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.sin(x) }
}

struct CosKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { T.cos(x) }
}

struct ReciprocalKernel: UnaryKernel, VectorUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { 1 / x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { 1 / x }
    var grain: Int { ElementwiseGrain.cheap }
}

/// A rounding op: Floor, Ceil, and Round (half to even).
protocol RoundingKernel: UnaryKernel {
    var rule: FloatingPointRoundingRule { get }
}

extension RoundingKernel {
    func real<T: RealMath>(_ x: T) -> T { x.rounded(rule) }
    var grain: Int { ElementwiseGrain.cheap }
}

struct FloorKernel: RoundingKernel {
    init(_ node: KernelNode) {}
    var rule: FloatingPointRoundingRule { .down }
}

struct CeilKernel: RoundingKernel {
    init(_ node: KernelNode) {}
    var rule: FloatingPointRoundingRule { .up }
}

struct RoundKernel: RoundingKernel {
    init(_ node: KernelNode) {}
    var rule: FloatingPointRoundingRule { .toNearestOrEven }
}

struct AbsKernel: UnaryKernel, VectorUnaryRule, IntegerUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x.magnitude }
    func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 &- x : x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
    }
    var grain: Int { ElementwiseGrain.cheap }
}

struct NegKernel: UnaryKernel, VectorUnaryRule, IntegerUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { -x }
    func integer<T: FixedWidthInteger>(_ x: T) -> T { 0 &- x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { -x }
    var grain: Int { ElementwiseGrain.cheap }
}

/// -1, 0 or 1 (NaN stays NaN).
struct SignKernel: UnaryKernel, IntegerUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : x) }
    func integer<T: FixedWidthInteger>(_ x: T) -> T { x > 0 ? 1 : (x == 0 ? 0 : 0 &- 1) }
    var grain: Int { ElementwiseGrain.cheap }
}

struct IsNaNKernel: PredicateKernel {
    init(_ node: KernelNode) {}
    func test<T: RealMath>(_ x: T) -> Bool { x.isNaN }
}

struct IsInfKernel: PredicateKernel {
    let negative: Bool
    let positive: Bool

    init(_ node: KernelNode) {
        negative = node.int("detect_negative", default: 1) != 0
        positive = node.int("detect_positive", default: 1) != 0
    }

    func test<T: RealMath>(_ x: T) -> Bool { x.isInfinite && (x < 0 ? negative : positive) }
}

struct NotKernel: OpKernel {
    init(_ node: KernelNode) {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = try Operands.required(inputs, 0)
        guard x.type == .bool else { throw RuntimeError.unsupported("Not takes bool tensors, not \(x.type)") }
        return [UnaryMap.map(x, threads: context.threads, grain: ElementwiseGrain.cheap) { (source: UnsafePointer<Bool>, target, range) in
            for i in range { target[i] = !source[i] }
        }]
    }
}
