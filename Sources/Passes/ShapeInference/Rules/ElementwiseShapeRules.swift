import ONNXModel

extension ShapeRules {
    static let elementwise: [String: ShapeRule] = {
        var table: [String: ShapeRule] = [:]
        for op in ["Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Erf", "Tanh",
                   "Sin", "Cos", "Sigmoid", "HardSigmoid", "HardSwish", "Relu", "LeakyRelu", "Elu", "Selu", "Softplus",
                   "Softsign", "Gelu", "Clip", "Not"] {
            table[op] = sameAsInput
        }
        for op in ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "PRelu", "Min", "Max", "Sum", "Mean"] {
            table[op] = { try broadcast(&$0, type: $0.type(0)) }
        }
        for op in ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor"] {
            table[op] = { try broadcast(&$0, type: .bool) }
        }
        table["IsNaN"] = { $0.set(0, type: .bool, shape: $0.shape(0)) }
        table["IsInf"] = { $0.set(0, type: .bool, shape: $0.shape(0)) }
        table["Where"] = { context in
            context.set(0, type: context.type(1) ?? context.type(2),
                        shape: try Broadcast.shape([context.shape(0), context.shape(1), context.shape(2)]))
            context.outputs[0].elements = selectedElements(context)
        }
        table["Cast"] = { context in
            context.set(0, type: context.int("to").flatMap { DataType(rawValue: Int32(truncatingIfNeeded: $0)) },
                        shape: context.shape(0))
            keepIntegerElements(&context)
        }
        table["CastLike"] = { context in
            context.set(0, type: context.type(1), shape: context.shape(0))
            keepIntegerElements(&context)
        }
        return table
    }()

    /// Broadcast of all inputs; integer shape arithmetic on rank-0/1 tensors is carried through
    /// symbolically (Shape → Gather → Mul → Concat gives `batch*seq`).
    private static func broadcast(_ context: inout ShapeContext, type: DataType?) throws {
        let shapes = (0..<context.inputCount).filter(context.has).map(context.shape)
        context.set(0, type: type, shape: try Broadcast.shape(shapes))
        if let elements = symbolicArithmetic(context) { context.outputs[0].elements = elements }
    }

    private static func symbolicArithmetic(_ context: ShapeContext) -> [SymbolicDim]? {
        guard context.inputCount == 2, let a = context.elements(0), let b = context.elements(1),
              context.outputs[0].rank.map({ $0 <= 1 }) == true,
              a.count == b.count || a.count == 1 || b.count == 1 else { return nil }
        let count = max(a.count, b.count)
        let pairs = (0..<count).map { (a[a.count == 1 ? 0 : $0], b[b.count == 1 ? 0 : $0]) }
        switch context.node.opType {
        case "Add": return pairs.map { $0 + $1 }
        case "Sub": return pairs.map { $0 - $1 }
        case "Mul": return pairs.map { $0 * $1 }
        case "Equal":
            // As 0/1 elements, so a Where on the result can pick (the -1 test in exported
            // Expand/Reshape shape arithmetic).
            var flags: [SymbolicDim] = []
            for (x, y) in pairs {
                guard let equal = decideEqual(x, y) else { return nil }
                flags.append(SymbolicDim(equal ? 1 : 0))
            }
            return flags
        case "Div":
            // Integer division truncates: exact quotients, or a positive constant divisor of a
            // symbolic (so non-negative) dim.
            var quotients: [SymbolicDim] = []
            for (x, y) in pairs {
                if let exact = x.dividedExactly(by: y) { quotients.append(exact); continue }
                guard let k = y.value, k > 0, x.isSymbolic else { return nil }
                quotients.append(x.floorDivided(by: k))
            }
            return quotients
        default: return nil
        }
    }

    /// Whether two elements are equal, when that can be known before a run: symbolic dims
    /// are never negative.
    private static func decideEqual(_ x: SymbolicDim, _ y: SymbolicDim) -> Bool? {
        if x == y { return true }
        if x.value != nil && y.value != nil { return false }
        if let constant = x.value ?? y.value, constant < 0, (x.value == nil ? x : y).isNeverNegative { return false }
        return nil
    }

    /// Where over 0/1 condition elements and element-tracked branches (broadcasting size 1).
    private static func selectedElements(_ context: ShapeContext) -> [SymbolicDim]? {
        guard let condition = context.input(0).integers, let x = context.elements(1), let y = context.elements(2),
              context.outputs[0].rank.map({ $0 <= 1 }) == true else { return nil }
        let count = max(condition.count, x.count, y.count)
        guard [condition.count, x.count, y.count].allSatisfy({ $0 == count || $0 == 1 }) else { return nil }
        func at<T>(_ list: [T], _ i: Int) -> T { list[list.count == 1 ? 0 : i] }
        return (0..<count).map { at(condition, $0) != 0 ? at(x, $0) : at(y, $0) }
    }

    /// Casting between integer types keeps the (symbolic) elements.
    private static func keepIntegerElements(_ context: inout ShapeContext) {
        guard let elements = context.elements(0), let type = context.outputs[0].type,
              [.int64, .int32].contains(type) else { return }
        context.outputs[0].elements = elements
    }
}
