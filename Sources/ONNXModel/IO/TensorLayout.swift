/// Sizes derived from a tensor's type and shape, with overflow checks (hostile dims).
public enum TensorLayout {
    /// Elements in a tensor of these dims, nil when a dim is negative or the product overflows.
    public static func elementCount(_ dims: [Int64]) -> Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0, dim <= Int64(Int.max) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// The byte count raw_data must have, nil when the type has no fixed width or dims are bad.
    public static func rawByteCount(of tensor: TensorProto) -> Int? {
        guard let type = tensor.elementType, let count = elementCount(tensor.dims) else { return nil }
        return type.byteCount(elements: count)
    }
}
