import ONNXModel
import Runtime

// Ops that cut, join or grow tensors along axes: Concat, Split, Slice, Expand, Tile, Pad.
extension ShapeOpRules {
    static func concat(_ context: inout ShapeContext) throws {
        let facts = (0..<context.inputCount).filter(context.has).map(context.input)
        let type = facts.lazy.compactMap(\.type).first
        guard let axis = context.int("axis") else { throw ShapeError("Concat needs its axis attribute") }
        let shapes = facts.compactMap(\.shape)
        guard let rank = shapes.first?.count else {
            context.set(0, type: type, shape: nil)
            return
        }
        guard shapes.allSatisfy({ $0.count == rank }) else { throw ShapeError("inputs of ranks \(shapes.map(\.count)) do not concatenate") }
        let joined = try context.normalize(axis: axis, rank: rank)
        var shape = try (0..<rank).map { axis in axis == joined ? nil : try agreed(shapes.map { $0[axis] }) }
        // The joined axis is only known when every input's is.
        if shapes.count == facts.count { shape[joined] = sum(shapes.map { $0[joined] }) }
        context.set(0, type: type, shape: shape)
        let pieces = facts.compactMap(\.elements)
        if rank == 1 && pieces.count == facts.count { setElements(&context, 0, pieces.flatMap { $0 }) }
    }

    /// The dim inputs that must agree have: a concrete size if any gives one, else a symbol.
    private static func agreed(_ dims: [SymbolicDim?]) throws -> SymbolicDim? {
        let known = dims.compactMap { $0 }
        let sizes = Set(known.compactMap(\.value))
        guard sizes.count <= 1 else { throw ShapeError("dims \(sizes.sorted()) disagree") }
        return known.first { $0.value != nil } ?? known.first
    }

    /// Split: sizes from the split attribute before opset 13, the split input from 13, else
    /// equal parts (from opset 18 with num_outputs the last part may be smaller).
    static func split(_ context: inout ShapeContext) throws {
        let type = context.type(0)
        guard let shape = context.shape(0) else {
            for i in 0..<context.outputCount { context.set(i, type: type, shape: nil) }
            return
        }
        let axis = try context.normalize(axis: context.int("axis", default: 0), rank: shape.count)
        let sizes = try splitSizes(context, length: shape[axis])
        for (i, size) in sizes.enumerated() {
            var part = shape
            part[axis] = size
            context.set(i, type: type, shape: part)
        }
        // A split shape vector keeps its elements when every part's length is known.
        let lengths = sizes.compactMap { $0?.value }
        if let elements = context.input(0).elements, lengths.count == sizes.count, lengths.reduce(0, +) == elements.count {
            var start = 0
            for (i, length) in lengths.enumerated() {
                setElements(&context, i, Array(elements[start..<(start + length)]))
                start += length
            }
        }
    }

    private static func splitSizes(_ context: ShapeContext, length: SymbolicDim?) throws -> [SymbolicDim?] {
        let parts = context.outputCount
        switch list(context, attribute: "split", input: 1, inputSince: 13) {
        case .known(let sizes):
            guard sizes.count == parts else { throw ShapeError("split has \(sizes.count) sizes for \(parts) outputs") }
            if let total = sizes.reduce(SymbolicDim(0), +).value, let size = length?.value, total != size {
                throw ShapeError("split sizes \(sizes) do not add up to \(size)")
            }
            return sizes
        case .unknown:
            return unknownDims(parts)
        case .absent:
            guard parts > 0 else { throw ShapeError("Split has no outputs") }
            guard let length else { return unknownDims(parts) }
            if let equal = length.dividedExactly(by: SymbolicDim(parts)) { return Array(repeating: equal, count: parts) }
            guard context.opset >= 18 && context.has(attribute: "num_outputs") else {
                if let size = length.value { throw ShapeError("\(size) does not split into \(parts) equal parts") }
                return unknownDims(parts)
            }
            let chunk = length.ceilDivided(by: parts)
            return Array(repeating: chunk, count: parts - 1) + [length - chunk * SymbolicDim(parts - 1)]
        }
    }

    /// Slice: starts, ends and axes attributes before opset 10; starts, ends, axes and steps
    /// inputs from 10. Axes whose range is not known become unknown dims.
    static func slice(_ context: inout ShapeContext) throws {
        guard var shape = rankedInput(&context) else { return }
        let operands = SliceOperands(context)
        guard let axes = try operands.axes(context, rank: shape.count) else {
            context.set(0, type: context.type(0), shape: unknownDims(shape.count))
            return
        }
        guard case .known(let starts) = operands.starts, case .known(let ends) = operands.ends,
              let steps = operands.steps(count: axes.count) else {
            for axis in axes { shape[axis] = nil }
            context.set(0, type: context.type(0), shape: shape)
            return
        }
        guard starts.count == axes.count, ends.count == axes.count, steps.count == axes.count else {
            throw ShapeError("starts, ends, axes and steps must have the same length")
        }
        for (i, axis) in axes.enumerated() {
            shape[axis] = try slicedLength(shape[axis], start: starts[i], end: ends[i], step: steps[i], intMax: context.intMax)
        }
        context.set(0, type: context.type(0), shape: shape)
        if let elements = context.input(0).elements, axes == [0], let start = starts[0].value, let end = ends[0].value {
            let (first, count) = Shapes.sliceRange(start: start, end: end, step: steps[0], dim: elements.count)
            setElements(&context, 0, (0..<count).map { elements[first + $0 * steps[0]] })
        }
    }

    /// Slice's operands: attributes before opset 10, inputs 1–4 from then on (steps only then).
    private struct SliceOperands {
        let starts, ends, axes, steps: IntegerList

        init(_ context: ShapeContext) {
            func operand(_ name: String, _ i: Int) -> IntegerList { list(context, attribute: name, input: i, inputSince: 10) }
            (starts, ends, axes) = (operand("starts", 1), operand("ends", 2), operand("axes", 3))
            steps = context.opset < 10 ? .absent : list(context, input: 4)
        }

        /// The sliced axes: given, or the leading ones, one per start.
        func axes(_ context: ShapeContext, rank: Int) throws -> [Int]? {
            if case .absent = axes { return starts.count.map { Array(0..<$0) } }
            return try ShapeOpRules.axes(context, axes, rank: rank)
        }

        /// The steps (1 when not given); nil when given but not known.
        func steps(count: Int) -> [Int]? {
            if case .absent = steps { return Array(repeating: 1, count: count) }
            return steps.integers
        }
    }

    /// How many elements start:end:step takes from an axis of `dim`. Concrete operands follow the
    /// spec's clamping exactly. Otherwise the indices are taken to lie within the axis, as
    /// onnxruntime assumes: ends from intMax up mean the end, negative indices count from it.
    static func slicedLength(_ dim: SymbolicDim?, start: SymbolicDim, end: SymbolicDim, step: Int, intMax: Int) throws -> SymbolicDim? {
        guard step != 0 else { throw ShapeError("steps must not be 0") }
        if let size = dim?.value, let first = start.value, let last = end.value {
            return SymbolicDim(Shapes.sliceRange(start: first, end: last, step: step, dim: size).count)
        }
        guard let from = position(start, in: dim, step: step, intMax: intMax),
              let to = position(end, in: dim, step: step, intMax: intMax) else { return nil }
        return stepCount(from: from, to: to, step: step)
    }

    /// Where an index lands on an axis of `dim`, taken to be in range. Symbolic indices come
    /// from dims, so they are not negative.
    private static func position(_ index: SymbolicDim, in dim: SymbolicDim?, step: Int, intMax: Int) -> SymbolicDim? {
        guard let value = index.value else { return index }
        if value >= intMax { return dim.map { step > 0 ? $0 : $0 - 1 } }
        if value <= -intMax { return SymbolicDim(step > 0 ? 0 : -1) }
        if value < 0 { return dim.map { $0 + SymbolicDim(value) } }
        return index
    }

    /// Expand broadcasts the input against the shape input, whose elements may be symbolic.
    static func expand(_ context: inout ShapeContext) throws {
        let requested = try shapeOperand(context, input: 1)
        context.set(0, type: context.type(0), shape: try requested.flatMap { try Broadcast.shape([context.shape(0), $0]) })
        if let elements = context.input(0).elements, let count = context.outputs[0].concreteShape?.first, elements.count == 1 {
            setElements(&context, 0, Array(repeating: elements[0], count: count))
        } else {
            setElements(&context, 0, context.input(0).elements)
        }
    }

    /// Tile multiplies each dim by its repeat count.
    static func tile(_ context: inout ShapeContext) throws {
        guard let shape = rankedInput(&context) else { return }
        guard case .known(let repeats) = list(context, input: 1) else {
            context.set(0, type: context.type(0), shape: unknownDims(shape.count))
            return
        }
        guard repeats.count == shape.count else { throw ShapeError("\(repeats.count) repeats for rank \(shape.count)") }
        context.set(0, type: context.type(0), shape: zip(shape, repeats).map { dim, times in dim.map { $0 * times } })
        if let elements = context.input(0).elements, let times = repeats.first?.value, shape.count == 1 {
            setElements(&context, 0, Array(Array(repeating: elements, count: max(times, 0)).joined()))
        }
    }

    /// Pad: pads (and the constant) attributes before opset 11, inputs from 11; an axes input
    /// from 18. Each padded dim grows by its pads before and after, which may be symbolic.
    static func pad(_ context: inout ShapeContext) throws {
        guard var shape = rankedInput(&context) else { return }
        let axesGiven = context.opset >= 18 ? list(context, input: 3) : .absent
        let axes: [Int]?
        if case .absent = axesGiven { axes = Array(shape.indices) } else { axes = try Self.axes(context, axesGiven, rank: shape.count) }
        guard let axes else {
            context.set(0, type: context.type(0), shape: unknownDims(shape.count))
            return
        }
        if case .known(let pads) = list(context, attribute: "pads", input: 1, inputSince: 11) {
            guard pads.count == 2 * axes.count else { throw ShapeError("\(pads.count) pads for \(axes.count) axes") }
            for (i, axis) in axes.enumerated() { shape[axis] = shape[axis].map { $0 + pads[i] + pads[axes.count + i] } }
        } else {
            for axis in axes { shape[axis] = nil }
        }
        context.set(0, type: context.type(0), shape: shape)
    }
}
