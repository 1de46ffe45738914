import ONNXModel

// Ops that only relabel the shape: the output shares the input's storage (no copy).

struct ReshapeKernel: OpKernel {
    let allowZero: Bool

    init(_ node: KernelNode) throws {
        allowZero = node.opset >= 14 && node.int("allowzero", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let requested = try ShapeOps.integers(try ShapeOps.input(inputs, 1, "shape"), "shape")
        return [data.reshaped(try Self.resolve(requested, input: data.shape, allowZero: allowZero))]
    }

    /// The requested shape with 0 (copy the input's dimension, unless allowzero) and -1
    /// (whatever is left) resolved.
    static func resolve(_ requested: [Int], input: [Int], allowZero: Bool) throws -> [Int] {
        var shape = requested
        var inferred: Int?
        for (axis, dim) in requested.enumerated() {
            if dim == 0 && !allowZero {
                guard axis < input.count else {
                    throw RuntimeError.invalidModel("shape \(requested) copies dimension \(axis) of a rank-\(input.count) input")
                }
                shape[axis] = input[axis]
            } else if dim == -1 {
                guard inferred == nil else { throw RuntimeError.invalidModel("shape \(requested) has more than one -1") }
                inferred = axis
            } else if dim < 0 {
                throw RuntimeError.invalidModel("shape \(requested) has a negative dimension")
            }
        }
        let count = input.reduce(1, *)
        if let inferred {
            if allowZero && requested.contains(0) {
                throw RuntimeError.invalidModel("shape \(requested) has both -1 and 0 with allowzero=1")
            }
            let known = try ShapeOps.checkedCount(shape.enumerated().filter { $0.offset != inferred }.map(\.element), "shape")
            guard known > 0, count % known == 0 else {
                throw RuntimeError.invalidModel("cannot reshape \(input) to \(requested)")
            }
            shape[inferred] = count / known
        }
        guard try ShapeOps.checkedCount(shape, "shape") == count else {
            throw RuntimeError.invalidModel("cannot reshape \(input) (\(count) elements) to \(requested)")
        }
        return shape
    }
}

struct FlattenKernel: OpKernel {
    let axis: Int

    init(_ node: KernelNode) throws { axis = node.int("axis", default: 1) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "input")
        let split = axis < 0 ? axis + input.rank : axis
        guard split >= 0 && split <= input.rank else {
            throw RuntimeError.invalidModel("axis \(axis) is out of range for rank \(input.rank)")
        }
        return [input.reshaped([input.shape[..<split].reduce(1, *), input.shape[split...].reduce(1, *)])]
    }
}

extension ShapeOps {
    /// Squeeze/Unsqueeze axes: an attribute before opset 13, input 1 from 13 on.
    struct VersionedAxes {
        let attribute: [Int]?
        let fromInput: Bool

        init(_ node: KernelNode) {
            fromInput = node.opset >= 13
            attribute = fromInput ? nil : node.ints("axes")
        }

        func read(_ inputs: [Tensor?]) throws -> [Int]? {
            fromInput ? try ShapeOps.optionalIntegers(inputs, 1, "axes") : attribute
        }
    }
}

struct SqueezeKernel: OpKernel {
    let axes: ShapeOps.VersionedAxes

    init(_ node: KernelNode) throws { axes = ShapeOps.VersionedAxes(node) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let axes = try self.axes.read(inputs)
        // No axes, or an empty list as onnxruntime reads it: every axis of size 1.
        guard let axes, !axes.isEmpty else { return [data.reshaped(data.shape.filter { $0 != 1 })] }
        let removed = Set(try ShapeOps.distinctAxes(axes, rank: data.rank, "axes"))
        for axis in removed where data.shape[axis] != 1 {
            throw RuntimeError.invalidModel("cannot squeeze axis \(axis) of size \(data.shape[axis])")
        }
        return [data.reshaped(data.shape.enumerated().filter { !removed.contains($0.offset) }.map(\.element))]
    }
}

struct UnsqueezeKernel: OpKernel {
    let axes: ShapeOps.VersionedAxes

    init(_ node: KernelNode) throws { axes = ShapeOps.VersionedAxes(node) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        guard let axes = try self.axes.read(inputs) else { throw RuntimeError.invalidModel("axes are required") }
        let rank = data.rank + axes.count
        let inserted = Set(try ShapeOps.distinctAxes(axes, rank: rank, "axes"))
        var remaining = data.shape.makeIterator()
        let shape = (0..<rank).map { inserted.contains($0) ? 1 : remaining.next() ?? 1 }
        return [data.reshaped(shape)]
    }
}

struct IdentityKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [try ShapeOps.input(inputs, 0, "input")]
    }
}

/// Dropout at inference: the input unchanged, and a mask of all kept elements when asked for
/// (bool from opset 10, the input's type before). Training mode with a nonzero ratio would
/// need random masks, which calibration never wants.
struct DropoutKernel: OpKernel {
    let wantsMask: Bool
    let legacyMask: Bool
    let attributeRatio: Float

    init(_ node: KernelNode) throws {
        wantsMask = node.outputCount > 1 && !node.node.outputs[1].isEmpty
        legacyMask = node.opset < 10
        attributeRatio = node.float("ratio", default: 0.5)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        if let training = ShapeOps.optionalInput(inputs, 2), try ShapeOps.ElementValues.doubles(training).first ?? 0 != 0 {
            let ratio = try ShapeOps.optionalInput(inputs, 1).map { try ShapeOps.ElementValues.doubles($0).first ?? 0 } ?? Double(attributeRatio)
            guard ratio == 0 else {
                throw RuntimeError.unsupported("training_mode=1 with ratio \(ratio) draws random masks; qtool runs inference only")
            }
        }
        guard wantsMask else { return [data] }
        return [data, try mask(like: data)]
    }

    private func mask(like data: Tensor) throws -> Tensor {
        guard legacyMask else {
            let mask = Tensor(uninitialized: .bool, shape: data.shape)
            mask.storage.raw.initializeMemory(as: UInt8.self, repeating: 1, count: mask.count)
            return mask
        }
        let one = try ShapeOps.ElementValues.bytes(of: 1, as: data.type)
        let mask = Tensor(uninitialized: data.type, shape: data.shape)
        for i in 0..<mask.count { (mask.storage.raw + i * one.count).copyMemory(from: one, byteCount: one.count) }
        return mask
    }
}
