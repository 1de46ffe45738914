// The Normalization family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let normalizationKernels: [Entry] = [
        Entry("BatchNormalization", 7, BatchNormalizationKernel.self),
        Entry("LayerNormalization", 17, LayerNormalizationKernel.self),
        Entry("RMSNormalization", 23, RMSNormalizationKernel.self),
        Entry("InstanceNormalization", 6, InstanceNormalizationKernel.self),
        Entry("GroupNormalization", 18, GroupNormalizationKernel.self),
        Entry("LRN", 1, LRNKernel.self),
        Entry("MeanVarianceNormalization", 9, MeanVarianceNormalizationKernel.self),
        Entry("LpNormalization", 1, LpNormalizationKernel.self),
    ]
}
