import Foundation

/// The ten Reduce* ops: one shared attribute reader and run path, one small type per op.
///
/// Axes come from the `axes` attribute before `axesInputSince` (13 for ReduceSum, 18 for the
/// others) and from the optional second input from then on, where `noop_with_empty_axes=1`
/// makes empty axes reduce nothing instead of everything.
enum ReduceOperation: Sendable {
    case sum, mean, max, min, prod, l1, l2, sumSquare, logSum, logSumExp

    /// The accumulator's starting value, which is also what an empty reduction starts from
    /// (so ReduceMax of nothing is -inf, ReduceProd of nothing is 1).
    var initial: Double {
        switch self {
        case .max: return -.infinity
        case .min: return .infinity
        case .prod: return 1
        default: return 0
        }
    }

    /// Folds one (shifted, for logSumExp) element into the accumulator.
    @inline(__always) func step(_ accumulator: Double, _ x: Double) -> Double {
        switch self {
        case .sum, .mean, .logSum: return accumulator + x
        case .max: return x > accumulator || x.isNaN ? x : accumulator
        case .min: return x < accumulator || x.isNaN ? x : accumulator
        case .prod: return accumulator * x
        case .l1: return accumulator + abs(x)
        case .l2, .sumSquare: return accumulator + x * x
        case .logSumExp: return accumulator + exp(x)
        }
    }

    /// The result from the accumulator over `count` elements (`shift` undoes logSumExp's).
    @inline(__always) func finish(_ accumulator: Double, count: Int, shift: Double) -> Double {
        switch self {
        case .mean: return accumulator / Double(count)
        case .l2: return accumulator.squareRoot()
        case .logSum: return log(accumulator)
        case .logSumExp: return log(accumulator) + shift
        default: return accumulator
        }
    }

    /// Whether the op only picks an element (so it applies to bool and compares exactly).
    var selects: Bool { self == .max || self == .min }
}

/// Attributes and axes handling common to the Reduce* ops.
struct ReduceAttributes {
    let operation: ReduceOperation
    let keepDims: Bool
    let noopWithEmptyAxes: Bool
    /// nil when axes come from the second input.
    let attributeAxes: [Int]?

    init(_ node: KernelNode, _ operation: ReduceOperation, axesInputSince: Int) {
        self.operation = operation
        keepDims = node.int("keepdims", default: 1) != 0
        noopWithEmptyAxes = node.int("noop_with_empty_axes", default: 0) != 0
        attributeAxes = node.opset >= axesInputSince ? nil : (node.ints("axes") ?? [])
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let data = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'data'") }
        var axes = attributeAxes ?? []
        if attributeAxes == nil, inputs.count > 1, let axesTensor = inputs[1] {
            guard axesTensor.type == .int64 || axesTensor.type == .int32 else {
                throw RuntimeError.invalidModel("input 'axes' must be int64, not \(axesTensor.type)")
            }
            axes = axesTensor.integers().map { Int(clamping: $0) }
        }
        // With noop_with_empty_axes, empty axes reduce each element alone: no reduction, but
        // ReduceL1 is still |x|, ReduceSumSquare x², ReduceLogSum log x (as the spec says).
        if axes.isEmpty && !noopWithEmptyAxes { axes = Array(0..<data.rank) }
        let normalized = try ReductionLayout.normalizedAxes(axes, rank: data.rank, name: "axis")
        let layout = ReductionLayout(shape: data.shape, axes: normalized, keepDims: keepDims)
        return [try Reducer.reduce(data, layout, operation, threads: context.threads)]
    }
}

/// What every Reduce* kernel type shares: it is its attributes plus the operation it names.
protocol ReduceKernel: OpKernel {
    static var operation: ReduceOperation { get }
    /// The opset from which axes are an input rather than an attribute.
    static var axesInputSince: Int { get }
    var attributes: ReduceAttributes { get }
    init(attributes: ReduceAttributes)
}

extension ReduceKernel {
    static var axesInputSince: Int { 18 }

    init(_ node: KernelNode) throws {
        self.init(attributes: ReduceAttributes(node, Self.operation, axesInputSince: Self.axesInputSince))
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        try attributes.run(inputs, context)
    }
}

struct ReduceSumKernel: ReduceKernel {
    static let operation = ReduceOperation.sum
    static let axesInputSince = 13
    let attributes: ReduceAttributes
}

struct ReduceMeanKernel: ReduceKernel {
    static let operation = ReduceOperation.mean
    let attributes: ReduceAttributes
}

struct ReduceMaxKernel: ReduceKernel {
    static let operation = ReduceOperation.max
    let attributes: ReduceAttributes
}

struct ReduceMinKernel: ReduceKernel {
    static let operation = ReduceOperation.min
    let attributes: ReduceAttributes
}

struct ReduceProdKernel: ReduceKernel {
    static let operation = ReduceOperation.prod
    let attributes: ReduceAttributes
}

struct ReduceL1Kernel: ReduceKernel {
    static let operation = ReduceOperation.l1
    let attributes: ReduceAttributes
}

struct ReduceL2Kernel: ReduceKernel {
    static let operation = ReduceOperation.l2
    let attributes: ReduceAttributes
}

struct ReduceSumSquareKernel: ReduceKernel {
    static let operation = ReduceOperation.sumSquare
    let attributes: ReduceAttributes
}

struct ReduceLogSumKernel: ReduceKernel {
    static let operation = ReduceOperation.logSum
    let attributes: ReduceAttributes
}

struct ReduceLogSumExpKernel: ReduceKernel {
    static let operation = ReduceOperation.logSumExp
    let attributes: ReduceAttributes
}
