// The Microsoft family: onnxruntime's com.microsoft contrib ops that its QOperator and dynamic
// quantizers emit (and the float Attention its transformer optimizer fuses), one registry line
// per op (all since version 1 of the domain).
extension KernelRegistry {
    static let microsoftKernels: [Entry] = [
        Entry("QGemm", 1, QGemmKernel.self, domain: "com.microsoft"),
        Entry("QLinearAdd", 1, QLinearBinaryKernel.self, domain: "com.microsoft"),
        Entry("QLinearMul", 1, QLinearBinaryKernel.self, domain: "com.microsoft"),
        Entry("QLinearGlobalAveragePool", 1, QLinearGlobalAveragePoolKernel.self, domain: "com.microsoft"),
        Entry("QLinearAveragePool", 1, QLinearAveragePoolKernel.self, domain: "com.microsoft"),
        Entry("QLinearConcat", 1, QLinearConcatKernel.self, domain: "com.microsoft"),
        Entry("QLinearSigmoid", 1, QLinearLookupKernel.self, domain: "com.microsoft"),
        Entry("QLinearLeakyRelu", 1, QLinearLookupKernel.self, domain: "com.microsoft"),
        Entry("QLinearSoftmax", 1, QLinearSoftmaxKernel.self, domain: "com.microsoft"),
        Entry("QLinearWhere", 1, QLinearWhereKernel.self, domain: "com.microsoft"),
        Entry("DynamicQuantizeLSTM", 1, DynamicQuantizeLSTMKernel.self, domain: "com.microsoft"),
        Entry("Attention", 1, AttentionKernel<FloatAttentionProjection>.self, domain: "com.microsoft"),
        Entry("QAttention", 1, AttentionKernel<QuantizedAttentionProjection>.self, domain: "com.microsoft"),
    ]
}
