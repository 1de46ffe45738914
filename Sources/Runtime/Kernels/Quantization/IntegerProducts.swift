import CKernels
import ONNXModel

/// Integer matrix products and convolutions shared by the QLinear* and *Integer ops:
/// operands widened to Int32 with their zero points subtracted, int32 accumulation.
enum IntegerProducts {
    /// Per-tensor (one value) or per-row/column (a vector) zero points, widened.
    static func zeroPoints(_ tensor: Tensor?, count: Int, name: String, node: KernelNode) throws -> [Int32] {
        guard let tensor else { return [0] }
        let values = tensor.widenedToInt32()
        guard values.count == 1 || values.count == count else {
            throw node.failure("\(name) must have 1 or \(count) values, has \(values.count)")
        }
        return values
    }

    /// Batched (A - aZero)·(B - bZero) with numpy semantics (1-D operands promoted, batch
    /// dimensions broadcast). aZero is per row of A, bZero per column of B (or one value each).
    /// Returns int32 accumulators, their shape and B's column count.
    static func matMul(_ a: Tensor, _ aZero: Tensor?, _ b: Tensor, _ bZero: Tensor?, node: KernelNode)
        throws -> (values: [Int32], shape: [Int], columns: Int) {
        let batches = try MatrixBatches(a.shape, b.shape, node: node)
        let (m, k, n) = (batches.m, batches.k, batches.n)
        let aZeros = try zeroPoints(aZero, count: m, name: "a_zero_point", node: node)
        let bZeros = try zeroPoints(bZero, count: n, name: "b_zero_point", node: node)
        var av = a.widenedToInt32(), bv = b.widenedToInt32()
        for i in av.indices { av[i] -= aZeros.count == 1 ? aZeros[0] : aZeros[(i / k) % m] }
        for i in bv.indices { bv[i] -= bZeros.count == 1 ? bZeros[0] : bZeros[i % n] }
        var result = [Int32](repeating: 0, count: batches.count * m * n)
        av.withUnsafeBufferPointer { pa in bv.withUnsafeBufferPointer { pb in result.withUnsafeMutableBufferPointer { pc in
            for index in 0..<batches.count {
                let (aOffset, bOffset) = batches.offsets(index)
                qt_igemm(Int32(m), Int32(n), Int32(k), pa.baseAddress! + aOffset, Int32(k),
                         pb.baseAddress! + bOffset, Int32(n), pc.baseAddress! + index * m * n, Int32(n))
            }
        } } }
        return (result, batches.outputShape, n)
    }

    /// (X - xZero) convolved with (W - wZero[filter]), int32 accumulators in [N, M, spatial...].
    static func conv(_ x: Tensor, _ xZero: Tensor?, _ w: Tensor, _ wZero: Tensor?, geometry: WindowGeometry,
                     group: Int, threads: Int, node: KernelNode) throws -> (values: [Int32], shape: [Int]) {
        guard x.rank >= 3, w.rank == x.rank else { throw node.failure("x \(x.shape) and w \(w.shape) must have the same rank >= 3") }
        let batch = x.shape[0], channels = x.shape[1], filters = w.shape[0]
        guard group >= 1, channels % group == 0, filters % group == 0, w.shape[1] * group == channels else {
            throw node.failure("w \(w.shape) does not fit x \(x.shape) with group \(group)")
        }
        let window = try geometry.resolve(input: Array(x.shape.dropFirst(2)), kernel: Array(w.shape.dropFirst(2)), node: node)
        let xZeros = try zeroPoints(xZero, count: 1, name: "x_zero_point", node: node)
        let wZeros = try zeroPoints(wZero, count: filters, name: "w_zero_point", node: node)
        var xv = x.widenedToInt32(), wv = w.widenedToInt32()
        for i in xv.indices { xv[i] -= xZeros[0] }
        let perFilter = wv.count / filters
        for i in wv.indices { wv[i] -= wZeros.count == 1 ? wZeros[0] : wZeros[i / perFilter] }
        let inSize = Shapes.count(window.input), outSize = Shapes.count(window.output)
        let groupChannels = channels / group, groupFilters = filters / group
        let k = groupChannels * Shapes.count(window.kernel)
        var result = [Int32](repeating: 0, count: batch * filters * outSize)
        var columns = [Int32](repeating: 0, count: k * outSize)
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in
            columns.withUnsafeMutableBufferPointer { pcol in result.withUnsafeMutableBufferPointer { py in
                for n in 0..<batch {
                    for g in 0..<group {
                        Im2Col.unfold(px.baseAddress! + (n * channels + g * groupChannels) * inSize, channels: groupChannels,
                                      window: window, into: pcol.baseAddress!, threads: threads)
                        qt_igemm(Int32(groupFilters), Int32(outSize), Int32(k), pw.baseAddress! + g * groupFilters * k, Int32(k),
                                 pcol.baseAddress!, Int32(outSize),
                                 py.baseAddress! + (n * filters + g * groupFilters) * outSize, Int32(outSize))
                    }
                }
            } }
        } }
        return (result, [batch, filters] + window.output)
    }

    /// Requantizes int32 accumulators: y = saturate(round(acc · multiplier[c]) + zero point),
    /// where c is the channel (`channelOf` maps an element index to it).
    static func requantize(_ accumulators: [Int32], shape: [Int], multipliers: [Float], zeroPoint: Tensor?,
                           channelOf: (Int) -> Int) throws -> Tensor {
        let type = zeroPoint?.type ?? .uint8
        guard let (lo, hi) = QuantizedType.range(type) else { throw RuntimeError.unsupported("output type \(type) is not supported") }
        let zero = Float(zeroPoint?.widenedToInt32().first ?? 0)
        var result = [Int32](repeating: 0, count: accumulators.count)
        for i in accumulators.indices {
            let multiplier = multipliers.count == 1 ? multipliers[0] : multipliers[channelOf(i)]
            result[i] = saturatedRound((Float(accumulators[i]) * multiplier).rounded(.toNearestOrEven) + zero, lo, hi)
        }
        return Tensor.narrowed(result, to: type, shape: shape)
    }
}
