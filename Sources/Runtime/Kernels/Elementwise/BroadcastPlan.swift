/// How the operands of a broadcasting op line up with its output. Size-1 output axes are
/// dropped and neighbouring axes merged wherever every operand allows it, so the innermost
/// axis is a contiguous run in which each operand either advances (step 1) or repeats one
/// value (step 0): equal shapes become one run, `[N,C,H,W] op [C,1,1]` becomes runs of H*W
/// against one channel value, `[N,S,D] op [D]` runs of D against the whole bias.
struct BroadcastPlan {
    /// The broadcast output shape, as the op reports it.
    let outputShape: [Int]
    let count: Int
    /// Merged axes (at least one); the last is the run axis.
    let dims: [Int]
    /// Per operand, its stride along each merged axis (0 where it is broadcast).
    let strides: [[Int]]
    /// Per operand, its stride along the run axis: 1 (advances) or 0 (repeats).
    let steps: [Int]

    /// nil when the shapes do not broadcast together.
    init?(_ shapes: [[Int]]) {
        guard let output = Shapes.broadcast(shapes) else { return nil }
        outputShape = output
        count = Shapes.count(output)
        let full = shapes.map { Shapes.broadcastStrides($0, to: output) }
        var dims: [Int] = []
        var strides = [[Int]](repeating: [], count: shapes.count)
        for axis in output.indices where output[axis] != 1 {
            let size = output[axis]
            let mergeable = !dims.isEmpty && shapes.indices.allSatisfy { strides[$0].last! == full[$0][axis] * size }
            if mergeable {
                dims[dims.count - 1] *= size
                for k in shapes.indices { strides[k][strides[k].count - 1] = full[k][axis] }
            } else {
                dims.append(size)
                for k in shapes.indices { strides[k].append(full[k][axis]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        self.dims = dims
        self.strides = strides
        steps = strides.map { $0.last! }
    }

    /// Calls `body(offsets, start, length)` for each run overlapping `range` of the flat
    /// output: output elements start..<start+length read operand k from offsets[k] on.
    func forEachRun(in range: Range<Int>, _ body: (UnsafeMutableBufferPointer<Int>, Int, Int) -> Void) {
        guard !range.isEmpty else { return }
        let runLength = dims[dims.count - 1]
        let outerRank = dims.count - 1
        var index = [Int](repeating: 0, count: max(outerRank, 1))
        var offsets = [Int](repeating: 0, count: strides.count)
        var row = range.lowerBound / runLength
        var column = range.lowerBound % runLength
        for axis in stride(from: outerRank - 1, through: 0, by: -1) {
            index[axis] = row % dims[axis]
            row /= dims[axis]
        }
        for k in strides.indices {
            offsets[k] = (0..<outerRank).reduce(column * steps[k]) { $0 + index[$1] * strides[k][$1] }
        }
        var position = range.lowerBound
        offsets.withUnsafeMutableBufferPointer { offsets in
            while position < range.upperBound {
                let length = min(runLength - column, range.upperBound - position)
                body(offsets, position, length)
                position += length
                for k in offsets.indices { offsets[k] -= column * steps[k] }
                column = 0
                advance(&index, offsets, outerRank: outerRank)
            }
        }
    }

    /// Moves the outer index (and every operand's offset) to the next row, odometer style.
    private func advance(_ index: inout [Int], _ offsets: UnsafeMutableBufferPointer<Int>, outerRank: Int) {
        var axis = outerRank - 1
        while axis >= 0 {
            index[axis] += 1
            for k in offsets.indices { offsets[k] += strides[k][axis] }
            if index[axis] < dims[axis] { return }
            for k in offsets.indices { offsets[k] -= strides[k][axis] * dims[axis] }
            index[axis] = 0
            axis -= 1
        }
    }

    /// Splits the output over threads (cheap ops want more elements per thread than costly
    /// ones) and calls `forEachRun` on each part.
    func run(threads: Int, minimumPerThread: Int, _ body: (UnsafeMutableBufferPointer<Int>, Int, Int) -> Void) {
        parallelRanges(count, threads: threads, minimumPerThread: minimumPerThread) { range in
            forEachRun(in: range, body)
        }
    }

    /// The plain per-element answer to "which element of operand k feeds output i", for tests
    /// of the run machinery.
    static func referenceOffset(of flatIndex: Int, operand shape: [Int], output: [Int]) -> Int {
        let strides = Shapes.broadcastStrides(shape, to: output)
        var remainder = flatIndex
        var offset = 0
        for axis in output.indices.reversed() {
            offset += (remainder % output[axis]) * strides[axis]
            remainder /= output[axis]
        }
        return offset
    }
}

/// Work per thread below which splitting costs more than it saves.
enum ElementwiseGrain {
    /// Adds, compares, copies: memory bound.
    static let cheap = 1 << 15
    /// exp, erf, tanh, pow and friends.
    static let costly = 1 << 12
}
