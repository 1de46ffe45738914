import Foundation
import ONNXModel

/// QLinearSoftmax (com.microsoft): softmax of 8-bit codes as onnxruntime computes it. The
/// `opset` attribute is that of the Softmax it replaces: before 13 each row flattened from
/// `axis` on is normalized, from 13 on the single `axis`. Exponentials come from a 256-entry
/// float table of exp((i − 255 + shift) · x_scale), the row's maximum code taken to entry 255
/// (the shift keeps a row's sum below the float maximum); the zero point of x cancels out.
/// Each output is nearbyint(e · ⌊1 / y_scale⌋ / sum) + y_zero_point, capped at the type's
/// maximum (it cannot fall below the zero point).
struct QLinearSoftmaxKernel: OpKernel {
    let node: KernelNode
    let flattensToMatrix: Bool
    let axis: Int

    init(_ node: KernelNode) throws {
        self.node = node
        guard let opset = node.int("opset") else { throw node.failure("missing attribute 'opset'") }
        flattensToMatrix = opset < 13
        // onnxruntime fills in the schema's default (-1) before its kernel could pick the
        // opset's own default, so an absent axis is the last one whatever the opset.
        axis = node.int("axis", default: -1)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let x = try Operands.required(inputs, 0)
        let range = try QuantizedRange(x.type, node: node)
        guard let xScale = try Operands.required(inputs, 1).scaleValues()?.first,
              let yScale = try Operands.required(inputs, 3).scaleValues()?.first else { throw node.failure("scales must be float") }
        let yZero = inputs.count > 4 ? inputs[4]?.widenedToInt32().first ?? 0 : 0
        guard x.rank > 0, let axis = Shapes.normalizeAxis(axis, rank: x.rank) else {
            throw node.failure("axis \(self.axis) is out of range for rank \(x.rank)")
        }
        let outer = Shapes.count(Array(x.shape[..<axis]))
        let length = flattensToMatrix ? Shapes.count(Array(x.shape[axis...])) : x.shape[axis]
        let inner = flattensToMatrix ? 1 : Shapes.count(Array(x.shape[(axis + 1)...]))
        let rows = Rows(length: length, inner: inner, table: Self.exponentials(xScale: xScale, length: length),
                        numerator: (1 / yScale).rounded(.down), zeroPoint: yZero, range: range)
        let codes = x.widenedToInt32()
        var result = [Int32](repeating: 0, count: x.count)
        result.withUnsafeMutableBufferPointer { target in
            parallelRanges(outer * inner, threads: context.threads, minimumPerThread: Parallel.items(costing: 3 * length)) { range in
                for row in range { rows.normalize(codes, into: target, start: (row / inner) * length * inner + row % inner) }
            }
        }
        return [Tensor.narrowed(result, to: x.type, shape: x.shape)]
    }

    /// QlinearBuildLookupTableUint32 with float entries: shift = max(0, ln(FLT_MAX / length) − 5)
    /// / x_scale, entry i = exp((i − 255 + shift) · x_scale), in double, stored as float.
    static func exponentials(xScale: Float, length: Int) -> [Float] {
        let logarithm = Double(log(Float.greatestFiniteMagnitude / Float(length)))
        let shift = max(0, logarithm - 5) / Double(xScale)
        return (0..<256).map { Float(exp((Double($0) - 255 + shift) * Double(xScale))) }
    }

    /// One softmax row: `length` codes `inner` apart.
    struct Rows {
        let length: Int, inner: Int
        let table: [Float]
        let numerator: Float
        let zeroPoint: Int32
        let range: QuantizedRange

        func normalize(_ codes: [Int32], into output: UnsafeMutableBufferPointer<Int32>, start: Int) {
            var largest = Int32.min
            for r in 0..<length { largest = max(largest, codes[start + r * inner]) }
            var sum: Float = 0
            for r in 0..<length { sum += table[Int(codes[start + r * inner] - largest + 255)] }
            for r in 0..<length {
                let e = table[Int(codes[start + r * inner] - largest + 255)]
                let code = Mlas.convert((e * numerator / sum).rounded(.toNearestOrEven)) &+ zeroPoint
                output[start + r * inner] = min(code, range.max)
            }
        }
    }
}
