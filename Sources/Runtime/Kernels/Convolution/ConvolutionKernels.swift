// The Convolution family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let convolutionKernels: [Entry] = [
        Entry("Conv", 1, ConvKernel.self),
        Entry("ConvTranspose", 1, ConvTransposeKernel.self),
    ]
}
