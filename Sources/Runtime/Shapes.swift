/// Shape arithmetic shared by kernels (and by shape inference, which must agree with them):
/// strides, numpy broadcasting, axis normalization, slice ranges.
public enum Shapes {
    /// Row-major strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// The numpy-broadcast shape of several shapes, or nil when they are incompatible.
    public static func broadcast(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, dim) in shape.enumerated() {
                let current = result[offset + axis]
                if current == dim || dim == 1 { continue }
                if current == 1 { result[offset + axis] = dim } else { return nil }
            }
        }
        return result
    }

    /// Strides that read a tensor of `shape` as if it had `target` shape (0 along broadcast axes).
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        return target.indices.map { axis in
            axis < offset ? 0 : (shape[axis - offset] == 1 ? 0 : own[axis - offset])
        }
    }

    /// A possibly negative axis as an index in 0..<rank, or nil when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let normalized = axis < 0 ? axis + rank : axis
        return (0..<max(rank, 1)).contains(normalized) || (rank == 0 && normalized == 0) ? normalized : nil
    }

    /// The first index and element count of start:end:step along an axis of `dim`, with the
    /// spec's clamping (negative values count from the end).
    public static func sliceRange(start: Int, end: Int, step: Int, dim: Int) -> (start: Int, count: Int) {
        var first = start < 0 ? start &+ dim : start
        var last = end < 0 ? end &+ dim : end
        if step > 0 {
            first = min(max(first, 0), dim)
            last = min(max(last, 0), dim)
            let step = min(step, ShapeOps.largestDimension)
            return (first, max(0, (last - first + step - 1) / step))
        }
        first = min(max(first, 0), dim - 1)
        last = min(max(last, -1), dim - 1)
        let step = min(-max(step, -ShapeOps.largestDimension), ShapeOps.largestDimension)
        return (max(first, 0), max(0, (first - last + step - 1) / step))
    }

    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}
