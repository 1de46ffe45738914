import ONNXModel

/// A function applied element by element to float and double tensors (half types through
/// float).
protocol UnaryRule {
    func real<T: RealMath>(_ x: T) -> T
    /// Work per thread worth splitting for (see ElementwiseGrain).
    var grain: Int { get }
    /// The float loop: scalar, unless the rule has a vector form (VectorUnaryRule).
    func floatLoop(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>)
}

/// A unary rule with a SIMD form. Only formulas built from arithmetic, comparisons and
/// `replacing` belong here: Swift's SIMD `clamped`, `pointwiseMin`, `squareRoot` and
/// `rounded` run lane by lane, slower than the plain scalar loop.
protocol VectorUnaryRule: UnaryRule {
    func vector(_ x: FloatVector) -> FloatVector
}

/// A unary rule that integer tensors accept too.
protocol IntegerUnaryRule: UnaryRule {
    func integer<T: FixedWidthInteger>(_ x: T) -> T
}

extension UnaryRule {
    var grain: Int { ElementwiseGrain.costly }

    func floatLoop(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        referenceLoop(x, y, range)
    }

    /// The scalar loop, and the reference the SIMD one is tested against.
    func referenceLoop<T: RealMath>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ range: Range<Int>) {
        for i in range { y[i] = real(x[i]) }
    }
}

extension VectorUnaryRule {
    /// Whole vectors, then the scalar rule for the tail.
    func floatLoop(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        let width = FloatVector.scalarCount
        var i = range.lowerBound
        while i + width <= range.upperBound {
            y.storeVector(vector(x.vector(at: i)), at: i)
            i += width
        }
        referenceLoop(x, y, i..<range.upperBound)
    }
}

enum UnaryMap {
    static func apply<Rule: UnaryRule>(_ rule: Rule, _ x: Tensor, threads: Int) throws -> Tensor {
        try applyReal(rule, x, threads: threads)
    }

    static func apply<Rule: IntegerUnaryRule>(_ rule: Rule, _ x: Tensor, threads: Int) throws -> Tensor {
        guard let result = try NumericType.visit(x.type, IntegerUnaryVisitor(rule: rule, x: x, threads: threads)) else {
            return try applyReal(rule, x, threads: threads)
        }
        return result
    }

    /// Float (SIMD), double, and half types through float.
    static func applyReal<Rule: UnaryRule>(_ rule: Rule, _ x: Tensor, threads: Int) throws -> Tensor {
        try HalfPrecision.computeInFloat([x]) { widened in
            let x = widened[0]
            switch x.type {
            case .float:
                return map(x, threads: threads, grain: rule.grain) { (source: UnsafePointer<Float>, target, range) in
                    rule.floatLoop(source, target, range)
                }
            case .double:
                return map(x, threads: threads, grain: rule.grain) { (source: UnsafePointer<Double>, target, range) in
                    rule.referenceLoop(source, target, range)
                }
            default:
                throw RuntimeError.unsupported("\(x.type) tensors are not supported")
            }
        }
    }

    /// A new tensor like x, filled by `body` over parallel ranges of the flat buffer. Ranges
    /// start at multiples of the vector width, so every element goes through the same (SIMD
    /// or scalar) formula whatever the thread count, and results do not depend on it.
    static func map<T>(_ x: Tensor, threads: Int, grain: Int,
                       _ body: (UnsafePointer<T>, UnsafeMutablePointer<T>, Range<Int>) -> Void) -> Tensor {
        let result = Tensor(uninitialized: x.type, shape: x.shape)
        let source = UnsafePointer(Operands.pointer(x, T.self))
        let target = Operands.pointer(result, T.self)
        let width = FloatVector.scalarCount
        let count = x.count
        parallelRanges((count + width - 1) / width, threads: threads, minimumPerThread: grain / width) { blocks in
            body(source, target, blocks.lowerBound * width..<Swift.min(blocks.upperBound * width, count))
        }
        return result
    }
}

private struct IntegerUnaryVisitor<Rule: IntegerUnaryRule>: NumericVisitor {
    let rule: Rule
    let x: Tensor
    let threads: Int

    func real<T: RealMath>(_: T.Type) throws -> Tensor { try UnaryMap.applyReal(rule, x, threads: threads) }

    func integer<T: IntegerElement>(_: T.Type) -> Tensor {
        UnaryMap.map(x, threads: threads, grain: ElementwiseGrain.cheap) { (source: UnsafePointer<T>, target, range) in
            for i in range { target[i] = rule.integer(source[i]) }
        }
    }
}

/// A unary op whose rule is the kernel itself: one input, output of the same type.
protocol UnaryKernel: OpKernel, UnaryRule {}

extension UnaryKernel {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [try UnaryMap.apply(self, try Operands.required(inputs, 0), threads: context.threads)]
    }
}

extension UnaryKernel where Self: IntegerUnaryRule {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [try UnaryMap.apply(self, try Operands.required(inputs, 0), threads: context.threads)]
    }
}

/// A test of each float element, giving a bool tensor (IsNaN, IsInf).
protocol PredicateKernel: OpKernel {
    func test<T: RealMath>(_ x: T) -> Bool
}

extension PredicateKernel {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = HalfPrecision.widen(try Operands.required(inputs, 0))
        let result = Tensor(uninitialized: .bool, shape: x.shape)
        let target = result.mutableElements(Bool.self)
        switch x.type {
        case .float: for (i, value) in x.elements(Float.self).enumerated() { target[i] = test(value) }
        case .double: for (i, value) in x.elements(Double.self).enumerated() { target[i] = test(value) }
        default: throw RuntimeError.unsupported("\(x.type) tensors are not supported")
        }
        return [result]
    }
}
