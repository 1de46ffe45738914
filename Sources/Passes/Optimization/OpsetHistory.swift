/// When ai.onnx operators got new versions between opsets 7 and 11: what decides which nodes
/// an upgrade to opset 11 must rewrite. Generated with the onnx package (1.20.1):
///
///     for s in onnx.defs.get_all_schemas_with_history():
///         if s.domain in ("", "ai.onnx") and 7 < s.since_version <= 11: versions[s.name].add(s.since_version)
enum OpsetHistory {
    /// Op type → the opsets in 8...11 that introduced a new version of it.
    static let versionsAfter7: [String: [Int64]] = [
        "Acosh": [9], "ArgMax": [11], "ArgMin": [11], "Asinh": [9], "Atanh": [9], "AveragePool": [10, 11],
        "BatchNormalization": [9], "BitShift": [11], "Cast": [9], "Clip": [11], "Compress": [9, 11],
        "Concat": [11], "ConcatFromSequence": [11], "Constant": [9, 11], "ConstantOfShape": [9], "Conv": [11],
        "ConvInteger": [10], "ConvTranspose": [11], "Cosh": [9], "CumSum": [11], "DepthToSpace": [11],
        "DequantizeLinear": [10], "Det": [11], "Dropout": [10], "DynamicQuantizeLinear": [11], "Equal": [11],
        "Erf": [9], "Expand": [8], "EyeLike": [9], "Flatten": [9, 11], "Gather": [11], "GatherElements": [11],
        "GatherND": [11], "Gemm": [9, 11], "Greater": [9], "Hardmax": [11], "If": [11], "IsInf": [10],
        "IsNaN": [9], "Less": [9], "LogSoftmax": [11], "Loop": [11], "LpPool": [11], "MatMul": [9],
        "MatMulInteger": [10], "Max": [8], "MaxPool": [8, 10, 11], "MaxUnpool": [9, 11], "Mean": [8],
        "MeanVarianceNormalization": [9], "Min": [8], "Mod": [10], "NonMaxSuppression": [10, 11],
        "NonZero": [9], "OneHot": [9, 11], "PRelu": [9], "Pad": [11], "QLinearConv": [10],
        "QLinearMatMul": [10], "QuantizeLinear": [10], "Range": [11], "ReduceL1": [11], "ReduceL2": [11],
        "ReduceLogSum": [11], "ReduceLogSumExp": [11], "ReduceMax": [11], "ReduceMean": [11],
        "ReduceMin": [11], "ReduceProd": [11], "ReduceSum": [11], "ReduceSumSquare": [11], "Resize": [10, 11],
        "ReverseSequence": [10], "RoiAlign": [10], "Round": [11], "Scan": [8, 9, 11], "Scatter": [9, 11],
        "ScatterElements": [11], "ScatterND": [11], "SequenceAt": [11], "SequenceConstruct": [11],
        "SequenceEmpty": [11], "SequenceErase": [11], "SequenceInsert": [11], "SequenceLength": [11],
        "Shrink": [9], "Sign": [9], "Sinh": [9], "Slice": [10, 11], "Softmax": [11], "Split": [11],
        "SplitToSequence": [11], "Squeeze": [11], "StringNormalizer": [10], "Sum": [8], "TfIdfVectorizer": [9],
        "ThresholdedRelu": [10], "TopK": [10, 11], "Unique": [11], "Unsqueeze": [11], "Upsample": [9, 10],
        "Where": [9]
    ]

    /// Whether the op's schema at opset `from` differs from the one at `to` (both within 7...11).
    static func changes(_ op: String, from: Int64, to: Int64) -> Bool {
        versionsAfter7[op]?.contains { $0 > from && $0 <= to } ?? false
    }
}
