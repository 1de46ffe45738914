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

extension TensorLayout {
    /// Why a tensor's dims and type disagree with the data it carries; nil when they agree.
    /// Checked when a model is loaded, so that nothing downstream sizes a buffer from dims
    /// the file does not back with bytes (a 16-byte tensor declaring 2^40 floats).
    public static func inconsistency(of tensor: TensorProto) -> String? {
        guard let count = elementCount(tensor.dims) else {
            return "dims \(tensor.dims) are negative or their product overflows"
        }
        // A segment carries only part of the values, unresolved external data none yet; an
        // unknown type is for its consumer to refuse.
        guard tensor.segment == nil, !(tensor.isExternal && tensor.rawData == nil), let type = tensor.elementType, type != .undefined else { return nil }
        if let raw = tensor.rawData {
            guard let expected = type.byteCount(elements: count), raw.count != expected else { return nil }
            return "raw_data has \(raw.count) bytes, \(type) \(tensor.dims) needs \(expected)"
        }
        let (field, needed) = typedField(for: type, elements: count)
        let found = entries(in: field, of: tensor)
        return found == needed ? nil : "\(field) has \(found) values, \(type) \(tensor.dims) needs \(needed)"
    }

    /// The TensorProto field that holds values of `type` when raw_data is absent, and how many
    /// entries `elements` values take there (complex numbers take two, sub-byte types pack).
    public static func typedField(for type: DataType, elements: Int) -> (field: String, entries: Int) {
        let pairs = elements > Int.max / 2 ? Int.max : elements * 2
        switch type {
        case .float: return ("float_data", elements)
        case .complex64: return ("float_data", pairs)
        case .double: return ("double_data", elements)
        case .complex128: return ("double_data", pairs)
        case .int64: return ("int64_data", elements)
        case .uint64, .uint32: return ("uint64_data", elements)
        case .string: return ("string_data", elements)
        default:
            let packing = 8 / (type.bitWidth ?? 8)
            return ("int32_data", packing > 1 ? (elements + packing - 1) / packing : elements)
        }
    }

    static func entries(in field: String, of tensor: TensorProto) -> Int {
        switch field {
        case "float_data": return tensor.floatData.count
        case "double_data": return tensor.doubleData.count
        case "int64_data": return tensor.int64Data.count
        case "uint64_data": return tensor.uint64Data.count
        case "string_data": return tensor.stringData.count
        default: return tensor.int32Data.count
        }
    }
}
