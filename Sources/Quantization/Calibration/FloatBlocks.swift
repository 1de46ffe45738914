/// float16 tensors are calibrated as float32, a block at a time, so a large tensor is never
/// widened whole.
enum FloatBlocks {
    static let blockSize = 1 << 16

    /// Calls `body` with consecutive float32 blocks of the float16 values (given as bits).
    static func widening(_ halves: UnsafeBufferPointer<UInt16>, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        var block = [Float](repeating: 0, count: Swift.min(blockSize, halves.count))
        var start = 0
        while start < halves.count {
            let end = Swift.min(start + blockSize, halves.count)
            block.withUnsafeMutableBufferPointer { block in
                for i in start..<end { block[i - start] = Float(Float16(bitPattern: halves[i])) }
                body(UnsafeBufferPointer(rebasing: block[..<(end - start)]))
            }
            start = end
        }
    }
}
