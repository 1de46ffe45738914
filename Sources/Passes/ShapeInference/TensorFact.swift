import ONNXModel
import Runtime

/// What shape inference knows about one tensor: its element type, its shape (rank and each
/// dim, either possibly unknown), and, for the small integer tensors that shape arithmetic
/// passes around, its elements (symbolic where they come from dims), or its whole value.
public struct TensorFact {
    public var type: DataType?
    /// nil: rank unknown. A nil dim: that size unknown.
    public var shape: [SymbolicDim?]?
    /// The elements of a rank-0 or rank-1 integer tensor, when each is known or symbolic.
    public var elements: [SymbolicDim]?
    /// The value, when it is known outright (initializers, folded shape arithmetic).
    public var value: Tensor?

    public init(type: DataType? = nil, shape: [SymbolicDim?]? = nil, elements: [SymbolicDim]? = nil) {
        self.type = type
        self.shape = shape
        self.elements = elements
    }

    public static let unknown = TensorFact()

    /// Largest integer tensor whose elements are tracked.
    static let elementLimit = 1024

    /// A fact from a known value (type, shape, elements and value).
    public init(value: Tensor) {
        type = value.type
        shape = value.shape.map { SymbolicDim($0) }
        self.value = value
        if value.rank <= 1, value.count <= Self.elementLimit, let integers = Self.integers(of: value) {
            elements = integers.map { SymbolicDim($0) }
        }
    }

    /// A rank-1 int64 tensor with these elements (concrete or symbolic).
    public static func int64Vector(_ elements: [SymbolicDim]) -> TensorFact {
        var fact = TensorFact(type: .int64, shape: [SymbolicDim(elements.count)], elements: elements)
        if elements.allSatisfy({ $0.value != nil }) {
            fact.value = Tensor(elements.map { Int64($0.value!) }, shape: [elements.count])
        }
        return fact
    }

    /// A rank-0 int64 tensor.
    public static func int64Scalar(_ element: SymbolicDim) -> TensorFact {
        var fact = TensorFact(type: .int64, shape: [], elements: [element])
        if let value = element.value { fact.value = Tensor(scalar: Int64(value)) }
        return fact
    }

    public var rank: Int? { shape?.count }

    /// The concrete shape, when every dim is known.
    public var concreteShape: [Int]? {
        guard let shape else { return nil }
        let values = shape.compactMap { $0?.value }
        return values.count == shape.count ? values : nil
    }

    /// Every dim known or symbolic.
    public var hasFullShape: Bool { shape.map { $0.allSatisfy { $0 != nil } } ?? false }

    /// The elements as plain integers, when all are concrete.
    public var integers: [Int]? {
        guard let elements else { return nil }
        let values = elements.compactMap(\.value)
        return values.count == elements.count ? values : nil
    }

    static func integers(of tensor: Tensor) -> [Int]? {
        switch tensor.type {
        case .int64: return tensor.scalars(Int64.self).map { Int($0) }
        case .int32: return tensor.scalars(Int32.self).map { Int($0) }
        case .bool: return tensor.scalars(Bool.self).map { $0 ? 1 : 0 }
        default: return nil
        }
    }

    // MARK: To and from ValueInfo

    /// The fact a declared type gives (graph inputs, existing value_info). Unnamed, unknown
    /// dims of graph inputs get a fresh symbol from `unnamed` so equal dims can still be traced.
    init(declared type: TypeProto?, unnamed: ((Int) -> SymbolicDim?)? = nil) {
        guard let tensorType = type?.tensorType else { self.init(); return }
        self.init(type: tensorType.elemType.flatMap { DataType(rawValue: $0) }.flatMap { $0 == .undefined ? nil : $0 })
        guard let dims = tensorType.shape?.dim else { return }
        shape = dims.enumerated().map { axis, dim in
            switch dim.value {
            // Sizes past Int32 are not real dims; as unknowns they cannot overflow arithmetic.
            case .value(let size)? where size >= 0 && size <= Int64(Int32.max): return SymbolicDim(Int(size))
            // Some exporters write "?" for every unknown dim: that names nothing.
            case .param(let name)? where !name.isEmpty && name != "?": return SymbolicDim(symbol: name)
            default: return unnamed?(axis)
            }
        }
    }

    /// The fact with gaps filled from an earlier, possibly less precise one.
    func refined(with declared: TensorFact) -> TensorFact {
        var merged = self
        if merged.type == nil { merged.type = declared.type }
        if merged.shape == nil {
            merged.shape = declared.shape
        } else if let declaredShape = declared.shape, declaredShape.count == merged.shape!.count {
            merged.shape = zip(merged.shape!, declaredShape).map { $0 ?? $1 }
        }
        return merged
    }

    /// As a tensor type for value_info; nil when not even the element type is known.
    var typeProto: TypeProto? {
        guard let type else { return nil }
        return .tensor(type, dims: shape?.map { dim -> TensorShapeProto.Dimension.Value? in
            guard let dim else { return nil }
            if let value = dim.value { return .value(Int64(value)) }
            return .param(dim.description)
        })
    }
}
