import ONNXModel

// Ops that make new tensors from shapes, attributes or scalars.

extension ShapeOps {
    /// A tensor of `shape` with every element equal to `value` (the bytes of one element).
    static func filled(_ type: DataType, shape: [Int], with value: [UInt8]) throws -> Tensor {
        let output = Tensor(uninitialized: type, shape: shape)
        try Fill(output: output, value: value).run(elementSize: Tensor.elementSize(type))
        return output
    }

    private struct Fill: ElementMove {
        let output: Tensor
        let value: [UInt8]

        func callAsFunction<T>(_: T.Type) {
            let element = value.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
            output.shapeBuffer(T.self).update(repeating: element)
        }
    }
}

struct ShapeKernel: OpKernel {
    let start: Int
    let end: Int?

    init(_ node: KernelNode) throws {
        start = node.opset >= 15 ? node.int("start", default: 0) : 0
        end = node.opset >= 15 ? node.int("end") : nil
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let rank = data.rank
        func clamped(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
        let first = clamped(start), last = max(first, clamped(end ?? rank))
        let dims = data.shape[first..<last].map(Int64.init)
        return [Tensor(dims, shape: [dims.count])]
    }
}

struct SizeKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [Tensor(scalar: Int64(try ShapeOps.input(inputs, 0, "data").count))]
    }
}

struct ConstantOfShapeKernel: OpKernel {
    let type: DataType
    let value: [UInt8]

    init(_ node: KernelNode) throws {
        guard let tensor = try node.tensor("value") else {
            (type, value) = (.float, [0, 0, 0, 0])
            return
        }
        guard tensor.count == 1 else { throw node.failure("attribute 'value' must hold one element, it has \(tensor.count)") }
        (type, value) = (tensor.type, Array(UnsafeRawBufferPointer(start: tensor.storage.raw, count: tensor.byteCount)))
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let shape = try ShapeOps.integers(try ShapeOps.input(inputs, 0, "input"), "input")
        _ = try ShapeOps.checkedCount(shape, "shape")
        return [try ShapeOps.filled(type, shape: shape, with: value)]
    }
}

struct ConstantKernel: OpKernel {
    let value: Tensor

    init(_ node: KernelNode) throws {
        for unsupported in ["sparse_value", "value_string", "value_strings"] where node.has(unsupported) {
            throw RuntimeError.unsupported("node '\(node.name)': Constant with '\(unsupported)' is not supported")
        }
        if let tensor = try node.tensor("value") {
            value = tensor
        } else if node.has("value_float") {
            value = Tensor(scalar: node.float("value_float", default: 0))
        } else if let floats = node.floats("value_floats") {
            value = Tensor(floats, shape: [floats.count])
        } else if let int = node.int("value_int") {
            value = Tensor(scalar: Int64(int))
        } else if let ints = node.ints("value_ints") {
            value = Tensor(ints.map(Int64.init), shape: [ints.count])
        } else {
            throw node.failure("no value attribute")
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { [value] }
}

struct RangeKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let scalars = try ["start", "limit", "delta"].enumerated().map { i, name -> Tensor in
            let tensor = try ShapeOps.input(inputs, i, name)
            guard tensor.count == 1 else { throw RuntimeError.invalidModel("'\(name)' must be a scalar") }
            return tensor
        }
        try ShapeOps.requireSameType(scalars, "start, limit and delta")
        return [try Sequence(start: scalars[0], limit: scalars[1], delta: scalars[2]).run(on: scalars[0].type, "Range")]
    }

    /// start, start + delta, ... up to (excluding) limit; integer types count exactly.
    private struct Sequence: ShapeOps.NumericMove {
        let start: Tensor
        let limit: Tensor
        let delta: Tensor

        func callAsFunction<T: ShapeOps.Arithmetic>(_: T.Type) throws -> Tensor {
            if ShapeOps.isInteger(start.type) {
                let (first, last, step) = (Int(start.integers()[0]), Int(limit.integers()[0]), Int(delta.integers()[0]))
                guard step != 0 else { throw RuntimeError.invalidModel("delta must not be 0") }
                let (span, overflow) = last.subtractingReportingOverflow(first)
                let count = overflow ? Int.max : max(0, (span &+ step &- step.signum()) / step)
                guard count <= ShapeOps.largestDimension else { throw RuntimeError.invalidModel("Range from \(first) to \(last) is too long") }
                return Tensor.filled(T.self, count: count, type: start.type) { T(converting: first &+ $0 &* step) }
            }
            let (first, last, step) = (start.shapeBuffer(T.self)[0], limit.shapeBuffer(T.self)[0], delta.shapeBuffer(T.self)[0])
            let span = (last.doubleValue - first.doubleValue) / step.doubleValue
            guard span.isFinite else { throw RuntimeError.invalidModel("Range from \(first) to \(last) by \(step) is not finite") }
            guard span <= Double(ShapeOps.largestDimension) else { throw RuntimeError.invalidModel("Range from \(first) to \(last) is too long") }
            return Tensor.filled(T.self, count: max(0, Int(span.rounded(.up))), type: start.type) {
                T.adding(first, T.multiplying(T(converting: $0), step))
            }
        }
    }
}

extension Tensor {
    /// A 1-D tensor of `count` elements computed from their positions.
    fileprivate static func filled<T>(_: T.Type, count: Int, type: DataType, _ value: (Int) -> T) -> Tensor {
        let tensor = Tensor(uninitialized: type, shape: [count])
        let buffer = tensor.shapeBuffer(T.self)
        for i in 0..<count { buffer[i] = value(i) }
        return tensor
    }
}
