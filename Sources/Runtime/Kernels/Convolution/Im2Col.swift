/// Unfolds sliding windows of one image (C × spatial) into a matrix with one row per
/// (channel, kernel offset) and one column per output position, zero where the window
/// overlaps padding. Conv then is one matrix product per group.
enum Im2Col {
    static func unfold<T: Numeric>(_ input: UnsafePointer<T>, channels: Int, window: WindowGeometry.Resolved,
                                   into columns: UnsafeMutablePointer<T>, padValue: T = 0, threads: Int) {
        let w = window.planar
        let kernelSize = Shapes.count(w.kernel)
        let outCount = Shapes.count(w.output)
        let inCount = Shapes.count(w.input)
        let rows = channels * kernelSize
        if w.input.count == 2 {
            parallelRanges(rows, threads: threads, minimumPerThread: Parallel.items(costing: outCount)) { range in
                for row in range { unfoldRow2D(input, row: row, window: w, columns: columns, padValue: padValue) }
            }
            return
        }
        // Any spatial rank: walk output positions with per-axis coordinates.
        let kernelStrides = Shapes.strides(w.kernel), outStrides = Shapes.strides(w.output)
        let inStrides = Shapes.strides(w.input)
        parallelRanges(rows, threads: threads, minimumPerThread: Parallel.items(costing: outCount * w.input.count)) { range in
            for row in range {
                let channel = row / kernelSize, offset = row % kernelSize
                let source = input + channel * inCount
                let target = columns + row * outCount
                for position in 0..<outCount {
                    var index = 0, inside = true
                    for axis in w.input.indices {
                        let k = (offset / kernelStrides[axis]) % w.kernel[axis]
                        let o = (position / outStrides[axis]) % w.output[axis]
                        let i = o * w.stride[axis] - w.padBegin[axis] + k * w.dilation[axis]
                        if i < 0 || i >= w.input[axis] { inside = false; break }
                        index += i * inStrides[axis]
                    }
                    target[position] = inside ? source[index] : padValue
                }
            }
        }
    }

    private static func unfoldRow2D<T: Numeric>(_ input: UnsafePointer<T>, row: Int, window w: WindowGeometry.Resolved,
                                                columns: UnsafeMutablePointer<T>, padValue: T) {
        let kh = w.kernel[0], kw = w.kernel[1]
        let channel = row / (kh * kw), ky = (row / kw) % kh, kx = row % kw
        let inH = w.input[0], inW = w.input[1], outH = w.output[0], outW = w.output[1]
        let source = input + channel * inH * inW
        var target = columns + row * outH * outW
        for oy in 0..<outH {
            let iy = oy * w.stride[0] - w.padBegin[0] + ky * w.dilation[0]
            if iy < 0 || iy >= inH {
                target.update(repeating: padValue, count: outW)
            } else {
                let line = source + iy * inW
                let shift = kx * w.dilation[1] - w.padBegin[1]
                if w.stride[1] == 1 && shift >= 0 && shift + outW <= inW {
                    target.update(from: line + shift, count: outW)
                } else {
                    for ox in 0..<outW {
                        let ix = ox * w.stride[1] + shift
                        target[ox] = ix >= 0 && ix < inW ? line[ix] : padValue
                    }
                }
            }
            target += outW
        }
    }
}
