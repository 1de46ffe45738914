import ONNXModel

/// Input access and validation shared by the Shape family. Run-time errors are thrown as
/// `invalidModel`; the interpreter adds the node's name and op to them.
enum ShapeOps {
    /// The input at `index`, or an error naming it when the node did not supply it.
    static func input(_ inputs: [Tensor?], _ index: Int, _ name: String) throws -> Tensor {
        guard index < inputs.count, let tensor = inputs[index] else {
            throw RuntimeError.invalidModel("input \(index) ('\(name)') is required")
        }
        return tensor
    }

    /// An optional input: nil when absent (empty name or beyond the inputs listed).
    static func optionalInput(_ inputs: [Tensor?], _ index: Int) -> Tensor? {
        index < inputs.count ? inputs[index] : nil
    }

    /// An integer attribute the op requires.
    static func requiredInt(_ node: KernelNode, _ name: String) throws -> Int {
        guard let value = node.int(name) else { throw node.failure("missing attribute '\(name)'") }
        return value
    }

    /// The contents of an integer input (shapes, axes, pads, repeats...).
    static func integers(_ tensor: Tensor, _ name: String) throws -> [Int] {
        guard isInteger(tensor.type) else {
            throw RuntimeError.invalidModel("input '\(name)' must be an integer tensor, got \(tensor.type)")
        }
        return tensor.integers().map { Int($0) }
    }

    /// An optional integer input; nil when absent.
    static func optionalIntegers(_ inputs: [Tensor?], _ index: Int, _ name: String) throws -> [Int]? {
        guard let tensor = optionalInput(inputs, index) else { return nil }
        return try integers(tensor, name)
    }

    /// A one-element integer input (an axis, k, depth...).
    static func scalarInteger(_ tensor: Tensor, _ name: String) throws -> Int {
        let values = try integers(tensor, name)
        guard values.count == 1 else { throw RuntimeError.invalidModel("input '\(name)' must hold one value, it has \(values.count)") }
        return values[0]
    }

    static func isInteger(_ type: DataType) -> Bool {
        switch type {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        default: return false
        }
    }

    /// An axis in `0..<rank` (negative counts from the end), or an error naming what it is.
    static func axis(_ axis: Int, rank: Int, _ what: String) throws -> Int {
        guard let normalized = Shapes.normalizeAxis(axis, rank: rank) else {
            throw RuntimeError.invalidModel("\(what) \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// Distinct axes, each normalized against `rank`.
    static func distinctAxes(_ axes: [Int], rank: Int, _ what: String) throws -> [Int] {
        let normalized = try axes.map { try axis($0, rank: rank, what) }
        guard Set(normalized).count == normalized.count else {
            throw RuntimeError.invalidModel("\(what) \(axes) repeat an axis")
        }
        return normalized
    }

    /// An index along an axis of `size` (negative counts from the end), or an error.
    @inline(__always)
    static func index(_ value: Int, size: Int, _ what: String) throws -> Int {
        let normalized = value < 0 ? value + size : value
        guard normalized >= 0 && normalized < size else {
            throw RuntimeError.invalidModel("\(what) \(value) is out of range for an axis of size \(size)")
        }
        return normalized
    }

    /// Indices as Int whatever their integer type (int32 and int64 are the ones the specs allow).
    static func indices(_ tensor: Tensor, _ name: String) throws -> [Int] {
        switch tensor.type {
        case .int64: return tensor.elements(Int64.self).map { Int($0) }
        case .int32: return tensor.elements(Int32.self).map { Int($0) }
        default: return try integers(tensor, name)
        }
    }

    /// The element count of `shape`, or an error when a dimension is negative or the count overflows.
    static func checkedCount(_ shape: [Int], _ what: String) throws -> Int {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw RuntimeError.invalidModel("\(what) \(shape) has a negative dimension") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= largestDimension else { throw RuntimeError.invalidModel("\(what) \(shape) is too large") }
            count = product
        }
        return count
    }

    /// A new tensor with the same bytes as `tensor`.
    static func copy(_ tensor: Tensor) -> Tensor {
        let result = Tensor(uninitialized: tensor.type, shape: tensor.shape)
        result.storage.raw.copyMemory(from: tensor.storage.raw, byteCount: tensor.byteCount)
        return result
    }

    /// Inputs that must share one element type (Concat's inputs, Pad's constant...).
    static func requireSameType(_ tensors: [Tensor], _ what: String) throws {
        guard let first = tensors.first else { return }
        for tensor in tensors where tensor.type != first.type {
            throw RuntimeError.invalidModel("\(what) mix \(first.type) and \(tensor.type)")
        }
    }

    /// The most elements a tensor or an axis may have (larger requests are errors, not traps).
    static let largestDimension = 1 << 40

    /// Parallel work is split so each thread moves at least this many bytes.
    static let bytesPerThread = 1 << 16
}
