import ONNXModel

/// Pad: pads as an attribute before opset 11 and an input after, axes input from 18, wrap
/// mode from 19. Negative pads crop; border modes then reflect, repeat or wrap the cropped
/// extent. Every output axis becomes a map from output to input coordinate (-1 for the
/// constant), applied by MappedGather.
struct PadKernel: OpKernel {
    enum Mode: String { case constant, reflect, edge, wrap }

    let mode: Mode
    let attributePads: [Int]?
    let attributeValue: Float

    init(_ node: KernelNode) throws {
        let name = node.string("mode", default: "constant")
        guard let mode = Mode(rawValue: name) else { throw node.failure("mode '\(name)' is not constant, reflect, edge or wrap") }
        self.mode = mode
        if node.opset < 11 {
            guard let pads = node.ints("pads") else { throw node.failure("missing attribute 'pads'") }
            attributePads = pads
        } else {
            attributePads = nil
        }
        attributeValue = node.float("value", default: 0)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let pads = try attributePads ?? ShapeOps.integers(try ShapeOps.input(inputs, 1, "pads"), "pads")
        let axes = try ShapeOps.optionalIntegers(inputs, 3, "axes").map { try ShapeOps.distinctAxes($0, rank: data.rank, "axes") }
            ?? Array(0..<data.rank)
        guard pads.count == 2 * axes.count, pads.allSatisfy({ abs($0) <= ShapeOps.largestDimension }) else {
            throw RuntimeError.invalidModel("pads \(pads) must be \(2 * axes.count) values of sensible size")
        }
        var before = [Int](repeating: 0, count: data.rank), after = before
        for (i, axis) in axes.enumerated() {
            before[axis] = pads[i]
            after[axis] = pads[axes.count + i]
        }
        _ = try ShapeOps.checkedCount(data.shape.indices.map { data.shape[$0] + before[$0] + after[$0] }, "output shape")
        let maps = try data.shape.indices.map { try axisMap(size: data.shape[$0], before: before[$0], after: after[$0]) }
        let gather = ShapeOps.MappedGather(input: data, maps: maps, fill: try fill(data.type, inputs), threads: context.threads)
        return [try gather.run(elementSize: Tensor.elementSize(data.type))]
    }

    /// The bytes of the constant: the constant_value input (same type as data) or the value
    /// attribute before opset 11, zero by default.
    private func fill(_ type: DataType, _ inputs: [Tensor?]) throws -> [UInt8] {
        let size = Tensor.elementSize(type)
        if attributePads != nil { return try ShapeOps.ElementValues.bytes(of: Double(attributeValue), as: type) }
        guard let constant = ShapeOps.optionalInput(inputs, 2), constant.count > 0 else { return [UInt8](repeating: 0, count: size) }
        guard constant.type == type else {
            throw RuntimeError.invalidModel("constant_value is \(constant.type), data is \(type)")
        }
        return Array(UnsafeRawBufferPointer(start: constant.storage.raw, count: size))
    }

    /// For each output coordinate along an axis, the input coordinate it copies (-1: constant).
    func axisMap(size: Int, before: Int, after: Int) throws -> [Int] {
        let length = size + before + after
        guard length >= 0 else { throw RuntimeError.invalidModel("pads \(before), \(after) remove more than the \(size) elements") }
        let low = max(0, -before), high = size - max(0, -after)
        if high <= low && mode != .constant && length > 0 {
            throw RuntimeError.invalidModel("\(mode.rawValue) padding needs at least one element left after cropping")
        }
        return (0..<length).map { position in
            let index = position - before
            if index >= low && index < high { return index }
            if mode == .constant { return -1 }
            return borderIndex(index - low, extent: high - low) + low
        }
    }

    /// The coordinate (within the kept extent) that a border element at `offset` copies.
    private func borderIndex(_ offset: Int, extent: Int) -> Int {
        switch mode {
        case .constant, .edge: return min(max(offset, 0), extent - 1)
        case .wrap: return ((offset % extent) + extent) % extent
        case .reflect:
            guard extent > 1 else { return 0 }
            let period = 2 * (extent - 1)
            let phase = ((offset % period) + period) % period
            return phase < extent ? phase : period - phase
        }
    }
}
