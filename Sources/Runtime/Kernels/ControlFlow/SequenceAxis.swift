import ONNXModel

/// Cutting a tensor into slices along one axis and stacking slices back along a new axis: how
/// Loop and Scan feed iterations and gather their scan outputs. Works on bytes, so every
/// element type moves the same way.
enum SequenceAxis {
    /// Element `index` along `axis`, with that axis removed.
    static func slice(_ tensor: Tensor, axis: Int, index: Int) -> Tensor {
        let (outer, length, inner) = split(tensor.shape, at: axis)
        let rowBytes = inner * Tensor.elementSize(tensor.type)
        var shape = tensor.shape
        shape.remove(at: axis)
        if axis == 0 {
            return copyBytes(of: tensor, from: index * rowBytes, count: rowBytes, shape: shape)
        }
        let result = Tensor(uninitialized: tensor.type, shape: shape)
        let source = tensor.storage.raw
        let target = result.storage.raw
        for o in 0..<outer {
            target.advanced(by: o * rowBytes)
                .copyMemory(from: source.advanced(by: (o * length + index) * rowBytes), byteCount: rowBytes)
        }
        return result
    }

    /// The slices (all of one type and shape) stacked along a new axis `axis`; `reversed` puts
    /// the first slice last.
    static func stack(_ slices: [Tensor], axis: Int, reversed: Bool = false, name: String) throws -> Tensor {
        guard let first = slices.first else {
            throw RuntimeError.invalidModel("'\(name)': nothing to stack")
        }
        for slice in slices where slice.shape != first.shape || slice.type != first.type {
            throw RuntimeError.invalidModel(
                "scan output '\(name)' changes from \(first.type) \(first.shape) to \(slice.type) \(slice.shape) between iterations")
        }
        guard let axis = Shapes.normalizeAxis(axis, rank: first.rank + 1) else {
            throw RuntimeError.invalidModel("scan output '\(name)': axis \(axis) is out of range for rank \(first.rank + 1)")
        }
        var shape = first.shape
        shape.insert(slices.count, at: axis)
        let result = Tensor(uninitialized: first.type, shape: shape)
        let (outer, _, inner) = split(shape, at: axis)
        let rowBytes = inner * Tensor.elementSize(first.type)
        let target = result.storage.raw
        for (step, slice) in slices.enumerated() {
            let position = reversed ? slices.count - 1 - step : step
            let source = slice.storage.raw
            for o in 0..<outer {
                target.advanced(by: (o * slices.count + position) * rowBytes)
                    .copyMemory(from: source.advanced(by: o * rowBytes), byteCount: rowBytes)
            }
        }
        return result
    }

    /// A stack of no slices: the element type and slice shape the graph declares for `info`
    /// (unknown dimensions become 0), with a zero-length axis inserted at `axis`.
    static func emptyStack(declaredBy info: ValueInfoProto?, axis: Int) -> Tensor {
        let tensorType = info?.type?.tensorType
        let type = tensorType?.elemType.flatMap { DataType(rawValue: $0) } ?? .float
        var shape: [Int] = (tensorType?.shape?.dim ?? []).map { dim in
            if case .value(let size) = dim.value { return Int(size) }
            return 0
        }
        let position = Shapes.normalizeAxis(axis, rank: shape.count + 1) ?? 0
        shape.insert(0, at: position)
        return Tensor(zeros: type, shape: shape)
    }

    /// (product of dims before axis, dim at axis, product of dims after axis).
    private static func split(_ shape: [Int], at axis: Int) -> (Int, Int, Int) {
        (Shapes.count(Array(shape[..<axis])), shape[axis], Shapes.count(Array(shape[(axis + 1)...])))
    }

    private static func copyBytes(of tensor: Tensor, from offset: Int, count: Int, shape: [Int]) -> Tensor {
        let result = Tensor(uninitialized: tensor.type, shape: shape)
        result.storage.raw.copyMemory(from: tensor.storage.raw.advanced(by: offset), byteCount: count)
        return result
    }
}

/// Reading the boolean and integer scalars that steer control flow.
enum ControlScalar {
    /// The truth of a one-element condition tensor (bool, or any integer type).
    static func truth(_ tensor: Tensor, name: String) throws -> Bool {
        guard tensor.count == 1 else {
            throw RuntimeError.invalidModel("condition '\(name)' must hold one element, it has shape \(tensor.shape)")
        }
        if tensor.type == .bool { return tensor.elements(Bool.self)[0] }
        guard let value = tensor.integers().first else {
            throw RuntimeError.invalidModel("condition '\(name)' must be bool, it is \(tensor.type)")
        }
        return value != 0
    }

    /// The value of a one-element integer tensor.
    static func integer(_ tensor: Tensor, name: String) throws -> Int64 {
        guard tensor.count == 1, let value = tensor.integers().first else {
            throw RuntimeError.invalidModel("'\(name)' must be one integer, it is \(tensor.type) \(tensor.shape)")
        }
        return value
    }
}
