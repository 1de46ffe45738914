import Foundation

/// What com.microsoft Attention and QAttention share once input·weights + bias is known: the
/// multi-head self-attention of onnxruntime's CPU kernel (AttentionCPUBase). Per batch entry b
/// and head n, with T = past + S keys:
///   scores = mask[b] + scale · Q·Kᵀ (+ attention_bias[b, n]),  P = softmax(scores) along T,
///   output[b, s, n·Hv ..< (n+1)·Hv] = P·V
/// The mask is additive, built as onnxruntime's PrepareMask builds it, so fully masked rows
/// (all keys at mask_filter_value) come out the same way too.
struct AttentionAttributes {
    let heads: Int
    let unidirectional: Bool
    let maskFilterValue: Float
    /// The score scale; nil means 1/√(head size).
    let scale: Float?
    /// Q, K and V hidden sizes when they differ (qkv_hidden_sizes); nil means thirds of the bias.
    let hiddenSizes: [Int]?

    init(_ node: KernelNode) throws {
        heads = node.int("num_heads", default: 0)
        guard heads > 0 else { throw node.failure("attribute num_heads must be positive, it is \(heads)") }
        unidirectional = node.int("unidirectional", default: 0) != 0
        maskFilterValue = node.float("mask_filter_value", default: -10000)
        let scale = node.float("scale", default: 0)
        self.scale = scale == 0 ? nil : scale
        hiddenSizes = node.ints("qkv_hidden_sizes").flatMap { $0.isEmpty ? nil : $0 }
        if node.int("do_rotary", default: 0) != 0 { throw node.failure("do_rotary is not supported") }
        if node.int("past_present_share_buffer", default: 0) != 0 { throw node.failure("past_present_share_buffer is not supported") }
    }
}

/// The sizes of one run, checked against each other (onnxruntime's AttentionBase::CheckInputs).
struct AttentionShapes {
    let batch: Int, sequence: Int, inputHidden: Int
    let qkHidden: Int, vHidden: Int
    let headSize: Int, vHeadSize: Int
    let past: Int
    var total: Int { past + sequence }
    var projectedWidth: Int { 2 * qkHidden + vHidden }

    init(input: Tensor, weights: Tensor, bias: Tensor, past: Tensor?, attributes: AttentionAttributes, node: KernelNode) throws {
        guard input.rank == 3 else { throw node.failure("input must be [batch, sequence, hidden], it is \(input.shape)") }
        (batch, sequence, inputHidden) = (input.shape[0], input.shape[1], input.shape[2])
        guard weights.rank == 2, weights.shape[0] == inputHidden else {
            throw node.failure("weights \(weights.shape) must be [\(inputHidden), Q+K+V hidden]")
        }
        guard bias.rank == 1, bias.type == .float, bias.shape[0] == weights.shape[1] else {
            throw node.failure("bias must be float [\(weights.shape[1])], it is \(bias.type) \(bias.shape)")
        }
        let sizes = attributes.hiddenSizes ?? [Int](repeating: weights.shape[1] / 3, count: 3)
        let heads = attributes.heads
        guard sizes.count == 3, sizes[0] == sizes[1], sizes.reduce(0, +) == weights.shape[1],
              sizes.allSatisfy({ $0 > 0 && $0 % heads == 0 }) else {
            throw node.failure("Q, K, V hidden sizes \(sizes) must be equal for Q and K, sum to \(weights.shape[1]) and divide by num_heads \(heads)")
        }
        (qkHidden, vHidden) = (sizes[0], sizes[2])
        (headSize, vHeadSize) = (qkHidden / heads, vHidden / heads)
        if let past {
            guard qkHidden == vHidden, past.type == .float, past.rank == 5,
                  Array(past.shape[..<3]) == [2, batch, heads], past.shape[4] == headSize else {
                throw node.failure("past must be float [2, \(batch), \(heads), past, \(headSize)], it is \(past.type) \(past.shape)")
            }
            self.past = past.shape[3]
        } else {
            self.past = 0
        }
    }
}

enum AttentionCore {
    /// The attention output [batch, sequence, vHidden] and present [2, batch, heads, total, head]
    /// (nil when V's head size differs from K's) from the projected rows `qkv`
    /// ([batch·sequence, Q|K|V], biases added).
    static func attend(_ qkv: UnsafePointer<Float>, shapes: AttentionShapes, attributes: AttentionAttributes,
                       mask: Tensor?, past: Tensor?, attentionBias: Tensor?, threads: Int, node: KernelNode) throws -> (Tensor, Tensor?) {
        let heads = attributes.heads
        let additive = try additiveMask(mask, shapes: shapes, attributes: attributes, node: node)
        let bias = try attentionBiasRows(attentionBias, shapes: shapes, heads: heads, node: node)
        // K and V of every (batch, head) as onnxruntime's present holds them: past rows, then new ones.
        let present = Tensor(uninitialized: .float, shape: [2, shapes.batch, heads, shapes.total, shapes.headSize])
        let keys = present.mutableElements(Float.self).baseAddress!
        let values = Tensor(uninitialized: .float, shape: [shapes.batch, heads, shapes.total, shapes.vHeadSize])
        let valueRows = shapes.qkHidden == shapes.vHidden ? keys + present.count / 2 : values.mutableElements(Float.self).baseAddress!
        gatherKeysAndValues(qkv, shapes: shapes, heads: heads, past: past, keys: keys, values: valueRows)
        let output = Tensor(uninitialized: .float, shape: [shapes.batch, shapes.sequence, shapes.vHidden])
        let out = output.mutableElements(Float.self).baseAddress!
        let scale = attributes.scale ?? 1 / Float(shapes.headSize).squareRoot()
        let (s, t, h, hv) = (shapes.sequence, shapes.total, shapes.headSize, shapes.vHeadSize)
        let work = s * t * (h + hv)
        parallelRanges(shapes.batch * heads, threads: threads, minimumPerThread: max(1, (1 << 16) / max(work, 1))) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: s * t)
            defer { scores.deallocate() }
            for index in range {
                let (b, n) = (index / heads, index % heads)
                let queries = qkv + b * s * shapes.projectedWidth + n * h
                let keyRows = keys + index * t * h, valueHead = valueRows + index * t * hv
                GEMM.multiply(m: s, n: t, k: h, a: queries, lda: shapes.projectedWidth, b: keyRows, ldb: h, transB: true,
                              c: scores, ldc: t)
                for i in 0..<s {
                    let row = scores + i * t
                    if let additive {
                        additive.withUnsafeBufferPointer { mask in
                            for j in 0..<t { row[j] = mask[(b * s + i) * t + j] + scale * row[j] }
                        }
                    } else {
                        for j in 0..<t { row[j] *= scale }
                    }
                    if let bias { for j in 0..<t { row[j] += bias(b, n)[i * t + j] } }
                    softmax(row, t)
                }
                GEMM.multiply(m: s, n: hv, k: t, a: scores, lda: t, b: valueHead, ldb: hv,
                              c: out + b * s * shapes.vHidden + n * hv, ldc: shapes.vHidden)
            }
        }
        return (output, shapes.qkHidden == shapes.vHidden ? present : nil)
    }

    /// Copies K and V of the projected rows (after the past ones) into [batch, heads, total, head].
    private static func gatherKeysAndValues(_ qkv: UnsafePointer<Float>, shapes: AttentionShapes, heads: Int, past: Tensor?,
                                            keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let (s, t, h, hv) = (shapes.sequence, shapes.total, shapes.headSize, shapes.vHeadSize)
        let pastRows = past?.elements(Float.self).baseAddress
        for b in 0..<shapes.batch {
            for n in 0..<heads {
                let index = b * heads + n
                if let pastRows {
                    let half = shapes.batch * heads * shapes.past * h
                    (keys + index * t * h).update(from: pastRows + index * shapes.past * h, count: shapes.past * h)
                    (values + index * t * hv).update(from: pastRows + half + index * shapes.past * hv, count: shapes.past * hv)
                }
                for i in 0..<s {
                    let row = qkv + (b * s + i) * shapes.projectedWidth
                    (keys + (index * t + shapes.past + i) * h).update(from: row + shapes.qkHidden + n * h, count: h)
                    (values + (index * t + shapes.past + i) * hv).update(from: row + 2 * shapes.qkHidden + n * hv, count: hv)
                }
            }
        }
    }

    /// In place: exp(x − max) / Σ.
    private static func softmax(_ row: UnsafeMutablePointer<Float>, _ count: Int) {
        let maximum = FloatRows.maximum(row, count)
        let sum = FloatRows.exponentials(row, row, count, shift: maximum)
        FloatRows.affine(row, row, count, scale: Float(1 / sum), shift: 0)
    }

    /// attention_bias [batch or 1, heads, S, T] as a lookup of the [S, T] block of (b, n).
    private static func attentionBiasRows(_ bias: Tensor?, shapes: AttentionShapes, heads: Int,
                                          node: KernelNode) throws -> ((Int, Int) -> UnsafePointer<Float>)? {
        guard let bias else { return nil }
        guard bias.type == .float, bias.rank == 4, bias.shape[0] == shapes.batch || bias.shape[0] == 1,
              Array(bias.shape[1...]) == [heads, shapes.sequence, shapes.total] else {
            throw node.failure("attention_bias must be float [\(shapes.batch) or 1, \(heads), \(shapes.sequence), \(shapes.total)], it is \(bias.type) \(bias.shape)")
        }
        let base = bias.elements(Float.self).baseAddress!, block = shapes.sequence * shapes.total
        let broadcast = bias.shape[0] == 1
        return { b, n in base + ((broadcast ? 0 : b) * heads + n) * block }
    }
}
