import CKernels
import ONNXModel

/// The larger value; NaN wins, as in numpy.maximum.
struct Maximum: VectorArithmetic {
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a.isNaN || a > b ? a : b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { Swift.max(a, b) }
    @inline(__always) func vector(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: b, where: b .> a .| b .!= b) }
}

/// The smaller value; NaN wins, as in numpy.minimum.
struct Minimum: VectorArithmetic {
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a.isNaN || a < b ? a : b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { Swift.min(a, b) }
    @inline(__always) func vector(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: b, where: b .< a .| b .!= b) }
}

struct Addition: NativeArithmetic {
    func real<T: RealMath>(_ a: T, _ b: T) -> T { a + b }
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T { a &+ b }
    var native: qt_binary_op { QT_ADD }
}

/// An op over any number of inputs, all broadcast together: a pairwise fold of its rule.
protocol VariadicKernel: OpKernel {
    associatedtype Rule: BinaryArithmetic
    var rule: Rule { get }
}

extension VariadicKernel {
    func fold(_ inputs: [Tensor?], threads: Int) throws -> Tensor {
        let tensors = inputs.compactMap { $0 }
        guard var result = tensors.first else { throw RuntimeError.invalidModel("needs at least one input") }
        try Operands.sameType(tensors)
        _ = try Operands.plan(tensors)
        for tensor in tensors.dropFirst() { result = try rule.apply(result, tensor, threads: threads) }
        return result
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [try fold(inputs, threads: context.threads)]
    }
}

struct MaxKernel: VariadicKernel {
    let rule = Maximum()
    init(_ node: KernelNode) {}
}

struct MinKernel: VariadicKernel {
    let rule = Minimum()
    init(_ node: KernelNode) {}
}

struct SumKernel: VariadicKernel {
    let rule = Addition()
    init(_ node: KernelNode) {}
}

struct MeanKernel: VariadicKernel {
    let rule = Addition()
    init(_ node: KernelNode) {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let count = inputs.compactMap { $0 }.count
        let sum = try fold(inputs, threads: context.threads)
        return [count == 1 ? sum : try UnaryMap.applyReal(DivideBy(divisor: Double(count)), sum, threads: context.threads)]
    }
}

struct DivideBy: VectorUnaryRule {
    let divisor: Double
    func real<T: RealMath>(_ x: T) -> T { x / T(divisor) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { x / Float(divisor) }
    var grain: Int { ElementwiseGrain.cheap }
}
