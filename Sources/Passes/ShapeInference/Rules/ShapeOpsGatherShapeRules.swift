import ONNXModel

// Ops that pick elements by index or by value: Gather, GatherElements, GatherND, Compress,
// NonZero, OneHot, TopK. (The Scatter ops keep their data's shape: `sameAsInput`.)
extension ShapeOpRules {
    /// data[..<axis] + indices + data[axis+1...]; picking from a shape vector with known
    /// indices picks its (symbolic) elements.
    static func gather(_ context: inout ShapeContext) throws {
        let data = context.input(0), indices = context.input(1)
        guard let dataShape = data.shape, let indexShape = indices.shape else {
            context.set(0, type: data.type, shape: nil)
            return
        }
        let axis = try context.normalize(axis: context.int("axis", default: 0), rank: dataShape.count)
        context.set(0, type: data.type, shape: Array(dataShape[..<axis]) + indexShape + dataShape[(axis + 1)...])
        if let elements = data.elements, dataShape.count == 1, let positions = indices.integers {
            let picked = try positions.map { position in
                let index = position < 0 ? position + elements.count : position
                guard elements.indices.contains(index) else { throw ShapeError("index \(position) is out of range for \(elements.count) elements") }
                return elements[index]
            }
            setElements(&context, 0, picked)
        }
    }

    static func gatherElements(_ context: inout ShapeContext) throws {
        context.set(0, type: context.type(0), shape: context.shape(1))
    }

    /// indices[..<-1] + data[batch_dims + k...], k being the last indices dim (batch_dims from opset 12).
    static func gatherND(_ context: inout ShapeContext) throws {
        let batchDims = context.opset >= 12 ? context.int("batch_dims", default: 0) : 0
        guard let data = context.shape(0), let indices = context.shape(1), let depth = indices.last??.value else {
            context.set(0, type: context.type(0), shape: nil)
            return
        }
        guard batchDims >= 0, batchDims + depth <= data.count, batchDims < indices.count else {
            throw ShapeError("indices \(indices) do not fit data of rank \(data.count) with batch_dims \(batchDims)")
        }
        context.set(0, type: context.type(0), shape: Array(indices.dropLast()) + data[(batchDims + depth)...])
    }

    /// How many elements Compress keeps is the count of true conditions (over the axis
    /// length), known only when the condition is; otherwise a fresh symbol.
    static func compress(_ context: inout ShapeContext) throws {
        let type = context.type(0)
        guard let axisGiven = context.int("axis") else {
            // Without an axis the input is flattened first.
            context.set(0, type: type, shape: [keptCount(context, length: context.shape(0).flatMap(product))])
            return
        }
        guard var shape = rankedInput(&context, outputType: type) else { return }
        let axis = try context.normalize(axis: axisGiven, rank: shape.count)
        shape[axis] = keptCount(context, length: shape[axis])
        context.set(0, type: type, shape: shape)
    }

    private static func keptCount(_ context: ShapeContext, length: SymbolicDim?) -> SymbolicDim {
        guard let condition = context.input(1).value, condition.type == .bool else { return context.freshSymbol("compress") }
        let flags = condition.scalars(Bool.self)
        // Conditions past the end of the axis select nothing.
        return SymbolicDim(flags.prefix(length?.value ?? flags.count).filter { $0 }.count)
    }

    /// [rank, count], the count only known after a run.
    static func nonZero(_ context: inout ShapeContext) throws {
        context.set(0, type: .int64, shape: [context.rank(0).map { SymbolicDim($0) }, context.freshSymbol("nonzero")])
    }

    /// The indices' shape with the depth (input 1, possibly symbolic) inserted at axis.
    static func oneHot(_ context: inout ShapeContext) throws {
        let type = context.type(2)
        guard var shape = rankedInput(&context, outputType: type) else { return }
        let axis = try context.normalize(axis: context.int("axis", default: -1), rank: shape.count + 1)
        shape.insert(context.elements(1).flatMap { $0.count == 1 ? $0[0] : nil }, at: axis)
        context.set(0, type: type, shape: shape)
    }

    /// Values and int64 indices: the input's shape with k along axis (k an attribute before
    /// opset 10, an input from 10).
    static func topK(_ context: inout ShapeContext) throws {
        let k = context.opset < 10 ? context.int("k").map { SymbolicDim($0) } : context.elements(1).flatMap { $0.count == 1 ? $0[0] : nil }
        var shape = context.shape(0)
        if let rank = shape?.count {
            let axis = try context.normalize(axis: context.int("axis", default: -1), rank: rank)
            shape?[axis] = k
        }
        context.set(0, type: context.type(0), shape: shape)
        context.set(1, type: .int64, shape: shape)
    }
}
