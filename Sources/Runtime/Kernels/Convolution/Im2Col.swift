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
        // Locals, so the loops read registers rather than the window's arrays.
        let kh = w.kernel[0], kw = w.kernel[1]
        let channel = row / (kh * kw), ky = (row / kw) % kh, kx = row % kw
        let inH = w.input[0], inW = w.input[1], outH = w.output[0], outW = w.output[1]
        let strideY = w.stride[0], strideX = w.stride[1]
        let firstY = ky * w.dilation[0] - w.padBegin[0]
        let shift = kx * w.dilation[1] - w.padBegin[1]
        // Output columns whose input column 0 ≤ ox·stride + shift < inW; the rest is padding.
        let lo = min(outW, shift >= 0 ? 0 : (-shift + strideX - 1) / strideX)
        let hi = max(lo, min(outW, shift >= inW ? 0 : (inW - 1 - shift) / strideX + 1))
        let source = input + channel * inH * inW
        var target = columns + row * outH * outW
        for oy in 0..<outH {
            let iy = oy * strideY + firstY
            if iy < 0 || iy >= inH {
                target.update(repeating: padValue, count: outW)
            } else {
                let line = source + iy * inW + shift
                if lo > 0 { target.update(repeating: padValue, count: lo) }
                if strideX == 1 {
                    (target + lo).update(from: line + lo, count: hi - lo)
                } else {
                    for ox in lo..<hi { target[ox] = line[ox * strideX] }
                }
                if hi < outW { (target + hi).update(repeating: padValue, count: outW - hi) }
            }
            target += outW
        }
    }
}
