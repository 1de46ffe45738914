import CKernels

/// Conv over any spatial rank: depthwise planes run a direct kernel, 1×1 convolutions are a
/// plain matrix product, everything else im2col + GEMM per group.
struct ConvKernel: OpKernel, ClampFusable {
    let node: KernelNode
    let geometry: WindowGeometry
    var group: Int { geometry.group }

    init(_ node: KernelNode) throws {
        self.node = node
        geometry = try WindowGeometry(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        try convolve(inputs, context, clamp: nil)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext, clamp: ActivationClamp) throws -> [Tensor?] {
        try convolve(inputs, context, clamp: clamp)
    }

    private func convolve(_ inputs: [Tensor?], _ context: ExecutionContext, clamp: ActivationClamp?) throws -> [Tensor?] {
        guard let x = inputs[0], let w = inputs[1] else { throw node.failure("needs X and W") }
        guard x.type == .float, w.type == .float else { throw node.failure("supports float tensors, got \(x.type)") }
        guard x.rank >= 3, w.rank == x.rank else { throw node.failure("X \(x.shape) and W \(w.shape) must have the same rank >= 3") }
        let batch = x.shape[0], channels = x.shape[1], filters = w.shape[0]
        guard channels % group == 0, filters % group == 0, w.shape[1] * group == channels else {
            throw node.failure("W \(w.shape) does not fit X \(x.shape) with group \(group)")
        }
        let bias = inputs.count > 2 ? inputs[2] : nil
        if let bias, bias.type != .float || bias.shape != [filters] { throw node.failure("B must be float [\(filters)]") }
        let window = try geometry.resolve(input: Array(x.shape.dropFirst(2)), kernel: Array(w.shape.dropFirst(2)), node: node)
        let output = Tensor(uninitialized: .float, shape: [batch, filters] + window.output)
        let problem = Problem(x: x.elements(Float.self).baseAddress!, w: w.elements(Float.self).baseAddress!,
                              bias: bias?.elements(Float.self).baseAddress, y: output.mutableElements(Float.self).baseAddress!,
                              batch: batch, channels: channels, filters: filters, group: group, window: window,
                              clamp: clamp, threads: context.threads)
        if group == channels && filters == channels && window.input.count == 2 {
            problem.depthwise()
        } else {
            problem.unfoldAndMultiply()
        }
        return [output]
    }

    /// One convolution's pointers and sizes.
    struct Problem {
        let x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
        let batch: Int, channels: Int, filters: Int, group: Int
        let window: WindowGeometry.Resolved
        let clamp: ActivationClamp?
        let threads: Int

        var inSize: Int { Shapes.count(window.input) }
        var outSize: Int { Shapes.count(window.output) }
        var kernelSize: Int { Shapes.count(window.kernel) }

        var isPointwise: Bool {
            window.kernel.allSatisfy { $0 == 1 } && window.stride.allSatisfy { $0 == 1 }
                && window.padBegin.allSatisfy { $0 == 0 } && window.padEnd.allSatisfy { $0 == 0 }
        }

        func depthwise() {
            let w = window
            parallelRanges(batch * channels, threads: threads, minimumPerThread: Parallel.items(costing: outSize * kernelSize)) { range in
                for plane in range {
                    let c = plane % channels
                    qt_depthwise_plane(x + plane * inSize, Int32(w.input[0]), Int32(w.input[1]),
                                       self.w + c * kernelSize, Int32(w.kernel[0]), Int32(w.kernel[1]),
                                       bias?[c] ?? 0, y + plane * outSize, Int32(w.output[0]), Int32(w.output[1]),
                                       Int32(w.stride[0]), Int32(w.stride[1]), Int32(w.padBegin[0]), Int32(w.padBegin[1]),
                                       Int32(w.dilation[0]), Int32(w.dilation[1]))
                    clamp?.apply(UnsafeMutableBufferPointer(start: y + plane * outSize, count: outSize))
                }
            }
        }

        func unfoldAndMultiply() {
            let groupChannels = channels / group, groupFilters = filters / group
            let k = groupChannels * kernelSize
            let columns = isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * outSize)
            defer { columns?.deallocate() }
            for n in 0..<batch {
                let image = y + n * filters * outSize
                fillBias(image)
                for g in 0..<group {
                    let source = x + (n * channels + g * groupChannels) * inSize
                    if let columns {
                        Im2Col.unfold(source, channels: groupChannels, window: window, into: columns, threads: threads)
                    }
                    GEMM.multiply(m: groupFilters, n: outSize, k: k,
                                  a: w + g * groupFilters * k, lda: k,
                                  b: columns.map { UnsafePointer($0) } ?? source, ldb: outSize,
                                  c: image + g * groupFilters * outSize, ldc: outSize,
                                  accumulate: true, threads: threads)
                }
                if let clamp {
                    let count = filters * outSize
                    parallelRanges(count, threads: threads, minimumPerThread: Parallel.minimumWork) { range in
                        clamp.apply(UnsafeMutableBufferPointer(start: image + range.lowerBound, count: range.count))
                    }
                }
            }
        }

        private func fillBias(_ image: UnsafeMutablePointer<Float>) {
            for f in 0..<filters { (image + f * outSize).update(repeating: bias?[f] ?? 0, count: outSize) }
        }
    }
}
