import ONNXModel
import Runtime

// Ops that make tensors from shapes, attributes or scalars: Shape, Size, ConstantOfShape,
// Constant, Range. Shape and Size are where symbolic shape arithmetic starts.
extension ShapeOpRules {
    /// The input's dims (start/end from opset 15, clamped to the rank) as elements, so later
    /// Gather/Concat/Reshape see `batch` and `seq` rather than unknowns.
    static func shape(_ context: inout ShapeContext) throws {
        guard let dims = context.shape(0) else {
            context.set(0, type: .int64, shape: [nil])
            return
        }
        let rank = dims.count
        func clamped(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
        let start = context.opset >= 15 ? clamped(context.int("start", default: 0)) : 0
        let end = context.opset >= 15 ? max(start, clamped(context.int("end", default: rank))) : rank
        let picked = dims[start..<end].compactMap { $0 }
        if picked.count == end - start {
            context.set(0, .int64Vector(picked))
        } else {
            context.set(0, type: .int64, shape: [SymbolicDim(end - start)])
        }
    }

    static func size(_ context: inout ShapeContext) throws {
        context.set(0, context.shape(0).flatMap(product).map(TensorFact.int64Scalar) ?? TensorFact(type: .int64, shape: []))
    }

    /// A tensor of the shape input (elements possibly symbolic), typed as its value attribute
    /// (float when there is none).
    static func constantOfShape(_ context: inout ShapeContext) throws {
        let type = context.node.attribute("value")?.tensor?.elementType ?? .float
        context.set(0, type: type, shape: try shapeOperand(context, input: 0))
    }

    /// Constant's one value attribute: value (a tensor), sparse_value (opset 11), value_float(s),
    /// value_int(s) and value_string(s) (opset 12). The value is kept when it is small.
    static func constant(_ context: inout ShapeContext) throws {
        context.set(0, try constantFact(context))
    }

    private static func constantFact(_ context: ShapeContext) throws -> TensorFact {
        let node = context.node
        if let tensor = node.attribute("value")?.tensor { return InferenceRun.fact(of: tensor) }
        if let sparse = node.attribute("sparse_value")?.proto.sparseTensor {
            return TensorFact(type: sparse.values?.elementType, shape: sparse.dims.map { SymbolicDim(Int($0)) })
        }
        if context.has(attribute: "value_float") { return fact(of: Tensor(scalar: context.float("value_float", default: 0))) }
        if let floats = context.floats("value_floats") { return fact(of: Tensor(floats, shape: [floats.count])) }
        if let int = context.int("value_int") { return .int64Scalar(SymbolicDim(int)) }
        if let ints = context.ints("value_ints") { return fact(of: Tensor(ints.map { Int64($0) }, shape: [ints.count])) }
        if context.has(attribute: "value_string") { return TensorFact(type: .string, shape: []) }
        if let strings = node.attribute("value_strings")?.strings { return TensorFact(type: .string, shape: [SymbolicDim(strings.count)]) }
        throw ShapeError("Constant has no value attribute")
    }

    /// A small value is kept whole, as initializers are; a big one is a weight, not shape arithmetic.
    private static func fact(of value: Tensor) -> TensorFact {
        value.count <= InferenceRun.evaluationLimit ? TensorFact(value: value)
            : TensorFact(type: value.type, shape: value.shape.map { SymbolicDim($0) })
    }

    /// [⌈(limit − start) / delta⌉]: known when delta is, with start and limit possibly
    /// symbolic (Range(0, seq, 1) has seq elements).
    static func range(_ context: inout ShapeContext) throws {
        let type = context.type(0) ?? context.type(1) ?? context.type(2)
        let scalars = (0..<3).map { context.elements($0).flatMap { $0.count == 1 ? $0[0] : nil } }
        guard let start = scalars[0], let limit = scalars[1], let step = scalars[2]?.value else {
            context.set(0, type: type, shape: [nil])
            return
        }
        guard step != 0 else { throw ShapeError("delta must not be 0") }
        context.set(0, type: type, shape: [stepCount(from: start, to: limit, step: step)])
    }
}
