import CKernels
import ONNXModel

/// MaxPool and AveragePool over 1 to 3 spatial axes (fewer axes are padded to three with
/// size-1 windows, so one loop nest serves all).
struct PoolKernel: OpKernel {
    enum Mode { case max, average }

    let node: KernelNode
    let mode: Mode
    let geometry: WindowGeometry
    let countIncludePad: Bool
    let columnMajorIndices: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        mode = node.opType == "MaxPool" ? .max : .average
        geometry = try WindowGeometry(node)
        countIncludePad = node.int("count_include_pad", default: 0) != 0
        columnMajorIndices = node.int("storage_order", default: 0) != 0
        guard geometry.kernelShape != nil else { throw node.failure("kernel_shape is required") }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0] else { throw node.failure("needs an input") }
        if mode == .max && (x.type == .uint8 || x.type == .int8) {
            // 8-bit values are exact in float: pool there and convert back.
            var results = try run([try Conversion.convert(x, to: .float)] + inputs.dropFirst(), context)
            results[0] = try results[0].map { try Conversion.convert($0, to: x.type) }
            return results
        }
        guard x.type == .float else { throw node.failure("supports float (and 8-bit MaxPool) inputs, got \(x.type)") }
        guard (3...5).contains(x.rank) else { throw node.failure("supports 1 to 3 spatial axes, got input \(x.shape)") }
        let w = try geometry.resolve(input: Array(x.shape.dropFirst(2)), kernel: nil, node: node)
        let planes = x.shape[0] * x.shape[1]
        let output = Tensor(uninitialized: .float, shape: Array(x.shape.prefix(2)) + w.output)
        let wantsIndices = mode == .max && node.outputCount > 1
        let indices = wantsIndices ? Tensor(uninitialized: .int64, shape: output.shape) : nil
        let window = Window3D(w)
        let source = x.elements(Float.self).baseAddress!, target = output.mutableElements(Float.self).baseAddress!
        let indexTarget = indices?.mutableElements(Int64.self).baseAddress
        let cost = window.outCount * window.kernel[0] * window.kernel[1] * window.kernel[2]
        parallelRanges(planes, threads: context.threads, minimumPerThread: Parallel.items(costing: cost)) { range in
            for plane in range {
                pool(source + plane * window.inCount, into: target + plane * window.outCount, window: window,
                     indices: indexTarget.map { $0 + plane * window.outCount }, indexBase: plane * window.inCount)
            }
        }
        return indices.map { [output, $0] } ?? [output]
    }

    private func pool(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, window w: Window3D,
                      indices: UnsafeMutablePointer<Int64>?, indexBase: Int) {
        // Locals, so the loops below read registers, not the window's vectors.
        let (inD, inH, inW) = (w.input[0], w.input[1], w.input[2])
        let (kD, kH, kW) = (w.kernel[0], w.kernel[1], w.kernel[2])
        let (sD, sH, sW) = (w.stride[0], w.stride[1], w.stride[2])
        let (dD, dH, dW) = (w.dilation[0], w.dilation[1], w.dilation[2])
        let (pD, pH, pW) = (w.padBegin[0], w.padBegin[1], w.padBegin[2])
        let (eD, eH, eW) = (inD + w.padEnd[0], inH + w.padEnd[1], inW + w.padEnd[2])
        let isMax = mode == .max
        let windowsInside = (w.output[1] - 1) * sH + kH <= inH && (w.output[2] - 1) * sW + kW <= inW
        if isMax && indices == nil && kD == 1 && inD == 1 && dH == 1 && dW == 1 && pH == 0 && pW == 0 && windowsInside
            && kW <= 64 {
            qt_maxpool_plane(input, Int32(inW), Int32(kH), Int32(kW), Int32(sH), Int32(sW), output,
                             Int32(w.output[1]), Int32(w.output[2]))
            return
        }
        var out = 0
        for od in 0..<w.output[0] {
            let d0 = od * sD - pD
            for oh in 0..<w.output[1] {
                let h0 = oh * sH - pH
                for ow in 0..<w.output[2] {
                    let w0 = ow * sW - pW
                    var best = -Float.infinity, bestIndex = 0, sum: Float = 0, valid = 0, padded = 0
                    for kd in 0..<kD {
                        let d = d0 + kd * dD
                        for kh in 0..<kH {
                            let h = h0 + kh * dH
                            for kw in 0..<kW {
                                let x = w0 + kw * dW
                                if d >= -pD && d < eD && h >= -pH && h < eH && x >= -pW && x < eW { padded += 1 }
                                guard d >= 0, d < inD, h >= 0, h < inH, x >= 0, x < inW else { continue }
                                let offset = (d * inH + h) * inW + x
                                let value = input[offset]
                                valid += 1
                                sum += value
                                if value > best || (!best.isNaN && value.isNaN) { best = value; bestIndex = offset }
                            }
                        }
                    }
                    if isMax {
                        output[out] = best
                        if let indices { indices[out] = Int64(indexBase + w.storageIndex(bestIndex, columnMajor: columnMajorIndices)) }
                    } else {
                        output[out] = sum / Float(max(countIncludePad ? padded : valid, 1))
                    }
                    out += 1
                }
            }
        }
    }
}

/// A resolved window with its spatial axes padded to three (leading size-1 axes). Fixed-size
/// vectors, not arrays, so the pooling loops read them without reference counting.
struct Window3D {
    var input: SIMD3<Int>, output: SIMD3<Int>, kernel: SIMD3<Int>, stride: SIMD3<Int>, dilation: SIMD3<Int>
    var padBegin: SIMD3<Int>, padEnd: SIMD3<Int>
    let spatialRank: Int

    init(_ w: WindowGeometry.Resolved) {
        spatialRank = w.input.count
        let lead = 3 - w.input.count
        func pad(_ values: [Int], _ filler: Int) -> SIMD3<Int> { SIMD3(Array(repeating: filler, count: lead) + values) }
        input = pad(w.input, 1); output = pad(w.output, 1); kernel = pad(w.kernel, 1)
        stride = pad(w.stride, 1); dilation = pad(w.dilation, 1); padBegin = pad(w.padBegin, 0); padEnd = pad(w.padEnd, 0)
    }

    var inCount: Int { input[0] * input[1] * input[2] }
    var outCount: Int { output[0] * output[1] * output[2] }

    /// MaxPool's Indices: row-major offset, or column-major over the spatial axes.
    func storageIndex(_ rowMajor: Int, columnMajor: Bool) -> Int {
        guard columnMajor, spatialRank == 2 else { return rowMajor }
        let h = rowMajor / input[2], x = rowMajor % input[2]
        return x * input[1] + h
    }
}

/// GlobalAveragePool and GlobalMaxPool: one value per (batch, channel) plane.
struct GlobalPoolKernel: OpKernel {
    let node: KernelNode
    let isMax: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        isMax = node.opType == "GlobalMaxPool"
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], x.type == .float, x.rank >= 2 else { throw node.failure("needs a float input of rank >= 2") }
        let planes = x.shape[0] * x.shape[1], size = Shapes.count(Array(x.shape.dropFirst(2)))
        let output = Tensor(uninitialized: .float, shape: Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.rank - 2))
        let source = x.elements(Float.self), target = output.mutableElements(Float.self)
        parallelRanges(planes, threads: context.threads, minimumPerThread: Parallel.items(costing: size)) { range in
            for plane in range {
                let values = UnsafeBufferPointer(rebasing: source[plane * size..<(plane + 1) * size])
                target[plane] = isMax ? (values.max() ?? -.infinity) : Float(values.reduce(0.0) { $0 + Double($1) } / Double(max(size, 1)))
            }
        }
        return [output]
    }
}
