import ONNXModel

/// What calibration data must supply for one graph input: its name, element type and declared
/// shape. Samples are checked against it before any of them is run.
public struct GraphInputSpec: Equatable, Sendable {
    /// One declared dimension.
    public enum Dim: Equatable, Sendable, CustomStringConvertible {
        /// A fixed size: every sample must have exactly this.
        case fixed(Int)
        /// A named size ("batch", "seq"): any size, but the same for every input of one sample.
        case symbolic(String)
        /// Any size.
        case dynamic

        public var description: String {
            switch self {
            case .fixed(let size): return String(size)
            case .symbolic(let name): return name
            case .dynamic: return "?"
            }
        }
    }

    public var name: String
    public var elementType: DataType
    /// nil when the model does not declare the rank.
    public var dims: [Dim]?

    public init(name: String, elementType: DataType, dims: [Dim]?) {
        self.name = name
        self.elementType = elementType
        self.dims = dims
    }

    /// The input as a graph declares it; nil for an input that is not a tensor with a known
    /// element type (calibration cannot feed it).
    public init?(_ info: ValueInfoProto) {
        guard let name = info.name, let tensorType = info.type?.tensorType, let raw = tensorType.elemType,
              let type = DataType(rawValue: raw), type != .undefined else { return nil }
        self.init(name: name, elementType: type, dims: tensorType.shape.map { $0.dim.map(Self.dim) })
    }

    private static func dim(_ dimension: TensorShapeProto.Dimension) -> Dim {
        switch dimension.value {
        case .value(let size)? where size >= 0: return .fixed(Int(size))
        case .param(let name)? where isName(name): return .symbolic(name)
        default: return .dynamic
        }
    }

    /// Exporters also write placeholders as dim_param: Paddle's "?" on every unknown axis,
    /// "-1", "*". Those say nothing about equal sizes, so only a name that starts like an
    /// identifier ("batch", "p2o.DynamicDimension.0", "unk__12") is taken as one.
    private static func isName(_ param: String) -> Bool {
        guard let first = param.unicodeScalars.first else { return false }
        return first == "_" || first.properties.isAlphabetic
    }

    /// The inputs a calibration sample must feed, in graph order: those without an
    /// initializer (an input with one is a constant that may be overridden, not data).
    public static func inputs(of graph: Graph) throws -> [GraphInputSpec] {
        try graph.inputs.filter { graph.initializer(named: $0.name ?? "") == nil }.map { info in
            guard let spec = GraphInputSpec(info) else {
                throw CalibrationDataError.unsupportedInput(name: info.name ?? "", reason: "it is not a tensor of a known element type")
            }
            return spec
        }
    }

    /// The input's name as a file or folder name: path separators become '_' (as `qtool run`
    /// and the shared data sets spell them).
    public var fileName: String { String(name.map { $0 == "/" || $0 == "\\" ? "_" : $0 }) }

    /// The declared shape as text, e.g. "[batch, 3, 224, 224]".
    var shapeText: String { dims.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[any rank]" }
}
