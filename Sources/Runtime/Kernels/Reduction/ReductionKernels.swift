// The Reduction family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let reductionKernels: [Entry] = [
    ]
}
