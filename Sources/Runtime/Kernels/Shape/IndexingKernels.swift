import ONNXModel

struct NonZeroKernel: OpKernel {
    init(_ node: KernelNode) throws {}

    /// Coordinates of the nonzero elements, one column each, in row-major order. A scalar
    /// counts as rank 1, as numpy's nonzero treats it.
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "X")
        let positions = try Self.nonzeroPositions(input)
        let shape = input.rank == 0 ? [1] : input.shape
        let strides = Shapes.strides(shape)
        let output = Tensor(zeros: .int64, shape: [shape.count, positions.count])
        let values = output.shapeBuffer(Int64.self)
        for (column, position) in positions.enumerated() {
            for axis in shape.indices { values[axis * positions.count + column] = Int64(position / strides[axis] % shape[axis]) }
        }
        return [output]
    }

    /// Positions of elements that are not zero; float types ignore the sign bit, so -0 is zero.
    static func nonzeroPositions(_ tensor: Tensor) throws -> [Int] {
        let raw = UnsafeRawPointer(tensor.storage.raw)
        switch tensor.type {
        case .float, .complex64: return positions(raw, tensor.count * (tensor.type == .float ? 1 : 2), mask: UInt32(0x7FFF_FFFF), group: tensor.type == .float ? 1 : 2)
        case .double, .complex128: return positions(raw, tensor.count * (tensor.type == .double ? 1 : 2), mask: UInt64(0x7FFF_FFFF_FFFF_FFFF), group: tensor.type == .double ? 1 : 2)
        case .float16, .bfloat16: return positions(raw, tensor.count, mask: UInt16(0x7FFF), group: 1)
        case .float8e4m3fn, .float8e5m2: return positions(raw, tensor.count, mask: UInt8(0x7F), group: 1)
        default:
            switch Tensor.elementSize(tensor.type) {
            case 1: return positions(raw, tensor.count, mask: UInt8.max, group: 1)
            case 2: return positions(raw, tensor.count, mask: UInt16.max, group: 1)
            case 4: return positions(raw, tensor.count, mask: UInt32.max, group: 1)
            case 8: return positions(raw, tensor.count, mask: UInt64.max, group: 1)
            default: throw RuntimeError.unsupported("NonZero does not support \(tensor.type)")
            }
        }
    }

    /// Element positions among `count` words (`group` words per element) with a masked bit set.
    private static func positions<T: FixedWidthInteger>(_ raw: UnsafeRawPointer, _ count: Int, mask: T, group: Int) -> [Int] {
        let words = raw.assumingMemoryBound(to: T.self)
        var result: [Int] = []
        var word = 0
        while word < count {
            var nonzero = false
            for k in 0..<group where words[word + k] & mask != 0 { nonzero = true }
            if nonzero { result.append(word / group) }
            word += group
        }
        return result
    }
}

struct OneHotKernel: OpKernel {
    let axis: Int

    init(_ node: KernelNode) throws { axis = node.int("axis", default: -1) }

    /// Indices outside [-depth, depth) give rows of all off values, as the spec says.
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let indexTensor = try ShapeOps.input(inputs, 0, "indices")
        let depthValues = try ShapeOps.ElementValues.doubles(try ShapeOps.input(inputs, 1, "depth"))
        let values = try ShapeOps.input(inputs, 2, "values")
        guard depthValues.count == 1, depthValues[0] >= 1, depthValues[0] <= Double(ShapeOps.largestDimension) else {
            throw RuntimeError.invalidModel("depth must be one positive value, got \(depthValues)")
        }
        guard values.count == 2 else { throw RuntimeError.invalidModel("values must hold [off, on], it has \(values.count) elements") }
        let depth = Int(depthValues[0])
        let axis = try ShapeOps.axis(self.axis, rank: indexTensor.rank + 1, "axis")
        let shape = Array(indexTensor.shape[..<axis]) + [depth] + indexTensor.shape[axis...]
        _ = try ShapeOps.checkedCount(shape, "output shape")
        let size = Tensor.elementSize(values.type)
        let output = try ShapeOps.filled(values.type, shape: shape, with: Array(UnsafeRawBufferPointer(start: values.storage.raw, count: size)))
        let inner = indexTensor.shape[axis...].reduce(1, *)
        for (position, value) in try ShapeOps.ElementValues.doubles(indexTensor).enumerated() {
            guard value.isFinite, abs(value) <= Double(depth) else { continue }
            let index = value < 0 ? Int(value) + depth : Int(value)
            guard index >= 0 && index < depth else { continue }
            let target = (position / inner * depth + index) * inner + position % inner
            (output.storage.raw + target * size).copyMemory(from: values.storage.raw + size, byteCount: size)
        }
        return [output]
    }
}

struct CumSumKernel: OpKernel {
    let exclusive: Bool
    let reverse: Bool

    init(_ node: KernelNode) throws {
        exclusive = node.int("exclusive", default: 0) != 0
        reverse = node.int("reverse", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "x")
        let axis = try ShapeOps.axis(try ShapeOps.scalarInteger(try ShapeOps.input(inputs, 1, "axis"), "axis"), rank: input.rank, "axis")
        let output = Tensor(uninitialized: input.type, shape: input.shape)
        let shape = input.rank == 0 ? [1] : input.shape
        let sums = RunningSums(input: input, output: output, outer: shape[..<axis].reduce(1, *), length: shape[axis],
                               inner: shape[(axis + 1)...].reduce(1, *), exclusive: exclusive, reverse: reverse, threads: context.threads)
        try sums.run(on: input.type, "CumSum")
        return [output]
    }

    /// Sums along the middle axis of [outer, length, inner], a whole inner row at a time.
    private struct RunningSums: ShapeOps.NumericMove {
        let input: Tensor, output: Tensor
        let outer: Int, length: Int, inner: Int
        let exclusive: Bool, reverse: Bool
        let threads: Int

        func callAsFunction<T: ShapeOps.Arithmetic>(_: T.Type) {
            let x = input.shapeBuffer(T.self), y = output.shapeBuffer(T.self)
            let zero = T(converting: 0)
            let order = reverse ? Array((0..<length).reversed()) : Array(0..<length)
            parallelRanges(outer, threads: threads, minimumPerThread: max(1, ShapeOps.bytesPerThread / max(1, length * inner * 4))) { range in
                for o in range {
                    let base = o * length * inner
                    var previous = -1
                    for j in order {
                        let row = base + j * inner
                        for i in 0..<inner {
                            let carried = previous < 0 ? zero : y[base + previous * inner + i]
                            let added = exclusive ? (previous < 0 ? zero : x[base + previous * inner + i]) : x[row + i]
                            y[row + i] = T.adding(carried, added)
                        }
                        previous = j
                    }
                }
            }
        }
    }
}
