import ONNXModel

/// An 8-bit [N, C, spatial...] tensor, or [N, spatial..., C] with channels_last, as planes:
/// where element `s` of the flattened spatial axes of plane (n, c) lives.
struct QuantizedPlanes {
    let batch: Int, channels: Int, spatial: [Int]
    let channelsLast: Bool
    /// Elements per plane.
    let size: Int

    init(_ x: Tensor, channelsLast: Bool, node: KernelNode) throws {
        guard x.rank >= 3 else { throw node.failure("input must have rank 3 or more, got \(x.shape)") }
        batch = x.shape[0]
        channels = channelsLast ? x.shape[x.rank - 1] : x.shape[1]
        spatial = Array(channelsLast ? x.shape[1..<(x.rank - 1)] : x.shape[2...])
        self.channelsLast = channelsLast
        size = Shapes.count(spatial)
    }

    init(batch: Int, channels: Int, spatial: [Int], channelsLast: Bool) {
        (self.batch, self.channels, self.spatial, self.channelsLast) = (batch, channels, spatial, channelsLast)
        size = Shapes.count(spatial)
    }

    @inline(__always) func offset(batch n: Int, channel c: Int, position s: Int) -> Int {
        channelsLast ? (n * size + s) * channels + c : (n * channels + c) * size + s
    }

    /// The output shape for output spatial sizes `outSpatial`, in the input's layout.
    func shape(_ outSpatial: [Int]) -> [Int] {
        channelsLast ? [batch] + outSpatial + [channels] : [batch, channels] + outSpatial
    }
}

/// QLinearGlobalAveragePool (com.microsoft): the mean of each plane, as onnxruntime computes
/// it (MlasQLinearGlobalAveragePoolNchw/Nhwc): the exact int32 sum minus zero point · size,
/// times x_scale / (y_scale · size), requantized with MlasRequantizeOutput.
struct QLinearGlobalAveragePoolKernel: OpKernel {
    let node: KernelNode
    let channelsLast: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        channelsLast = node.int("channels_last", default: 0) != 0
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let pool = try QuantizedPool(inputs, channelsLast: channelsLast, node: node)
        return [pool.global(threads: context.threads)]
    }
}

/// QLinearAveragePool (com.microsoft) over 1 to 3 spatial axes, as onnxruntime computes it:
/// inputs dequantized to float, each window summed in order, divided by its element count
/// (windows are clipped to the input, not to the padding, and count_include_pad divides by the
/// whole kernel size), then quantized by nearbyint(mean / y_scale + y_zero_point). A kernel
/// that covers the whole unpadded input goes to the global average pool instead, as there.
struct QLinearAveragePoolKernel: OpKernel {
    let node: KernelNode
    let geometry: WindowGeometry
    let channelsLast: Bool, countIncludePad: Bool

    init(_ node: KernelNode) throws {
        self.node = node
        geometry = try WindowGeometry(node)
        channelsLast = node.int("channels_last", default: 0) != 0
        countIncludePad = node.int("count_include_pad", default: 0) != 0
        guard let kernel = geometry.kernelShape, (1...3).contains(kernel.count) else {
            throw node.failure("kernel_shape must have 1 to 3 values")
        }
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let pool = try QuantizedPool(inputs, channelsLast: channelsLast, node: node)
        let window = try geometry.resolve(input: pool.planes.spatial, kernel: nil, node: node)
        if window.kernel == window.input && (window.padBegin + window.padEnd).allSatisfy({ $0 == 0 }) {
            return [pool.global(threads: context.threads)]
        }
        let windows = Self.cells(Window3D(window))
        let divisors = windows.map { Float(countIncludePad ? Shapes.count(window.kernel) : $0.count) }
        let values = pool.x.widenedToInt32().map(pool.input.dequantize)
        let cost = Shapes.count(window.output) * Shapes.count(window.kernel)
        return [pool.perPlane(outSpatial: window.output, cost: cost, threads: context.threads) { at, results in
            for (position, cells) in windows.enumerated() {
                var sum: Float = 0
                for cell in cells { sum += values[at(cell)] }
                results[position] = pool.quantize(mean: sum / divisors[position])
            }
        }]
    }

    /// The flat input positions of each output position's window, in order; windows are
    /// clipped to the input, without dilation (onnxruntime ignores it).
    static func cells(_ w: Window3D) -> [[Int]] {
        func clip(_ index: Int, axis: Int) -> Range<Int> {
            let start = index * w.stride[axis] - w.padBegin[axis]
            let lower = max(start, 0)
            return lower..<max(min(start + w.kernel[axis], w.input[axis]), lower)
        }
        var windows: [[Int]] = []
        for od in 0..<w.output[0] {
            for oh in 0..<w.output[1] {
                for ow in 0..<w.output[2] {
                    var cells: [Int] = []
                    for d in clip(od, axis: 0) {
                        for h in clip(oh, axis: 1) {
                            cells += clip(ow, axis: 2).map { (d * w.input[1] + h) * w.input[2] + $0 }
                        }
                    }
                    windows.append(cells)
                }
            }
        }
        return windows
    }
}

/// The operands of the quantized average pools: x as planes, and the scale and zero point of
/// x (inputs 1, 2) and of the output (inputs 3, 4).
struct QuantizedPool {
    let x: Tensor
    let planes: QuantizedPlanes
    let input: QuantizedScalar, output: QuantizedScalar
    let range: QuantizedRange

    init(_ inputs: [Tensor?], channelsLast: Bool, node: KernelNode) throws {
        x = try Operands.required(inputs, 0)
        planes = try QuantizedPlanes(x, channelsLast: channelsLast, node: node)
        input = try QuantizedScalar(inputs, scale: 1, zeroPoint: 2, node: node)
        output = try QuantizedScalar(inputs, scale: 3, zeroPoint: 4, node: node)
        range = try QuantizedRange(x.type, node: node)
    }

    /// One value per plane: the exact int32 sum of its codes minus zero point · size, times
    /// x_scale / (y_scale · size), requantized (MlasQLinearGlobalAveragePool*).
    func global(threads: Int) -> Tensor {
        let size = planes.size, codes = x.widenedToInt32()
        let scale = input.scale / (output.scale * Float(size))
        let bias = -input.zeroPoint &* Int32(truncatingIfNeeded: size)
        return perPlane(outSpatial: planes.spatial.map { _ in 1 }, cost: size, threads: threads) { at, results in
            var sum = bias
            for s in 0..<size { sum &+= codes[at(s)] }
            results[0] = Mlas.requantize(Float(sum) * scale, zeroPoint: output.zeroPoint, range)
        }
    }

    /// QLinearAveragePool's quantize_value: nearbyint(mean / y_scale + y_zero_point), saturated.
    func quantize(mean: Float) -> Int32 {
        range.saturate(Mlas.convert((mean / output.scale + Float(output.zeroPoint)).rounded(.toNearestOrEven)))
    }

    /// The output tensor of spatial size `outSpatial`, its planes filled in parallel: `body`
    /// gets a map from a spatial position to x's element offset in the plane and fills the
    /// plane's results in order; `cost` is the work per plane.
    func perPlane(outSpatial: [Int], cost: Int, threads: Int, _ body: ((Int) -> Int, inout [Int32]) -> Void) -> Tensor {
        let outPlanes = QuantizedPlanes(batch: planes.batch, channels: planes.channels, spatial: outSpatial,
                                        channelsLast: planes.channelsLast)
        let outSize = outPlanes.size
        var result = [Int32](repeating: 0, count: planes.batch * planes.channels * outSize)
        result.withUnsafeMutableBufferPointer { target in
            parallelRanges(planes.batch * planes.channels, threads: threads, minimumPerThread: Parallel.items(costing: cost)) { range in
                var local = [Int32](repeating: 0, count: outSize)
                for plane in range {
                    let (n, c) = plane.quotientAndRemainder(dividingBy: planes.channels)
                    body({ planes.offset(batch: n, channel: c, position: $0) }, &local)
                    for s in 0..<outSize { target[outPlanes.offset(batch: n, channel: c, position: s)] = local[s] }
                }
            }
        }
        return Tensor.narrowed(result, to: x.type, shape: planes.shape(outSpatial))
    }
}
