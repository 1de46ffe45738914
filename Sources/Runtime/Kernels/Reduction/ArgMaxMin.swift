/// ArgMax and ArgMin: int64 indices of the extreme element along `axis` (default 0), the first
/// one on ties unless `select_last_index` (opset 12) asks for the last.
struct ArgExtremum {
    let largest: Bool
    let axis: Int
    let keepDims: Bool
    let selectLastIndex: Bool

    init(_ node: KernelNode, largest: Bool) {
        self.largest = largest
        axis = node.int("axis", default: 0)
        keepDims = node.int("keepdims", default: 1) != 0
        selectLastIndex = node.int("select_last_index", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let input = inputs.first ?? nil else { throw RuntimeError.invalidModel("missing input 'data'") }
        let data = HalfPrecision.widen(input)
        guard data.rank > 0, let axis = Shapes.normalizeAxis(axis, rank: data.rank) else {
            throw RuntimeError.invalidModel("axis \(self.axis) is out of range for rank \(data.rank)")
        }
        let layout = ReductionLayout(shape: data.shape, axis: axis, keepDims: keepDims)
        guard layout.reduced > 0 || layout.outputCount == 0 else {
            throw RuntimeError.invalidModel("cannot take the index of an extreme over an empty axis \(axis) of \(data.shape)")
        }
        let output = Tensor(uninitialized: .int64, shape: layout.outputShape)
        let indices = output.reductionBuffer(Int64.self)
        func search<T: Comparable>(_: T.Type) {
            searchColumns(data.reductionBuffer(T.self), indices, layout, threads: context.threads)
        }
        switch data.type {
        case .float where layout.inner == 1:
            searchFloatRows(data.reductionBuffer(Float.self), indices, layout, threads: context.threads)
        case .float: search(Float.self)
        case .double: search(Double.self)
        case .int64: search(Int64.self)
        case .int32: search(Int32.self)
        case .int16: search(Int16.self)
        case .int8: search(Int8.self)
        case .uint64: search(UInt64.self)
        case .uint32: search(UInt32.self)
        case .uint16: search(UInt16.self)
        case .uint8: search(UInt8.self)
        default: throw RuntimeError.unsupported("\(largest ? "ArgMax" : "ArgMin") of \(data.type) tensors is not supported")
        }
        return [output]
    }

    /// Contiguous Float rows: the SIMD maximum (or minimum), then the scan for its index.
    /// A row whose extreme is not found again (a NaN) falls back to the plain search.
    func searchFloatRows(_ x: UnsafePointer<Float>, _ indices: UnsafeMutablePointer<Int64>,
                         _ layout: ReductionLayout, threads: Int) {
        let count = layout.reduced
        parallelRanges(layout.outer, threads: threads, minimumPerThread: max(1, (1 << 15) / max(1, count))) { rows in
            for o in rows {
                let row = x + o * count
                let target = largest ? FloatRows.maximum(row, count) : FloatRows.minimum(row, count)
                let range = UnsafeBufferPointer(start: row, count: count)
                if let index = selectLastIndex ? range.lastIndex(of: target) : range.firstIndex(of: target) {
                    indices[o] = Int64(index)
                } else {
                    let single = ReductionLayout(shape: [1, count], axis: 1, keepDims: true)
                    searchColumns(row, indices + o, single, threads: 1)
                }
            }
        }
    }

    /// Walks the reduced axis row by row, keeping the best value and index of each of the
    /// `inner` columns (inner == 1 is the contiguous case).
    private func searchColumns<T: Comparable>(_ x: UnsafePointer<T>, _ indices: UnsafeMutablePointer<Int64>,
                                              _ layout: ReductionLayout, threads: Int) {
        let count = layout.reduced, inner = layout.inner
        let largest = largest, selectLast = selectLastIndex
        parallelRanges(layout.outer, threads: threads, minimumPerThread: max(1, (1 << 15) / max(1, count * inner))) { slices in
            let best = UnsafeMutablePointer<T>.allocate(capacity: inner)
            defer { best.deallocate() }
            for o in slices {
                let base = x + o * count * inner
                let target = indices + o * inner
                best.initialize(from: base, count: inner)
                target.initialize(repeating: 0, count: inner)
                for r in 1..<max(count, 1) {
                    let row = base + r * inner
                    for i in 0..<inner {
                        let v = row[i]
                        let better = largest ? (selectLast ? v >= best[i] : v > best[i])
                                             : (selectLast ? v <= best[i] : v < best[i])
                        if better { best[i] = v; target[i] = Int64(r) }
                    }
                }
            }
        }
    }
}

struct ArgMaxKernel: OpKernel {
    let search: ArgExtremum
    init(_ node: KernelNode) throws { search = ArgExtremum(node, largest: true) }
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { try search.run(inputs, context) }
}

struct ArgMinKernel: OpKernel {
    let search: ArgExtremum
    init(_ node: KernelNode) throws { search = ArgExtremum(node, largest: false) }
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] { try search.run(inputs, context) }
}
