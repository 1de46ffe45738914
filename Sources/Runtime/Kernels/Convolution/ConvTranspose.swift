/// ConvTranspose: per group, columns = Wᵀ·X (one row per output channel and kernel offset),
/// then each column entry is added at its output position (col2im).
struct ConvTransposeKernel: OpKernel {
    let node: KernelNode
    let geometry: WindowGeometry
    var group: Int { geometry.group }
    let outputPadding: [Int]?
    let outputShape: [Int]?

    init(_ node: KernelNode) throws {
        self.node = node
        geometry = try WindowGeometry(node)
        outputPadding = node.ints("output_padding")
        outputShape = node.ints("output_shape")
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        guard let x = inputs[0], let w = inputs[1], x.type == .float, w.type == .float else { throw node.failure("needs float X and W") }
        guard x.rank >= 3, w.rank == x.rank else { throw node.failure("X \(x.shape) and W \(w.shape) must have the same rank >= 3") }
        let batch = x.shape[0], channels = x.shape[1]
        guard channels == w.shape[0], channels % group == 0 else { throw node.failure("W \(w.shape) does not fit X \(x.shape)") }
        let groupFilters = w.shape[1], filters = groupFilters * group
        let window = try resolve(input: Array(x.shape.dropFirst(2)), kernel: Array(w.shape.dropFirst(2)))
        let bias = inputs.count > 2 ? inputs[2] : nil
        if let bias, bias.type != .float || bias.shape != [filters] { throw node.failure("B must be float [\(filters)]") }
        let output = Tensor(uninitialized: .float, shape: [batch, filters] + window.output)
        let y = output.mutableElements(Float.self).baseAddress!
        let xs = x.elements(Float.self).baseAddress!, ws = w.elements(Float.self).baseAddress!
        let inSize = Shapes.count(window.input), outSize = Shapes.count(window.output)
        let kernelSize = Shapes.count(window.kernel), groupChannels = channels / group
        let rows = groupFilters * kernelSize
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: rows * inSize)
        defer { columns.deallocate() }
        for f in 0..<(batch * filters) {
            (y + f * outSize).update(repeating: bias?.elements(Float.self)[f % filters] ?? 0, count: outSize)
        }
        for n in 0..<batch {
            for g in 0..<group {
                GEMM.multiply(m: rows, n: inSize, k: groupChannels,
                              a: ws + g * groupChannels * rows, lda: rows, transA: true,
                              b: xs + (n * channels + g * groupChannels) * inSize, ldb: inSize,
                              c: columns, ldc: inSize, threads: context.threads)
                let image = y + (n * filters + g * groupFilters) * outSize
                parallelRanges(groupFilters, threads: context.threads, minimumPerThread: Parallel.items(costing: kernelSize * inSize)) { range in
                    for filter in range {
                        Self.fold(columns + filter * kernelSize * inSize, window: window, into: image + filter * outSize)
                    }
                }
            }
        }
        return [output]
    }

    /// Adds one filter's kernelSize × inSize columns into its output plane.
    static func fold(_ columns: UnsafePointer<Float>, window w: WindowGeometry.Resolved, into plane: UnsafeMutablePointer<Float>) {
        let kernelStrides = Shapes.strides(w.kernel), inStrides = Shapes.strides(w.input), outStrides = Shapes.strides(w.output)
        let kernelSize = Shapes.count(w.kernel), inSize = Shapes.count(w.input)
        for offset in 0..<kernelSize {
            let row = columns + offset * inSize
            for position in 0..<inSize {
                var target = 0, inside = true
                for axis in w.input.indices {
                    let k = (offset / kernelStrides[axis]) % w.kernel[axis]
                    let i = (position / inStrides[axis]) % w.input[axis]
                    let o = i * w.stride[axis] - w.padBegin[axis] + k * w.dilation[axis]
                    if o < 0 || o >= w.output[axis] { inside = false; break }
                    target += o * outStrides[axis]
                }
                if inside { plane[target] += row[position] }
            }
        }
    }

    /// Output size and pads, from output_shape when given, else from pads (or auto_pad).
    func resolve(input: [Int], kernel fromWeights: [Int]) throws -> WindowGeometry.Resolved {
        let rank = input.count
        let kernel = geometry.kernelShape ?? fromWeights
        let stride = geometry.strides ?? Array(repeating: 1, count: rank)
        let dilation = geometry.dilations ?? Array(repeating: 1, count: rank)
        let extra = outputPadding ?? Array(repeating: 0, count: rank)
        guard kernel.count == rank, stride.count == rank, dilation.count == rank, extra.count == rank else {
            throw node.failure("kernel_shape, strides, dilations and output_padding need \(rank) values")
        }
        var padBegin = Array(geometry.pads?.prefix(rank) ?? ArraySlice(repeating: 0, count: rank))
        var padEnd = Array(geometry.pads?.suffix(rank) ?? ArraySlice(repeating: 0, count: rank))
        var output = [Int](repeating: 0, count: rank)
        // Pads follow from the output size only under SAME auto-padding without explicit pads
        // (as onnx's reference does); otherwise output_shape just fixes the size.
        let derivesPads = geometry.pads == nil && (geometry.autoPad == .sameUpper || geometry.autoPad == .sameLower)
        let requested = outputShape.map { Array($0.suffix(rank)) }
        for axis in 0..<rank {
            let full = stride[axis] * (input[axis] - 1) + extra[axis] + (kernel[axis] - 1) * dilation[axis] + 1
            if derivesPads {
                output[axis] = requested?[axis] ?? input[axis] * stride[axis]
                let total = full - output[axis]
                let half = Int((Double(total) / 2).rounded(.down))
                padBegin[axis] = geometry.autoPad == .sameUpper ? half : total - half
                padEnd[axis] = total - padBegin[axis]
            } else {
                output[axis] = requested?[axis] ?? full - padBegin[axis] - padEnd[axis]
            }
            guard output[axis] > 0 else { throw node.failure("output size along spatial axis \(axis) would be \(output[axis])") }
        }
        return WindowGeometry.Resolved(input: input, kernel: kernel, stride: stride, dilation: dilation,
                                       padBegin: padBegin, padEnd: padEnd, output: output)
    }
}
