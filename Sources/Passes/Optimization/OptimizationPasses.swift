import ONNXModel

/// The graph optimizations of `qtool preprocess`, in the order they help each other.
public enum OptimizationPasses {
    /// - Constants become initializers first, so every later pass sees weights as weights.
    /// - The opset upgrade comes next, so what follows evaluates nodes at their final opset.
    /// - Identities go before folding, so folding sees through them; folding goes before the
    ///   fusions, whose parameters may be computed from constants.
    /// - BatchNormalization folds into a Conv before an Add joins its bias; MatMul + Add become
    ///   a Gemm before a further Add joins that Gemm's C.
    /// - Duplicates merge and dead code goes last, sweeping up what the others left unread.
    public static func standard(report: PassReport? = nil) -> [GraphPass] {
        [
            ConstantToInitializerPass(report: report),
            UpsampleToResizePass(report: report),
            IdentityEliminationPass(report: report),
            ConstantFoldingPass(report: report),
            ReshapeChainPass(report: report),
            ConvBatchNormFoldPass(report: report),
            MatMulAddToGemmPass(report: report),
            BiasFusionPass(report: report),
            DuplicateInitializerPass(report: report),
            DeadCodeEliminationPass(report: report),
        ]
    }
}
