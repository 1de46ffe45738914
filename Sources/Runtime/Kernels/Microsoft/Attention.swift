/// Attention and QAttention (com.microsoft): Q|K|V = input·weights + bias, then the attention
/// of AttentionCore. The two differ only in the projection (`Projection`) and in where their
/// optional inputs sit. Attention (float, what onnxruntime's transformer optimizer fuses BERT
/// self-attention into): input [B, S, D], weights [D, Q+K+V], bias, mask_index,
/// past [2, B, N, P, H], attention_bias [B or 1, N, S, T]. Outputs: output, present.
struct AttentionKernel<Projection: AttentionProjection>: OpKernel {
    let node: KernelNode
    let attributes: AttentionAttributes

    init(_ node: KernelNode) throws {
        self.node = node
        attributes = try AttentionAttributes(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        func optional(_ index: Int?) -> Tensor? { index.flatMap { $0 < inputs.count ? inputs[$0] : nil } }
        guard let input = optional(0), let weights = optional(1), let bias = optional(2) else {
            throw node.failure("inputs input, weights and bias are required")
        }
        let past = optional(Projection.pastIndex)
        let shapes = try AttentionShapes(input: input, weights: weights, bias: bias, past: past, attributes: attributes, node: node)
        let projected = try Projection.project(inputs, input: input, weights: weights, shapes: shapes, node: node,
                                               threads: context.threads)
        let rows = shapes.batch * shapes.sequence, width = shapes.projectedWidth, values = bias.elements(Float.self)
        for row in 0..<rows {
            let target = projected.pointer + row * width
            for j in 0..<width { target[j] += values[j] }
        }
        let (output, present) = try AttentionCore.attend(projected.pointer, shapes: shapes, attributes: attributes,
                                                         mask: optional(Projection.maskIndex), past: past,
                                                         attentionBias: optional(Projection.attentionBiasIndex),
                                                         threads: context.threads, node: node)
        guard node.outputCount > 1, !node.node.outputs[1].isEmpty else { return [output] }
        guard let present else { throw node.failure("present needs equal K and V hidden sizes") }
        return [output, present]
    }
}

/// How one attention op turns input and weights into the float rows [B·S, Q+K+V] (bias not
/// yet added), and where its optional inputs are.
protocol AttentionProjection {
    static var maskIndex: Int { get }
    static var pastIndex: Int { get }
    static var attentionBiasIndex: Int? { get }
    static func project(_ inputs: [Tensor?], input: Tensor, weights: Tensor, shapes: AttentionShapes, node: KernelNode,
                        threads: Int) throws -> FloatBuffer
}

/// Attention's float product.
enum FloatAttentionProjection: AttentionProjection {
    static let maskIndex = 3, pastIndex = 4
    static let attentionBiasIndex: Int? = 5

    static func project(_ inputs: [Tensor?], input: Tensor, weights: Tensor, shapes: AttentionShapes, node: KernelNode,
                        threads: Int) throws -> FloatBuffer {
        guard input.type == .float, weights.type == .float else {
            throw node.failure("input and weights must be float, they are \(input.type) and \(weights.type)")
        }
        let rows = shapes.batch * shapes.sequence, width = shapes.projectedWidth
        let projected = FloatBuffer(count: rows * width)
        GEMM.multiply(m: rows, n: width, k: shapes.inputHidden, a: input.elements(Float.self).baseAddress!, lda: shapes.inputHidden,
                      b: weights.elements(Float.self).baseAddress!, ldb: width, c: projected.pointer, ldc: width, threads: threads)
        return projected
    }
}
