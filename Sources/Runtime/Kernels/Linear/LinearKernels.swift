// The Linear family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let linearKernels: [Entry] = [
        Entry("MatMul", 1, MatMulKernel.self),
        Entry("Gemm", 1, GemmKernel.self),
    ]
}
