// The Quantization family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let quantizationKernels: [Entry] = [
        Entry("QuantizeLinear", 10, QuantizeLinearKernel.self),
        Entry("DequantizeLinear", 10, DequantizeLinearKernel.self),
        Entry("DynamicQuantizeLinear", 11, DynamicQuantizeLinearKernel.self),
        Entry("MatMulInteger", 10, MatMulIntegerKernel.self),
        Entry("QLinearMatMul", 10, QLinearMatMulKernel.self),
        Entry("ConvInteger", 10, ConvIntegerKernel.self),
        Entry("QLinearConv", 10, QLinearConvKernel.self),
    ]
}
