import ONNXModel

extension ShapeRules {
    static let quantization: [String: ShapeRule] = [
        "QuantizeLinear": { context in context.set(0, type: try quantizedType(context), shape: context.shape(0)) },
        "DequantizeLinear": { context in
            // Before opset 19 the output is always float; from 19 it has the scale's type.
            let type = context.opset >= 19 ? context.type(1) : DataType.float
            context.set(0, type: type, shape: context.shape(0))
        },
        "DynamicQuantizeLinear": { context in
            context.set(0, type: .uint8, shape: context.shape(0))
            context.set(1, type: .float, shape: [])
            context.set(2, type: .uint8, shape: [])
        },
        // a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
        "QLinearMatMul": { context in context.set(0, type: context.type(7), shape: try matMulShape(context.shape(0), context.shape(3))) },
        "MatMulInteger": { context in context.set(0, type: .int32, shape: try matMulShape(context.shape(0), context.shape(1))) },
        // x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
        "QLinearConv": { context in context.set(0, type: context.type(7), shape: try convolutionShape(context, data: 0, weight: 3)) },
        "ConvInteger": { context in context.set(0, type: .int32, shape: try convolutionShape(context, data: 0, weight: 1)) },
    ]

    /// QuantizeLinear's output type: opset 21's output_dtype when set, else the zero point's
    /// type, else uint8 (no zero point).
    private static func quantizedType(_ context: ShapeContext) throws -> DataType? {
        let zeroPoint = context.has(2) ? context.type(2) : DataType.uint8
        guard context.opset >= 21, let code = context.int("output_dtype"), code != 0 else { return zeroPoint }
        guard let requested = DataType(rawValue: Int32(truncatingIfNeeded: code)) else {
            throw ShapeError("unknown output_dtype \(code)")
        }
        if context.has(2), let zeroPoint, zeroPoint != requested {
            throw ShapeError("output_dtype \(requested) differs from the zero point's type \(zeroPoint)")
        }
        return requested
    }
}
