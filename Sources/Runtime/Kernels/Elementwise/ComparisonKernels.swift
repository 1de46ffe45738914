import ONNXModel

/// A comparison of two same-typed inputs with numpy broadcasting, giving bool. Bool inputs
/// (Equal) compare as bytes; half types through float.
protocol ComparisonKernel: OpKernel {
    var broadcast: LegacyBroadcast { get }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

extension ComparisonKernel {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let a = try Operands.required(inputs, 0)
        let b = try broadcast.align(try Operands.required(inputs, 1), to: a)
        try Operands.sameType([a, b])
        if a.type == .bool {
            return [try BinaryLoop.map(a, b, output: .bool, threads: context.threads, grain: ElementwiseGrain.cheap,
                                       Comparison<Self, UInt8>(kernel: self))]
        }
        return [try HalfPrecision.computeInFloat([a, b]) { widened in
            let visitor = ComparisonVisitor(kernel: self, a: widened[0], b: widened[1], threads: context.threads)
            guard let result = try NumericType.visit(widened[0].type, visitor) else {
                throw RuntimeError.unsupported("\(a.type) tensors are not supported")
            }
            return result
        }]
    }
}

private struct ComparisonVisitor<Kernel: ComparisonKernel>: NumericVisitor {
    let kernel: Kernel
    let a: Tensor
    let b: Tensor
    let threads: Int

    func real<T: RealMath>(_: T.Type) throws -> Tensor { try compare(T.self) }
    func integer<T: IntegerElement>(_: T.Type) throws -> Tensor { try compare(T.self) }

    private func compare<T: Comparable>(_: T.Type) throws -> Tensor {
        try BinaryLoop.map(a, b, output: .bool, threads: threads, grain: ElementwiseGrain.cheap, Comparison<Kernel, T>(kernel: kernel))
    }
}

private struct Comparison<Kernel: ComparisonKernel, T: Comparable>: ElementFunction {
    let kernel: Kernel
    func callAsFunction(_ a: T, _ b: T) -> Bool { kernel.compare(a, b) }
}

struct EqualKernel: ComparisonKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}

struct LessKernel: ComparisonKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}

struct LessOrEqualKernel: ComparisonKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}

struct GreaterKernel: ComparisonKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}

struct GreaterOrEqualKernel: ComparisonKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}

/// And, Or, Xor: bool inputs with numpy broadcasting.
protocol LogicalKernel: OpKernel {
    var broadcast: LegacyBroadcast { get }
    func combine(_ a: Bool, _ b: Bool) -> Bool
}

extension LogicalKernel {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let a = try Operands.required(inputs, 0)
        let b = try broadcast.align(try Operands.required(inputs, 1), to: a)
        guard a.type == .bool, b.type == .bool else {
            throw RuntimeError.unsupported("logical ops take bool tensors, not \(a.type) and \(b.type)")
        }
        return [try BinaryLoop.map(a, b, output: .bool, threads: context.threads, grain: ElementwiseGrain.cheap,
                                   Combination(kernel: self))]
    }
}

private struct Combination<Kernel: LogicalKernel>: ElementFunction {
    let kernel: Kernel
    func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { kernel.combine(a, b) }
}

struct AndKernel: LogicalKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func combine(_ a: Bool, _ b: Bool) -> Bool { a && b }
}

struct OrKernel: LogicalKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func combine(_ a: Bool, _ b: Bool) -> Bool { a || b }
}

struct XorKernel: LogicalKernel {
    let broadcast: LegacyBroadcast
    init(_ node: KernelNode) { broadcast = LegacyBroadcast(node) }
    func combine(_ a: Bool, _ b: Bool) -> Bool { a != b }
}

/// condition ? X : Y, all three broadcast together; X and Y of any one type.
struct WhereKernel: OpKernel {
    init(_ node: KernelNode) {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let condition = try Operands.required(inputs, 0)
        let x = try Operands.required(inputs, 1)
        let y = try Operands.required(inputs, 2)
        guard condition.type == .bool else { throw RuntimeError.invalidModel("condition must be bool, not \(condition.type)") }
        try Operands.sameType([x, y])
        let plan = try Operands.plan([condition, x, y])
        let result = Tensor(uninitialized: x.type, shape: plan.outputShape)
        let selection = Selection(plan: plan, tensors: [condition, x, y, result], threads: context.threads)
        switch Tensor.elementSize(x.type) {
        case 1: selection.run(UInt8.self)
        case 2: selection.run(UInt16.self)
        case 4: selection.run(UInt32.self)
        case 8: selection.run(UInt64.self)
        case 16: selection.run(SIMD2<UInt64>.self)
        default: throw RuntimeError.unsupported("\(x.type) tensors are not supported")
        }
        return [result]
    }

    /// The selection loop for elements moved as opaque values of their width.
    private struct Selection {
        let plan: BroadcastPlan
        let tensors: [Tensor]
        let threads: Int

        func run<T>(_: T.Type) {
            let condition = Operands.pointer(tensors[0], Bool.self)
            let (x, y, out) = (Operands.pointer(tensors[1], T.self), Operands.pointer(tensors[2], T.self), Operands.pointer(tensors[3], T.self))
            let (stepC, stepX, stepY) = (plan.steps[0], plan.steps[1], plan.steps[2])
            plan.run(threads: threads, minimumPerThread: ElementwiseGrain.cheap) { offsets, start, count in
                let c = condition + offsets[0], a = x + offsets[1], b = y + offsets[2], z = out + start
                if stepC == 1 && stepX == 1 && stepY == 1 {
                    for i in 0..<count { z[i] = c[i] ? a[i] : b[i] }
                } else {
                    for i in 0..<count { z[i] = c[i * stepC] ? a[i * stepX] : b[i * stepY] }
                }
            }
        }
    }
}
