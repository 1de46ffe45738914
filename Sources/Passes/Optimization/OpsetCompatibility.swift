/// The new op versions in opsets 8...21 that read every older node the same way, checked one by
/// one against the onnx changelog and schemas (onnx 1.20.1): a node crossing only these needs
/// no rewrite. The onnx version converter registers a CompatibleAdapter for the same changes.
enum OpsetCompatibility {
    /// Op → its compatible versions (the union of the groups below).
    static let versions: [String: Set<Int>] = [
        widenedTypes, negativeAxes, attributesWithOldDefaults, clarifiedText,
    ].reduce(into: [:]) { merged, group in
        merged.merge(group) { $0.union($1) }
    }

    /// Only the type constraints grew (bfloat16, 8/16-bit integers, float8, int4, strings,
    /// sequences and optionals); the operation is the same for the types it took before.
    private static let widenedTypes: [String: Set<Int>] = [
        "Abs": [13], "Add": [13, 14], "ArgMax": [13], "ArgMin": [13], "BatchNormalization": [15],
        "Cast": [9, 13, 21], "CastLike": [21], "Ceil": [13], "Clip": [12, 13], "Concat": [13],
        "Constant": [9, 13, 19, 21], "ConstantOfShape": [20, 21], "CumSum": [14], "DepthToSpace": [13],
        "DequantizeLinear": [19], "Div": [13, 14], "Dropout": [13], "Equal": [11, 13, 19], "Exp": [13], "Expand": [13],
        "Flatten": [9, 13, 21], "Floor": [13], "Gather": [13], "GatherElements": [13], "GatherND": [13],
        "Gemm": [9, 13], "Greater": [9, 13], "GreaterOrEqual": [16], "Identity": [13, 14, 16, 19, 21],
        "If": [13, 16, 19, 21], "IsInf": [20], "IsNaN": [13, 20], "LRN": [13], "LeakyRelu": [16], "Less": [9, 13],
        "LessOrEqual": [16], "Log": [13], "Loop": [13, 16, 19, 21], "MatMul": [9, 13], "Max": [12, 13],
        "MaxPool": [12], "Mean": [13], "MeanVarianceNormalization": [13], "Min": [12, 13], "Mod": [13],
        "Mul": [13, 14], "Neg": [13], "NegativeLogLikelihoodLoss": [13], "NonZero": [13],
        "OptionalGetElement": [18], "OptionalHasElement": [18], "PRelu": [9, 16], "Pad": [13, 21],
        "Pow": [12, 13, 15], "QLinearMatMul": [21], "Reciprocal": [13], "ReduceL1": [13], "ReduceL2": [13],
        "ReduceLogSum": [13], "ReduceLogSumExp": [13], "ReduceMax": [12, 13, 20], "ReduceMean": [13],
        "ReduceMin": [12, 13, 20], "ReduceProd": [13], "ReduceSumSquare": [13], "Relu": [13, 14],
        "Reshape": [13, 19, 21], "Scan": [16, 19, 21], "ScatterElements": [13], "ScatterND": [13],
        "Shape": [13, 19, 21], "Sigmoid": [13], "Sign": [13], "Size": [13, 19, 21], "Slice": [13],
        "SoftmaxCrossEntropyLoss": [13], "SpaceToDepth": [13], "Sqrt": [13], "Squeeze": [21], "Sub": [13, 14],
        "Sum": [13], "Tanh": [13], "Tile": [13], "Transpose": [13, 21], "Unsqueeze": [21], "Where": [16],
    ]

    /// Opset 11 accepts negative axes (and negative Gather/OneHot indices), counted from the end;
    /// the non-negative values older nodes hold mean what they meant.
    private static let negativeAxes: [String: Set<Int>] = [
        "ArgMax": [11], "ArgMin": [11], "Compress": [11], "Concat": [11], "Flatten": [11], "Gather": [11],
        "Hardmax": [11], "LogSoftmax": [11], "OneHot": [11], "ReduceL1": [11], "ReduceL2": [11],
        "ReduceLogSum": [11], "ReduceLogSumExp": [11], "ReduceMax": [11], "ReduceMean": [11], "ReduceMin": [11],
        "ReduceProd": [11], "ReduceSum": [11], "ReduceSumSquare": [11], "Scan": [11], "Slice": [11],
        "Softmax": [11], "Split": [11], "Squeeze": [11], "Unsqueeze": [11],
    ]

    /// New attributes or optional inputs whose defaults are the old behaviour, or new values of
    /// an attribute old nodes cannot hold:
    /// - ArgMax/ArgMin-12 select_last_index 0; AveragePool-10 ceil_mode 0, -19 dilations 1;
    ///   LpPool-18 ceil_mode 0 and dilations 1; MaxPool-8 storage_order 0 and an optional Indices
    ///   output, -10 ceil_mode 0 and dilations 1.
    /// - Cast/CastLike-19 saturate (float8 targets only); Constant-11/12 sparse_value and
    ///   value_* attributes; DepthToSpace-11 mode DCR, the old order; GatherND-12 batch_dims 0.
    /// - Q/DQ-13 axis (used by 1-D scales only, which older versions rejected), -21 block_size 0
    ///   and output_dtype 0 (the zero point's type, as before).
    /// - Gemm-11 optional C; GRU/LSTM/RNN-14 layout 0; Reshape-14 allowzero 0; Shape-15 start 0
    ///   and no end; Pad-18 optional axes, -19 the wrap mode; TopK-11 largest 1 and sorted 1.
    /// - Max/Min/Mean/Sum-8 broadcast inputs that before had to have one shape.
    /// - Resize-18 antialias 0, axes all, keep_aspect_ratio_policy stretch; -19 the
    ///   half_pixel_symmetric mode; ScatterElements/ScatterND-16 reduction none, -18 max/min.
    private static let attributesWithOldDefaults: [String: Set<Int>] = [
        "ArgMax": [12], "ArgMin": [12], "AveragePool": [10, 19], "LpPool": [18], "MaxPool": [8, 10],
        "Cast": [19], "CastLike": [19], "Constant": [11, 12], "DepthToSpace": [11], "GatherND": [12],
        "DequantizeLinear": [13, 21], "QuantizeLinear": [13, 21], "Gemm": [11], "GRU": [14], "LSTM": [14], "RNN": [14],
        "Reshape": [14], "Shape": [15], "Pad": [18, 19], "TopK": [11], "Max": [8], "Min": [8], "Mean": [8], "Sum": [8],
        "Resize": [18, 19], "ScatterElements": [16, 18], "ScatterND": [16, 18],
    ]

    /// Opset 11 rewrote the text of these without changing what they compute: default strides
    /// and dilations spelled out, auto_pad's SAME output size stated (ConvTranspose's text had
    /// SAME_UPPER and SAME_LOWER swapped), Loop's example fixed.
    private static let clarifiedText: [String: Set<Int>] = [
        "AveragePool": [11], "Conv": [11], "ConvTranspose": [11], "LpPool": [11], "MaxPool": [11], "MaxUnpool": [11],
        "NonMaxSuppression": [11], "If": [11], "Loop": [11],
    ]
}
