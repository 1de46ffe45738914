/// How a row-major tensor splits into channels along one axis: element i belongs to channel
/// (i / inner) % count, where inner is the product of the dimensions after the axis.
struct ChannelLayout: Equatable {
    let axis: Int
    let count: Int
    let inner: Int

    /// Normalizes a negative axis as onnxruntime's `normalize_axis`.
    init(shape: [Int], axis: Int) throws {
        let normalized = axis < 0 ? axis + shape.count : axis
        guard normalized >= 0, normalized < shape.count else {
            throw QuantizationError.axisOutOfRange(axis: axis, rank: shape.count)
        }
        self.axis = normalized
        count = shape[normalized]
        inner = shape[(normalized + 1)...].reduce(1, *)
    }

    /// Calls `body(channel, index)` for every element, in memory order.
    func forEachElement(total: Int, _ body: (Int, Int) -> Void) {
        guard count > 0, inner > 0 else { return }
        var index = 0
        while index < total {
            let channel = (index / inner) % count
            for i in index..<min(index + inner, total) { body(channel, i) }
            index += inner
        }
    }
}
