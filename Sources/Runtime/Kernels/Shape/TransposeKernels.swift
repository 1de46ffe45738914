import ONNXModel

// Ops that permute axes: each is a view of the input (its shape split into more axes, then
// permuted) copied by StridedCopy, whose tiled and run-copy paths cover the common cases
// (last-two-axes swap, NCHW<->NHWC, [B,S,H,D]->[B,H,S,D]).

extension ShapeOps {
    enum PermutedView {
        /// `input` read as `viewShape` (same element count), its axes permuted by `perm`, into a
        /// new tensor of `outputShape`.
        static func apply(_ input: Tensor, viewShape: [Int], perm: [Int], outputShape: [Int], threads: Int) throws -> Tensor {
            let strides = Shapes.strides(viewShape)
            let permuted = try StridedCopy.gather(input, shape: perm.map { viewShape[$0] }, strides: perm.map { strides[$0] }, threads: threads)
            return permuted.reshaped(outputShape)
        }

        static func validate(_ perm: [Int], rank: Int) throws {
            guard perm.count == rank, Set(perm) == Set(0..<rank) else {
                throw RuntimeError.invalidModel("perm \(perm) is not a permutation of the \(rank) axes")
            }
        }
    }
}

struct TransposeKernel: OpKernel {
    let perm: [Int]?

    init(_ node: KernelNode) throws { perm = node.ints("perm") }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let data = try ShapeOps.input(inputs, 0, "data")
        let perm = self.perm ?? Array((0..<data.rank).reversed())
        try ShapeOps.PermutedView.validate(perm, rank: data.rank)
        if perm == Array(0..<data.rank) { return [data] }
        return [try ShapeOps.PermutedView.apply(data, viewShape: data.shape, perm: perm,
                                          outputShape: perm.map { data.shape[$0] }, threads: context.threads)]
    }
}

/// The block size of DepthToSpace/SpaceToDepth and the [N, C, H, W] input they need.
private func blockedInput(_ inputs: [Tensor?], blockSize: Int) throws -> (Tensor, n: Int, c: Int, h: Int, w: Int) {
    let input = try ShapeOps.input(inputs, 0, "input")
    guard input.rank == 4 else { throw RuntimeError.invalidModel("input must be [N, C, H, W], got \(input.shape)") }
    guard blockSize > 0 && blockSize <= 1 << 16 else { throw RuntimeError.invalidModel("blocksize \(blockSize) is not a sensible block size") }
    return (input, input.shape[0], input.shape[1], input.shape[2], input.shape[3])
}

struct DepthToSpaceKernel: OpKernel {
    let blockSize: Int
    /// CRD (column-row-depth) instead of the default DCR order of the depth axis.
    let columnRowDepth: Bool

    init(_ node: KernelNode) throws {
        blockSize = try ShapeOps.requiredInt(node, "blocksize")
        let mode = node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw node.failure("mode '\(mode)' is not DCR or CRD") }
        columnRowDepth = mode == "CRD"
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let (input, n, c, h, w) = try blockedInput(inputs, blockSize: blockSize)
        let b = blockSize
        guard c % (b * b) == 0 else { throw RuntimeError.invalidModel("channels \(c) are not a multiple of blocksize² \(b * b)") }
        let depth = c / (b * b)
        let output = [n, depth, h * b, w * b]
        if columnRowDepth {
            return [try ShapeOps.PermutedView.apply(input, viewShape: [n, depth, b, b, h, w], perm: [0, 1, 4, 2, 5, 3],
                                              outputShape: output, threads: context.threads)]
        }
        return [try ShapeOps.PermutedView.apply(input, viewShape: [n, b, b, depth, h, w], perm: [0, 3, 4, 1, 5, 2],
                                          outputShape: output, threads: context.threads)]
    }
}

struct SpaceToDepthKernel: OpKernel {
    let blockSize: Int

    init(_ node: KernelNode) throws {
        blockSize = try ShapeOps.requiredInt(node, "blocksize")
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let (input, n, c, h, w) = try blockedInput(inputs, blockSize: blockSize)
        let b = blockSize
        guard h % b == 0 && w % b == 0 else {
            throw RuntimeError.invalidModel("height \(h) and width \(w) must be multiples of blocksize \(b)")
        }
        return [try ShapeOps.PermutedView.apply(input, viewShape: [n, c, h / b, b, w / b, b], perm: [0, 3, 5, 1, 2, 4],
                                          outputShape: [n, c * b * b, h / b, w / b], threads: context.threads)]
    }
}
