import Foundation

/// Einsum (opset 12): explicit (`ij,jk->ik`) and implicit (`ij,jk`) outputs, repeated labels
/// (diagonals and traces), `...` broadcast right-aligned across operands, size-1 broadcasting.
/// Two-operand equations that are a batched matrix product run on GEMM (EinsumProducts);
/// everything else runs the general contraction loop.
struct EinsumKernel: OpKernel {
    let equation: EinsumEquation

    init(_ node: KernelNode) throws {
        do {
            equation = try EinsumEquation(node.string("equation", default: ""))
        } catch let error as RuntimeError {
            throw node.failure(error.description)
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let result = try contract(inputs.compactMap { $0.map(HalfPrecision.widen) }, inputs.count, context.threads)
        return [HalfPrecision.narrow(result, to: inputs.first??.type ?? result.type)]
    }

    private func contract(_ operands: [Tensor], _ inputCount: Int, _ threads: Int) throws -> Tensor {
        guard operands.count == equation.inputs.count, operands.count == inputCount else {
            throw RuntimeError.invalidModel("equation has \(equation.inputs.count) operands, the node \(inputCount) inputs")
        }
        guard let type = operands.first?.type, operands.allSatisfy({ $0.type == type }) else {
            throw RuntimeError.invalidModel("Einsum operands must share one type, got \(operands.map(\.type))")
        }
        let plan = try EinsumPlan(equation, shapes: operands.map(\.shape))
        if let product = EinsumProducts.BatchedProduct(plan, shapes: operands.map(\.shape)) {
            switch type {
            case .float: return product.run(operands[0], operands[1], Float.self, threads: threads)
            case .double: return product.run(operands[0], operands[1], Double.self, threads: threads)
            default: break
            }
        }
        switch type {
        case .float: return plan.contract(operands, Float.self)
        case .double: return plan.contract(operands, Double.self)
        case .int64: return plan.contract(operands, Int64.self)
        case .int32: return plan.contract(operands, Int32.self)
        case .uint64: return plan.contract(operands, UInt64.self)
        case .uint32: return plan.contract(operands, UInt32.self)
        default: throw RuntimeError.unsupported("Einsum of \(type) tensors is not supported")
        }
    }
}

/// The parsed equation: per term, letters (as ASCII codes) and at most one ellipsis. Public
/// so shape inference reads equations exactly as the kernel does.
public struct EinsumEquation {
    public enum Token: Equatable { case label(Int), ellipsis }

    public let inputs: [[Token]]
    /// nil for the implicit form (no `->`).
    public let output: [Token]?

    public init(_ text: String) throws {
        let compact = text.filter { !$0.isWhitespace }
        let sides = compact.components(separatedBy: "->")
        guard sides.count <= 2, !compact.isEmpty else {
            throw RuntimeError.invalidModel("Einsum equation '\(text)' is malformed")
        }
        inputs = try sides[0].split(separator: ",", omittingEmptySubsequences: false).map { try Self.tokens(String($0), text) }
        output = sides.count == 2 ? try Self.tokens(sides[1], text) : nil
    }

    private static func tokens(_ term: String, _ equation: String) throws -> [Token] {
        var result: [Token] = []
        var rest = Substring(term)
        while let first = rest.first {
            if rest.hasPrefix("...") {
                guard !result.contains(.ellipsis) else {
                    throw RuntimeError.invalidModel("Einsum term '\(term)' of '\(equation)' has two ellipses")
                }
                result.append(.ellipsis)
                rest = rest.dropFirst(3)
            } else if let ascii = first.asciiValue, first.isLetter {
                result.append(.label(Int(ascii)))
                rest = rest.dropFirst()
            } else {
                throw RuntimeError.invalidModel("Einsum equation '\(equation)' has an invalid character '\(first)'")
            }
        }
        return result
    }
}

/// The equation resolved against operand shapes: one integer label per axis (ellipsis axes get
/// labels from 1000 on, right-aligned), the output labels, and each label's size.
struct EinsumPlan {
    let inputLabels: [[Int]]
    let outputLabels: [Int]
    let sizes: [Int: Int]

    private static let ellipsisBase = 1000

    init(_ equation: EinsumEquation, shapes: [[Int]]) throws {
        var ellipsisRanks: [Int] = []
        for (term, shape) in zip(equation.inputs, shapes) {
            let letters = term.filter { $0 != .ellipsis }.count
            let spanned = shape.count - letters
            guard spanned == 0 || (spanned > 0 && term.contains(.ellipsis)) else {
                throw RuntimeError.invalidModel("Einsum operand of shape \(shape) does not match its term of \(term.count) labels")
            }
            ellipsisRanks.append(spanned)
        }
        let ellipsisRank = ellipsisRanks.max() ?? 0
        func labels(_ term: [EinsumEquation.Token], spanning spanned: Int) -> [Int] {
            term.flatMap { token -> [Int] in
                switch token {
                case .label(let code): return [code]
                case .ellipsis: return (ellipsisRank - spanned..<ellipsisRank).map { Self.ellipsisBase + $0 }
                }
            }
        }
        inputLabels = zip(equation.inputs, ellipsisRanks).map { labels($0, spanning: $1) }
        sizes = try Self.labelSizes(inputLabels, shapes)
        if let output = equation.output {
            outputLabels = labels(output, spanning: ellipsisRank)
            guard Set(outputLabels).count == outputLabels.count, outputLabels.allSatisfy({ sizes[$0] != nil }) else {
                throw RuntimeError.invalidModel("Einsum output labels must be distinct and appear in an operand")
            }
        } else {
            // numpy's implicit output: the broadcast axes, then letters used once, alphabetically.
            let counts = Dictionary(inputLabels.joined().map { ($0, 1) }, uniquingKeysWith: +)
            let once = counts.filter { $0.key < Self.ellipsisBase && $0.value == 1 }.map(\.key).sorted()
            outputLabels = (0..<ellipsisRank).map { Self.ellipsisBase + $0 } + once
        }
    }

    private static func labelSizes(_ inputLabels: [[Int]], _ shapes: [[Int]]) throws -> [Int: Int] {
        var sizes: [Int: Int] = [:]
        for (labels, shape) in zip(inputLabels, shapes) {
            for (label, dim) in zip(labels, shape) {
                if let known = sizes[label], known != 1 {
                    guard dim == known || dim == 1 else {
                        throw RuntimeError.invalidModel("Einsum label sizes disagree: \(known) and \(dim)")
                    }
                } else {
                    sizes[label] = dim
                }
            }
        }
        return sizes
    }

    var outputShape: [Int] { outputLabels.map { sizes[$0] ?? 0 } }

    /// Labels that are summed away, in order of first appearance.
    var summedLabels: [Int] {
        var seen = Set(outputLabels)
        return inputLabels.joined().filter { seen.insert($0).inserted }
    }

    /// The general loop: for each output element, the sum over the summed labels of the
    /// product of the operands. Strides of repeated labels add up (a diagonal); size-1 axes get
    /// stride 0 (broadcast).
    func contract<T: EinsumElement>(_ operands: [Tensor], _: T.Type) -> Tensor {
        let output = Tensor(uninitialized: T.dataType, shape: outputShape)
        let y = output.reductionBuffer(T.self)
        let loops = outputLabels + summedLabels
        let sizes = loops.map { self.sizes[$0] ?? 0 }
        let n = operands.count, depth = loops.count
        var strides = [Int](repeating: 0, count: n * depth)
        for (k, operand) in operands.enumerated() {
            let own = Shapes.strides(operand.shape)
            for (axis, label) in inputLabels[k].enumerated() where operand.shape[axis] != 1 {
                if let loop = loops.firstIndex(of: label) { strides[k * depth + loop] += own[axis] }
            }
        }
        let pointers = operands.map { UnsafePointer($0.reductionBuffer(T.self)) }
        let outputCount = Shapes.count(Array(sizes[..<outputLabels.count]))
        let summedCount = Shapes.count(Array(sizes[outputLabels.count...]))
        var outer = Odometer(sizes: Array(sizes[..<outputLabels.count]), first: 0, strides: strides, operands: n, depth: depth)
        for o in 0..<outputCount {
            var total: T = 0
            if summedCount > 0 {
                var inner = Odometer(sizes: Array(sizes[outputLabels.count...]), first: outputLabels.count,
                                     strides: strides, operands: n, depth: depth, offsets: outer.offsets)
                for _ in 0..<summedCount {
                    var product: T = 1
                    for k in 0..<n { product = T.einsumProduct(product, pointers[k][inner.offsets[k]]) }
                    total = T.einsumSum(total, product)
                    inner.advance()
                }
            }
            y[o] = total
            outer.advance()
        }
        return output
    }
}

/// Row-major iteration over some loop labels, tracking each operand's element offset.
private struct Odometer {
    let sizes: [Int]
    let first: Int
    let strides: [Int]
    let operands: Int
    let depth: Int
    var index: [Int]
    var offsets: [Int]

    init(sizes: [Int], first: Int, strides: [Int], operands: Int, depth: Int, offsets: [Int]? = nil) {
        self.sizes = sizes
        self.first = first
        self.strides = strides
        self.operands = operands
        self.depth = depth
        index = [Int](repeating: 0, count: sizes.count)
        self.offsets = offsets ?? [Int](repeating: 0, count: operands)
    }

    mutating func advance() {
        var d = sizes.count - 1
        while d >= 0 {
            index[d] += 1
            for k in 0..<operands { offsets[k] += strides[k * depth + first + d] }
            if index[d] < sizes[d] { return }
            for k in 0..<operands { offsets[k] -= strides[k * depth + first + d] * sizes[d] }
            index[d] = 0
            d -= 1
        }
    }
}

/// Element types Einsum multiplies: floating types round, integers wrap like onnxruntime.
protocol EinsumElement: TensorElement, ExpressibleByIntegerLiteral {
    static func einsumProduct(_ a: Self, _ b: Self) -> Self
    static func einsumSum(_ a: Self, _ b: Self) -> Self
}

extension EinsumElement where Self: FixedWidthInteger {
    static func einsumProduct(_ a: Self, _ b: Self) -> Self { a &* b }
    static func einsumSum(_ a: Self, _ b: Self) -> Self { a &+ b }
}

extension EinsumElement where Self: BinaryFloatingPoint {
    static func einsumProduct(_ a: Self, _ b: Self) -> Self { a * b }
    static func einsumSum(_ a: Self, _ b: Self) -> Self { a + b }
}

extension Float: EinsumElement {}
extension Double: EinsumElement {}
extension Int64: EinsumElement {}
extension Int32: EinsumElement {}
extension UInt64: EinsumElement {}
extension UInt32: EinsumElement {}
