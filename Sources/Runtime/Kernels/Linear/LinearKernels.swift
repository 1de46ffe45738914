// The Linear family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let linearKernels: [Entry] = [
    ]
}
