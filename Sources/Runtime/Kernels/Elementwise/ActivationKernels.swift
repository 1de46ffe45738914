import CKernels
import ONNXModel

// Activation functions, with attributes read once and the spec's defaults. The cheap ones
// (Relu, LeakyRelu, HardSigmoid, HardSwish, Clip) and Sigmoid have SIMD forms.

struct ReluKernel: UnaryKernel, VectorUnaryRule, IntegerUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x < 0 ? 0 : x }
    func integer<T: FixedWidthInteger>(_ x: T) -> T { x < 0 ? 0 : x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { x.replacing(with: 0, where: x .< 0) }
    var grain: Int { ElementwiseGrain.cheap }
}

struct LeakyReluKernel: UnaryKernel, VectorUnaryRule {
    let alpha: Float
    init(_ node: KernelNode) { alpha = node.float("alpha", default: 0.01) }
    func real<T: RealMath>(_ x: T) -> T { x < 0 ? T(alpha) * x : x }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { x.replacing(with: x * alpha, where: x .< 0) }
    var grain: Int { ElementwiseGrain.cheap }
}

/// max(0, min(1, alpha * x + beta)).
struct HardSigmoidKernel: UnaryKernel, VectorUnaryRule {
    let alpha: Float
    let beta: Float
    private let unit = ClipRange(low: 0, high: 1)

    init(_ node: KernelNode) {
        alpha = node.float("alpha", default: 0.2)
        beta = node.float("beta", default: 0.5)
    }

    func real<T: RealMath>(_ x: T) -> T { unit.real(T(alpha) * x + T(beta)) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { unit.vector(x * alpha + beta) }
    var grain: Int { ElementwiseGrain.cheap }
}

/// x * max(0, min(1, x / 6 + 1/2)).
struct HardSwishKernel: UnaryKernel, VectorUnaryRule {
    private let sixth: Float = 1 / 6
    private let unit = ClipRange(low: 0, high: 1)

    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x * unit.real(x * T(sixth) + T(0.5)) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { x * unit.vector(x * sixth + 0.5) }
    var grain: Int { ElementwiseGrain.cheap }
}

struct SigmoidKernel: UnaryKernel, VectorUnaryRule {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }
    @inline(__always) func vector(_ x: FloatVector) -> FloatVector { VectorMath.sigmoid(x) }
}

struct EluKernel: UnaryKernel {
    let alpha: Float
    init(_ node: KernelNode) { alpha = node.float("alpha", default: 1) }
    func real<T: RealMath>(_ x: T) -> T { x < 0 ? T(alpha) * T.expm1(x) : x }
}

struct SeluKernel: UnaryKernel {
    let alpha: Float
    let gamma: Float

    init(_ node: KernelNode) {
        alpha = node.float("alpha", default: 1.673_263_192_176_818_847_656_25)
        gamma = node.float("gamma", default: 1.050_701_022_148_132_324_218_75)
    }

    func real<T: RealMath>(_ x: T) -> T { T(gamma) * (x > 0 ? x : T(alpha) * T.expm1(x)) }
}

/// log(1 + e^x), written so neither large nor very negative x loses it.
struct SoftplusKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x > 0 ? x + T.log1p(T.exp(-x)) : T.log1p(T.exp(x)) }
}

struct SoftsignKernel: UnaryKernel {
    init(_ node: KernelNode) {}
    func real<T: RealMath>(_ x: T) -> T { x / (1 + x.magnitude) }
    var grain: Int { ElementwiseGrain.cheap }
}

/// Opset 20: exact (erf) or tanh-approximated.
struct GeluKernel: UnaryKernel {
    let usesTanh: Bool

    init(_ node: KernelNode) throws {
        let approximate = node.string("approximate", default: "none")
        guard approximate == "none" || approximate == "tanh" else {
            throw node.failure("attribute 'approximate' must be 'none' or 'tanh', not '\(approximate)'")
        }
        usesTanh = approximate == "tanh"
    }

    func real<T: RealMath>(_ x: T) -> T {
        if usesTanh {
            let inner = T(0.797_884_560_802_865_4) * (x + T(0.044_715) * x * x * x)
            return T(0.5) * x * (1 + T.tanh(inner))
        }
        return T(0.5) * x * (1 + T.erf(x * T(0.707_106_781_186_547_5)))
    }

    /// The exact form on the vectorized erf (see ErfKernel), in passes over the range.
    func floatLoop(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        guard !usesTanh else { return referenceLoop(x, y, range) }
        for i in range { y[i] = x[i] * 0.707_106_781_186_547_5 }
        qt_erf_f32(y + range.lowerBound, y + range.lowerBound, range.count)
        for i in range { y[i] = 0.5 * x[i] * (1 + y[i]) }
    }
}

/// Bounds from attributes before opset 11, from optional scalar inputs since.
struct ClipKernel: OpKernel {
    let attributeBounds: (low: Float, high: Float)?

    init(_ node: KernelNode) {
        attributeBounds = node.opset < 11
            ? (node.float("min", default: -.greatestFiniteMagnitude), node.float("max", default: .greatestFiniteMagnitude))
            : nil
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = try Operands.required(inputs, 0)
        if let (low, high) = attributeBounds {
            return [try UnaryMap.applyReal(ClipRange(low: Double(low), high: Double(high)), x, threads: context.threads)]
        }
        let low = inputs.count > 1 ? inputs[1] : nil
        let high = inputs.count > 2 ? inputs[2] : nil
        for bound in [low, high].compactMap({ $0 }) where bound.count != 1 || bound.type != x.type {
            throw RuntimeError.invalidModel("min and max must be single \(x.type) values, got \(bound.type) \(bound.shape)")
        }
        if x.type == .float || x.type == .double || NumericType.isHalf(x.type) {
            let range = ClipRange(low: low.map(Self.value) ?? -.infinity, high: high.map(Self.value) ?? .infinity)
            return [try UnaryMap.applyReal(range, x, threads: context.threads)]
        }
        // Integers: max then min against the scalar bounds, which keeps every value exact.
        var result = x
        if let low { result = try Maximum().apply(result, low.reshaped([]), threads: context.threads) }
        if let high { result = try Minimum().apply(result, high.reshaped([]), threads: context.threads) }
        return [result]
    }

    private static func value(_ bound: Tensor) -> Double {
        let wide = HalfPrecision.widen(bound)
        return wide.type == .double ? wide.elements(Double.self)[0] : Double(wide.elements(Float.self)[0])
    }
}

/// Clamps to [low, high]; high wins when low > high (as numpy.clip), NaN passes through.
struct ClipRange: VectorUnaryRule {
    let low: Double
    let high: Double
    /// The bounds as floats once, not in every vector step.
    private let lowLanes: FloatVector
    private let highLanes: FloatVector

    init(low: Double, high: Double) {
        self.low = low
        self.high = high
        lowLanes = FloatVector(repeating: Float(low))
        highLanes = FloatVector(repeating: Float(high))
    }

    func real<T: RealMath>(_ x: T) -> T {
        let raised = x < T(low) ? T(low) : x
        return raised > T(high) ? T(high) : raised
    }

    @inline(__always) func vector(_ x: FloatVector) -> FloatVector {
        let raised = x.replacing(with: lowLanes, where: x .< lowLanes)
        return raised.replacing(with: highLanes, where: raised .> highLanes)
    }

    var grain: Int { ElementwiseGrain.cheap }
}
