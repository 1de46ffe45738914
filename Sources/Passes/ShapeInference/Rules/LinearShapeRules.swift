import ONNXModel
import Runtime

extension ShapeRules {
    static let linear: [String: ShapeRule] = [
        "MatMul": { context in context.set(0, type: context.type(0), shape: try matMulShape(context.shape(0), context.shape(1))) },
        "Gemm": gemm,
        "Einsum": einsum,
    ]

    /// numpy's matmul (MatMul, and the quantized MatMulInteger and QLinearMatMul): a 1-D
    /// operand is a matrix with a 1 put before (A) or after (B) its dim, and that axis is left
    /// out of the result; the leading axes broadcast.
    static func matMulShape(_ a: [SymbolicDim?]?, _ b: [SymbolicDim?]?) throws -> [SymbolicDim?]? {
        guard let a, let b else { return nil }
        guard !a.isEmpty, !b.isEmpty else { throw ShapeError("matrix product operands must not be scalars") }
        let left = a.count == 1 ? [SymbolicDim(1)] + a : a
        let right = b.count == 1 ? b + [SymbolicDim(1)] : b
        try requireMatchingDims(left[left.count - 1], right[right.count - 2], "the inner dims of a matrix product")
        var result = try Broadcast.shape([Array(left.dropLast(2)), Array(right.dropLast(2))]) ?? []
        if a.count > 1 { result.append(left[left.count - 2]) }
        if b.count > 1 { result.append(right[right.count - 1]) }
        return result
    }

    /// Throws when two dims that must be equal are both concrete and differ; a symbol may
    /// still turn out equal at run time.
    static func requireMatchingDims(_ a: SymbolicDim?, _ b: SymbolicDim?, _ what: String) throws {
        if let x = a?.value, let y = b?.value, x != y {
            throw ShapeError("\(what) differ: \(x) and \(y)")
        }
    }

    /// Y = alpha·A'·B' + beta·C, always a matrix [M, N] (C only broadcasts into it).
    private static func gemm(_ context: inout ShapeContext) throws {
        let a = try gemmOperand(context, 0, transposed: context.int("transA", default: 0) != 0)
        let b = try gemmOperand(context, 1, transposed: context.int("transB", default: 0) != 0)
        try requireMatchingDims(a.columns, b.rows, "Gemm's inner dims")
        context.set(0, type: context.type(0) ?? context.type(1), shape: [a.rows, b.columns])
    }

    /// An operand's rows and columns after the optional transpose; nil dims when unknown.
    private static func gemmOperand(_ context: ShapeContext, _ i: Int, transposed: Bool)
        throws -> (rows: SymbolicDim?, columns: SymbolicDim?) {
        guard let shape = context.shape(i) else { return (nil, nil) }
        guard shape.count == 2 else { throw ShapeError("Gemm input \(i) must be a matrix, not rank \(shape.count)") }
        return transposed ? (shape[1], shape[0]) : (shape[0], shape[1])
    }

    // MARK: Einsum

    /// Output dims come from the letters' sizes in the inputs; `...` stands for the broadcast
    /// of every operand's ellipsis dims. The equation is parsed by the kernel's own parser.
    private static func einsum(_ context: inout ShapeContext) throws {
        let equation = try EinsumEquation(context.string("equation", default: ""))
        guard equation.inputs.count == context.inputCount else {
            throw ShapeError("equation has \(equation.inputs.count) operands, the node \(context.inputCount) inputs")
        }
        var labels = EinsumLabels()
        for (i, term) in equation.inputs.enumerated() {
            try labels.read(term, shape: context.shape(i))
        }
        let output = equation.output ?? labels.implicitOutput(equation.inputs)
        context.set(0, type: context.type(0), shape: try labels.shape(of: output))
    }
}

/// What the operands tell about each Einsum letter and about the ellipsis.
private struct EinsumLabels {
    /// Letters seen on an operand of known rank, with their (possibly unknown) size.
    var sizes: [Int: SymbolicDim?] = [:]
    /// Each operand's ellipsis dims; nil for an operand whose rank is unknown.
    var ellipses: [[SymbolicDim?]?] = []

    mutating func read(_ term: [EinsumEquation.Token], shape: [SymbolicDim?]?) throws {
        let hasEllipsis = term.contains(.ellipsis)
        guard let shape else {
            // Nothing is known of this operand's letters; its ellipsis makes the output rank unknown.
            if hasEllipsis { ellipses.append(nil) }
            return
        }
        let letters = term.count - (hasEllipsis ? 1 : 0)
        guard shape.count == letters || (hasEllipsis && shape.count > letters) else {
            throw ShapeError("operand of rank \(shape.count) does not fit its term of \(letters) letters")
        }
        var axis = 0
        for token in term {
            switch token {
            case .label(let code):
                // Size-1 axes broadcast, as the kernel allows.
                sizes[code] = try sizes[code].map { try Broadcast.combine($0, shape[axis]) } ?? shape[axis]
                axis += 1
            case .ellipsis:
                let spanned = shape.count - letters
                ellipses.append(Array(shape[axis..<axis + spanned]))
                axis += spanned
            }
        }
    }

    /// numpy's implicit output: the ellipsis, then the letters used once, alphabetically.
    func implicitOutput(_ inputs: [[EinsumEquation.Token]]) -> [EinsumEquation.Token] {
        var counts: [Int: Int] = [:]
        for case .label(let code) in inputs.joined() { counts[code, default: 0] += 1 }
        let once = counts.filter { $0.value == 1 }.keys.sorted().map(EinsumEquation.Token.label)
        return (ellipses.isEmpty ? [] : [.ellipsis]) + once
    }

    func shape(of output: [EinsumEquation.Token]) throws -> [SymbolicDim?]? {
        var shape: [SymbolicDim?] = []
        for token in output {
            switch token {
            case .label(let code):
                shape.append(sizes[code] ?? nil)
            case .ellipsis:
                guard let broadcast = try Broadcast.shape(ellipses) else { return nil }
                shape += broadcast
            }
        }
        return shape
    }
}
