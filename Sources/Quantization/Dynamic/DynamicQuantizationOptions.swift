/// How a model is quantized dynamically. The defaults are onnxruntime's quantize_dynamic ones
/// (int8 weights, every op qtool can rewrite, MatMul only with a constant B) except per-channel
/// weights: on MiniLM they lift the embedding cosine from 0.969 to 0.996 (README).
public struct DynamicQuantizationOptions {
    /// qint8 or quint8 (activations are always quint8: DynamicQuantizeLinear's only type).
    public var weightType = QuantType.qint8
    public var perChannel = true
    public var reduceRange = false
    /// nil: every op type the rules know.
    public var opTypes: Set<String>?
    /// Empty: every node.
    public var nodesToQuantize: Set<String> = []
    public var nodesToExclude: Set<String> = []
    /// A MatMul whose B is computed stays float (a u8×u8 MatMulInteger between two
    /// activations runs on few runtimes).
    public var matMulConstBOnly = true
    /// nil: symmetric for signed weight types (onnxruntime's WeightSymmetric default).
    public var symmetricWeights: Bool?

    public init() {}

    public static let weightTypes: [QuantType] = [.qint8, .quint8]

    func weightsAreSymmetric(_ type: QuantType) -> Bool { symmetricWeights ?? type.isSigned }

    /// onnxruntime's should_quantize_node, where a MatMul that qtool made from a Gemm also
    /// answers to the Gemm's name and op type (`origin`), so options naming the Gemm apply.
    func shouldQuantize(_ opType: String, name: String, origin: (opType: String, name: String)? = nil) -> Bool {
        let names = [name] + (origin.map { [$0.name] } ?? [])
        let types = [opType] + (origin.map { [$0.opType] } ?? [])
        if !nodesToQuantize.isEmpty && !names.contains(where: nodesToQuantize.contains) { return false }
        if names.contains(where: nodesToExclude.contains) { return false }
        if let opTypes, !types.contains(where: opTypes.contains) { return false }
        return true
    }
}
