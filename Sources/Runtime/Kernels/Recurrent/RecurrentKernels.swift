// The Recurrent family: its registry lines (one per op and since-version).
extension KernelRegistry {
    static let recurrentKernels: [Entry] = [
        Entry("LSTM", 7, LSTMKernel.self),
        Entry("GRU", 7, GRUKernel.self),
        Entry("RNN", 7, RNNKernel.self),
    ]
}
