// The Shape family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let shapeKernels: [Entry] = [
    ]
}
