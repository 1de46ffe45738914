/// How a model is quantized statically; the defaults are onnxruntime's quantize_static ones
/// except where measured better: weights per channel, and cheap ops between float ops left
/// alone (README, "quantize-static").
public struct QuantizationOptions {
    public enum Format: String, CaseIterable { case qdq, qoperator }

    public var format = Format.qdq
    public var perChannel = true
    public var activationType = QuantType.qint8
    public var weightType = QuantType.qint8
    public var symmetricActivations = false
    /// nil: symmetric for signed weight types, as onnxruntime's is_weight_symmetric.
    public var symmetricWeights: Bool?
    public var reduceRange = false
    /// nil: every op type the rewriter knows.
    public var opTypes: Set<String>?
    /// Empty: every node.
    public var nodesToQuantize: Set<String> = []
    public var nodesToExclude: Set<String> = []
    public var quantizeBias = true
    /// Keep Relu/Clip nodes whose range could be folded into the tensor before them.
    public var keepRemovableActivations = false
    public var minimumRealRange: Float?
    /// Also quantize cheap ops that neither read nor feed quantized compute (onnxruntime does).
    public var quantizeIsolatedOps = false
    public var overrides: [String: TensorOverride] = [:]
    /// The model's ai.onnx opset (set by the quantizer; rules that depend on it read this).
    public var opset = 13

    public init() {}

    /// Whether weights of `type` are quantized symmetrically.
    public func weightsAreSymmetric(_ type: QuantType) -> Bool { symmetricWeights ?? type.isSigned }

    func shouldQuantize(_ opType: String, name: String) -> Bool {
        if !nodesToQuantize.isEmpty && !nodesToQuantize.contains(name) { return false }
        if nodesToExclude.contains(name) { return false }
        if let opTypes, !opTypes.contains(opType) { return false }
        return true
    }
}

/// A user's settings for one tensor (`--tensor-overrides FILE.json`): its type, its range, or
/// its scale and zero point outright, and for weights the per-channel axis.
public struct TensorOverride: Codable, Equatable {
    public var type: String?
    public var min: Float?
    public var max: Float?
    public var scale: Float?
    public var zeroPoint: Int?
    public var axis: Int?
    public var symmetric: Bool?

    enum CodingKeys: String, CodingKey {
        case type, min, max, scale, axis, symmetric
        case zeroPoint = "zero_point"
    }

    public init(type: String? = nil, min: Float? = nil, max: Float? = nil, scale: Float? = nil, zeroPoint: Int? = nil,
                axis: Int? = nil, symmetric: Bool? = nil) {
        (self.type, self.min, self.max, self.scale, self.zeroPoint, self.axis, self.symmetric)
            = (type, min, max, scale, zeroPoint, axis, symmetric)
    }
}

/// `--tensor-overrides FILE.json`.
public enum TensorOverrides {
    public static func read(_ path: String) throws -> [String: TensorOverride] {
        try JSONFile.read([String: TensorOverride].self, from: path,
                          expected: "a tensor overrides file ({\"tensor\": {\"type\": \"qint16\", \"min\": -1, ...}})")
    }
}
