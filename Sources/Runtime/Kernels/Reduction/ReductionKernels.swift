// The Reduction family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let reductionKernels: [Entry] = [
        Entry("ReduceSum", 1, ReduceSumKernel.self),
        Entry("ReduceMean", 1, ReduceMeanKernel.self),
        Entry("ReduceMax", 1, ReduceMaxKernel.self),
        Entry("ReduceMin", 1, ReduceMinKernel.self),
        Entry("ReduceProd", 1, ReduceProdKernel.self),
        Entry("ReduceL1", 1, ReduceL1Kernel.self),
        Entry("ReduceL2", 1, ReduceL2Kernel.self),
        Entry("ReduceSumSquare", 1, ReduceSumSquareKernel.self),
        Entry("ReduceLogSum", 1, ReduceLogSumKernel.self),
        Entry("ReduceLogSumExp", 1, ReduceLogSumExpKernel.self),
        Entry("ArgMax", 1, ArgMaxKernel.self),
        Entry("ArgMin", 1, ArgMinKernel.self),
        Entry("Softmax", 1, SoftmaxKernel.self),
        Entry("LogSoftmax", 1, LogSoftmaxKernel.self),
        Entry("Hardmax", 1, HardmaxKernel.self),
        Entry("Einsum", 12, EinsumKernel.self),
    ]
}
