import CKernels
import ONNXModel

/// Sixteen floats at a time: a cache line, and lanes enough to keep every SIMD unit busy.
typealias FloatVector = SIMD16<Float>

extension UnsafePointer where Pointee == Float {
    @inline(__always) func vector(at i: Int) -> FloatVector {
        UnsafeRawPointer(self + i).loadUnaligned(as: FloatVector.self)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always) func storeVector(_ value: FloatVector, at i: Int) {
        UnsafeMutableRawPointer(self + i).storeBytes(of: value, as: FloatVector.self)
    }
}

/// Element pointers and checked inputs for the family's kernels.
enum Operands {
    static func pointer<T>(_ tensor: Tensor, _: T.Type) -> UnsafeMutablePointer<T> {
        tensor.storage.raw.assumingMemoryBound(to: T.self)
    }

    /// Input `index`, or an error when the node lacks it.
    static func required(_ inputs: [Tensor?], _ index: Int) throws -> Tensor {
        guard index < inputs.count, let tensor = inputs[index] else {
            throw RuntimeError.invalidModel("input \(index) is required but missing")
        }
        return tensor
    }

    static func plan(_ tensors: [Tensor]) throws -> BroadcastPlan {
        guard let plan = BroadcastPlan(tensors.map(\.shape)) else {
            let shapes = tensors.map { "\($0.shape)" }.joined(separator: ", ")
            throw RuntimeError.invalidModel("input shapes \(shapes) do not broadcast together")
        }
        return plan
    }

    static func sameType(_ tensors: [Tensor]) throws {
        guard let first = tensors.first?.type, tensors.allSatisfy({ $0.type == first }) else {
            throw RuntimeError.invalidModel("inputs have different types: \(tensors.map { "\($0.type)" }.joined(separator: ", "))")
        }
    }
}

/// One element-wise function of two values, as a type: loops generic over it are specialized
/// and inline it, where a closure would be called through a pointer for every element.
protocol ElementFunction {
    associatedtype Left
    associatedtype Right
    associatedtype Result
    func callAsFunction(_ a: Left, _ b: Right) -> Result
}

/// out = f(a, b) over every run of a plan, for any element types: the scalar path that every
/// binary op has, and the reference the SIMD float path is tested against.
enum BinaryLoop {
    static func run<F: ElementFunction>(_ plan: BroadcastPlan, _ a: UnsafePointer<F.Left>, _ b: UnsafePointer<F.Right>,
                                        _ out: UnsafeMutablePointer<F.Result>, threads: Int, grain: Int, _ f: F) {
        let (stepA, stepB) = (plan.steps[0], plan.steps[1])
        plan.run(threads: threads, minimumPerThread: grain) { offsets, start, count in
            let x = a + offsets[0], y = b + offsets[1], z = out + start
            switch (stepA, stepB) {
            case (1, 1): for i in 0..<count { z[i] = f(x[i], y[i]) }
            case (1, _): let v = y[0]; for i in 0..<count { z[i] = f(x[i], v) }
            case (_, 1): let u = x[0]; for i in 0..<count { z[i] = f(u, y[i]) }
            default: z.update(repeating: f(x[0], y[0]), count: count)
            }
        }
    }

    /// A new tensor of `type` (stored as F.Result) holding f(a, b) with numpy broadcasting.
    static func map<F: ElementFunction>(_ a: Tensor, _ b: Tensor, output type: DataType, threads: Int, grain: Int,
                                        _ f: F) throws -> Tensor {
        let plan = try Operands.plan([a, b])
        let result = Tensor(uninitialized: type, shape: plan.outputShape)
        run(plan, Operands.pointer(a, F.Left.self), Operands.pointer(b, F.Right.self), Operands.pointer(result, F.Result.self),
            threads: threads, grain: grain, f)
        return result
    }
}

/// An arithmetic rule's float/double form as an element function.
struct RealRule<Op: BinaryArithmetic, T: RealMath>: ElementFunction {
    let op: Op
    func callAsFunction(_ a: T, _ b: T) -> T { op.real(a, b) }
}

/// An arithmetic rule's integer form as an element function.
struct IntegerRule<Op: BinaryArithmetic, T: FixedWidthInteger>: ElementFunction {
    let op: Op
    func callAsFunction(_ a: T, _ b: T) -> T { op.integer(a, b) }
}

/// An arithmetic op element by element: its float/double rule and its integer rule.
protocol BinaryArithmetic {
    func real<T: RealMath>(_ a: T, _ b: T) -> T
    func integer<T: FixedWidthInteger>(_ a: T, _ b: T) -> T
    /// Integer rules that divide by b need it free of zeros (a trap otherwise).
    var dividesIntegers: Bool { get }
    /// Work per thread worth splitting for (see ElementwiseGrain).
    var grain: Int { get }
    /// The float loop: scalar, unless the rule has a vector form (VectorArithmetic).
    func floatRuns(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                   _ out: UnsafeMutablePointer<Float>, threads: Int)
}

/// An arithmetic rule with a SIMD form, used over whole vectors of each contiguous run.
protocol VectorArithmetic: BinaryArithmetic {
    func vector(_ a: FloatVector, _ b: FloatVector) -> FloatVector
}

extension BinaryArithmetic {
    var dividesIntegers: Bool { false }
    var grain: Int { ElementwiseGrain.cheap }

    func floatRuns(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                   _ out: UnsafeMutablePointer<Float>, threads: Int) {
        BinaryLoop.run(plan, a, b, out, threads: threads, grain: grain, RealRule<Self, Float>(op: self))
    }

    /// op(a, b) with numpy broadcasting, for any numeric type (half types through float).
    func apply(_ a: Tensor, _ b: Tensor, threads: Int) throws -> Tensor {
        try Operands.sameType([a, b])
        return try HalfPrecision.computeInFloat([a, b]) { widened in
            let visitor = ArithmeticVisitor(op: self, a: widened[0], b: widened[1], threads: threads)
            guard let result = try NumericType.visit(widened[0].type, visitor) else {
                throw RuntimeError.unsupported("\(a.type) tensors are not supported")
            }
            return result
        }
    }
}

extension VectorArithmetic {
    /// Whole vectors inside each run, the scalar rule for the tail.
    func floatRuns(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                   _ out: UnsafeMutablePointer<Float>, threads: Int) {
        let (stepA, stepB) = (plan.steps[0], plan.steps[1])
        let width = FloatVector.scalarCount
        plan.run(threads: threads, minimumPerThread: grain) { offsets, start, count in
            let x = a + offsets[0], y = b + offsets[1], z = out + start
            var i = 0
            switch (stepA, stepB) {
            case (1, 1):
                while i + width <= count { z.storeVector(vector(x.vector(at: i), y.vector(at: i)), at: i); i += width }
                while i < count { z[i] = real(x[i], y[i]); i += 1 }
            case (1, _):
                let v = y[0], lanes = FloatVector(repeating: v)
                while i + width <= count { z.storeVector(vector(x.vector(at: i), lanes), at: i); i += width }
                while i < count { z[i] = real(x[i], v); i += 1 }
            case (_, 1):
                let u = x[0], lanes = FloatVector(repeating: u)
                while i + width <= count { z.storeVector(vector(lanes, y.vector(at: i)), at: i); i += width }
                while i < count { z[i] = real(u, y[i]); i += 1 }
            default:
                z.update(repeating: real(x[0], y[0]), count: count)
            }
        }
    }
}

/// An arithmetic rule whose float runs go through the C loop (AVX-512 or AVX2, 16 or 8 lanes
/// where Swift's SIMD types get SSE on the baseline target); the results are the same.
protocol NativeArithmetic: BinaryArithmetic {
    var native: qt_binary_op { get }
}

extension NativeArithmetic {
    func floatRuns(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                   _ out: UnsafeMutablePointer<Float>, threads: Int) {
        let (stepA, stepB) = (Int32(plan.steps[0]), Int32(plan.steps[1]))
        plan.run(threads: threads, minimumPerThread: grain) { offsets, start, count in
            qt_binary_f32(native, a + offsets[0], stepA, b + offsets[1], stepB, out + start, count)
        }
    }
}

private struct ArithmeticVisitor<Op: BinaryArithmetic>: NumericVisitor {
    let op: Op
    let a: Tensor
    let b: Tensor
    let threads: Int

    func real<T: RealMath>(_: T.Type) throws -> Tensor {
        let plan = try Operands.plan([a, b])
        let result = Tensor(uninitialized: T.dataType, shape: plan.outputShape)
        if T.self == Float.self {
            op.floatRuns(plan, Operands.pointer(a, Float.self), Operands.pointer(b, Float.self),
                         Operands.pointer(result, Float.self), threads: threads)
        } else {
            BinaryLoop.run(plan, Operands.pointer(a, T.self), Operands.pointer(b, T.self), Operands.pointer(result, T.self),
                           threads: threads, grain: op.grain, RealRule<Op, T>(op: op))
        }
        return result
    }

    func integer<T: IntegerElement>(_: T.Type) throws -> Tensor {
        if op.dividesIntegers && b.elements(T.self).contains(0) {
            throw RuntimeError.invalidModel("integer division by zero")
        }
        return try BinaryLoop.map(a, b, output: T.dataType, threads: threads, grain: op.grain, IntegerRule<Op, T>(op: op))
    }
}

/// Opsets before 7 broadcast only with `broadcast=1`, aligning B with A at `axis` (or at
/// A's trailing axes); B reshaped with trailing ones gives numpy broadcasting the same result.
struct LegacyBroadcast {
    let axis: Int?

    init(_ node: KernelNode) {
        axis = node.opset < 7 && node.int("broadcast", default: 0) == 1 ? node.int("axis") : nil
    }

    func align(_ b: Tensor, to a: Tensor) throws -> Tensor {
        guard let axis else { return b }
        guard let start = Shapes.normalizeAxis(axis, rank: a.rank), start + b.rank <= a.rank else {
            throw RuntimeError.invalidModel("legacy broadcast axis \(axis) does not fit B \(b.shape) into A \(a.shape)")
        }
        return b.reshaped(b.shape + Array(repeating: 1, count: a.rank - start - b.rank))
    }
}

/// A binary arithmetic op: inputs A and B of one type, output of that type.
protocol ArithmeticKernel: OpKernel, BinaryArithmetic {
    var broadcast: LegacyBroadcast { get }
}

extension ArithmeticKernel {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let a = try Operands.required(inputs, 0)
        let b = try broadcast.align(try Operands.required(inputs, 1), to: a)
        return [try apply(a, b, threads: context.threads)]
    }
}
