// The ControlFlow family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let controlFlowKernels: [Entry] = [
        Entry("If", 1, IfKernel.self),
        Entry("Loop", 1, LoopKernel.self),
        Entry("Scan", 8, Scan8Kernel.self),
        Entry("Scan", 9, ScanKernel.self),
    ]
}
