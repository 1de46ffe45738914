// The Pooling family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let poolingKernels: [Entry] = [
        Entry("MaxPool", 1, PoolKernel.self),
        Entry("AveragePool", 1, PoolKernel.self),
        Entry("GlobalAveragePool", 1, GlobalPoolKernel.self),
        Entry("GlobalMaxPool", 1, GlobalPoolKernel.self),
    ]
}
