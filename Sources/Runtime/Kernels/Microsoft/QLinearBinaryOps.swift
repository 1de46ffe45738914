import ONNXModel

/// QLinearAdd and QLinearMul (com.microsoft): C = quantize(dequantize(A) op dequantize(B)) with
/// numpy broadcasting; inputs A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale,
/// C_zero_point. The arithmetic is that of onnxruntime's MLAS kernels on x86-64 with AVX2 (Add)
/// and SSE2 (Mul), so the rounding of every element matches theirs.
struct QLinearBinaryKernel: OpKernel {
    let node: KernelNode
    let isAdd: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        isAdd = node.opType == "QLinearAdd"
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let a = try Operands.required(inputs, 0), b = try Operands.required(inputs, 3)
        try Operands.sameType([a, b])
        let range = try QuantizedRange(a.type, node: node)
        let scalars = try [(1, 2), (4, 5), (6, 7)].map { try QuantizedScalar(inputs, scale: $0.0, zeroPoint: $0.1, node: node) }
        let (pa, pb, pc) = (scalars[0], scalars[1], scalars[2])
        let output = isAdd ? try map(a, b, QLinearAddRule(pa, pb, pc, range, a.shape, b.shape), context)
                           : try map(a, b, QLinearMulRule(pa, pb, pc, range), context)
        return [output]
    }

    /// out = rule(a, b) element by element with broadcasting, over the 8-bit storage type.
    private func map<Rule: QLinearRule>(_ a: Tensor, _ b: Tensor, _ rule: Rule, _ context: ExecutionContext) throws -> Tensor {
        func loop<T: FixedWidthInteger & TensorElement>(_: T.Type) throws -> Tensor {
            try BinaryLoop.map(a, b, output: a.type, threads: context.threads, grain: ElementwiseGrain.cheap,
                               QLinearElement<T, Rule>(rule: rule))
        }
        return a.type == .uint8 ? try loop(UInt8.self) : try loop(Int8.self)
    }
}

/// The integer result of one element from the two input codes, for any 8-bit type.
protocol QLinearRule {
    func code(_ a: Int32, _ b: Int32) -> Int32
}

/// A QLinearRule as the element function of BinaryLoop, over one storage type.
struct QLinearElement<T: FixedWidthInteger, Rule: QLinearRule>: ElementFunction {
    let rule: Rule
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T(truncatingIfNeeded: rule.code(Int32(a), Int32(b))) }
}

/// MlasQLinearAddKernelAvx2Helper. The zero points are folded into one constant (GCC contracts
/// rA·zA + rB·zB into a fused multiply-add there), then B and A join it by fused multiply-adds,
/// converted with CVTPS2DQ and saturated. onnxruntime hands a span whose input 0 is one
/// repeated value to the kernel as its B, so the roles of A and B swap then; the two orders
/// round differently in rare cases, hence the swap here.
struct QLinearAddRule: QLinearRule {
    let ratioFirst: Float, ratioSecond: Float, fixed: Float
    let swapped: Bool
    let range: QuantizedRange

    init(_ a: QuantizedScalar, _ b: QuantizedScalar, _ c: QuantizedScalar, _ range: QuantizedRange, _ shapeA: [Int], _ shapeB: [Int]) {
        swapped = OrtBroadcast.firstInputIsScalar(shapeA, shapeB)
        let (first, second) = swapped ? (b, a) : (a, b)
        ratioFirst = first.scale / c.scale
        ratioSecond = second.scale / c.scale
        fixed = Float(c.zeroPoint) - (ratioSecond * Float(second.zeroPoint)).addingProduct(ratioFirst, Float(first.zeroPoint))
        self.range = range
    }

    @inline(__always) func code(_ a: Int32, _ b: Int32) -> Int32 {
        let (x, y) = swapped ? (b, a) : (a, b)
        let sum = fixed.addingProduct(Float(y), ratioSecond).addingProduct(Float(x), ratioFirst)
        return range.saturate(Mlas.convert(sum))
    }
}

/// MlasQLinearMulKernel (SSE2): the exact integer product of the centred codes, times
/// A_scale·B_scale/C_scale, plus the zero point, each step rounded to float, then CVTPS2DQ
/// and saturation. The product commutes, so the operand order does not matter here.
struct QLinearMulRule: QLinearRule {
    let za: Int32, zb: Int32, zc: Float
    let ratio: Float
    let range: QuantizedRange

    init(_ a: QuantizedScalar, _ b: QuantizedScalar, _ c: QuantizedScalar, _ range: QuantizedRange) {
        (za, zb, zc) = (a.zeroPoint, b.zeroPoint, Float(c.zeroPoint))
        ratio = a.scale * b.scale / c.scale
        self.range = range
    }

    @inline(__always) func code(_ a: Int32, _ b: Int32) -> Int32 {
        range.saturate(Mlas.convert(Float((a - za) * (b - zb)) * ratio + zc))
    }
}

/// onnxruntime's element-wise Broadcaster, as far as its choice of kernel goes.
enum OrtBroadcast {
    /// Whether input 0 is the repeated value of each span (IsInput0Scalar). The Broadcaster
    /// decides at the innermost axis the two shapes share where either has more than one
    /// element (the outermost shared axis when none has); a rank-0 input 0 is always the
    /// scalar one, a rank-0 input 1 leaves it to input 0's last axis.
    static func firstInputIsScalar(_ a: [Int], _ b: [Int]) -> Bool {
        guard let lastA = a.last else { return true }
        guard !b.isEmpty else { return lastA <= 1 }
        let shared = min(a.count, b.count)
        for k in 1...shared {
            let (x, y) = (a[a.count - k], b[b.count - k])
            if max(x, y) > 1 || k == shared { return x <= 1 }
        }
        return true
    }
}
