import ONNXModel

/// Integer types a quantized tensor can have, with their ranges.
enum QuantizedType {
    static func range(_ type: DataType) -> (min: Int32, max: Int32)? {
        switch type {
        case .uint8: return (0, 255)
        case .int8: return (-128, 127)
        case .uint16: return (0, 65535)
        case .int16: return (-32768, 32767)
        case .int32: return (Int32.min, Int32.max)
        case .uint4: return (0, 15)
        case .int4: return (-8, 7)
        case .uint2: return (0, 3)
        case .int2: return (-2, 1)
        default: return nil
        }
    }
}

extension Tensor {
    /// Integer elements widened to Int32 (for the integer types of quantized tensors).
    func widenedToInt32() -> [Int32] {
        switch type {
        case .uint8, .uint4, .uint2: return elements(UInt8.self).map { Int32($0) }
        case .int8, .int4, .int2: return elements(Int8.self).map { Int32($0) }
        case .uint16: return elements(UInt16.self).map { Int32($0) }
        case .int16: return elements(Int16.self).map { Int32($0) }
        case .int32: return scalars(Int32.self)
        default: return integers().map { Int32(truncatingIfNeeded: $0) }
        }
    }

    /// Scale values as Float, from float, float16 or double tensors; nil for other types.
    func scaleValues() -> [Float]? {
        guard type == .float || type == .float16 || type == .double else { return nil }
        return (try? Conversion.convert(self, to: .float))?.scalars(Float.self)
    }

    /// A tensor of an integer type from values already inside its range.
    static func narrowed(_ values: [Int32], to type: DataType, shape: [Int]) -> Tensor {
        let output = Tensor(uninitialized: type, shape: shape)
        switch type {
        case .uint8, .uint4, .uint2:
            let target = output.mutableElements(UInt8.self)
            for i in values.indices { target[i] = UInt8(truncatingIfNeeded: values[i]) }
        case .int8, .int4, .int2:
            let target = output.mutableElements(Int8.self)
            for i in values.indices { target[i] = Int8(truncatingIfNeeded: values[i]) }
        case .uint16:
            let target = output.mutableElements(UInt16.self)
            for i in values.indices { target[i] = UInt16(truncatingIfNeeded: values[i]) }
        case .int16:
            let target = output.mutableElements(Int16.self)
            for i in values.indices { target[i] = Int16(truncatingIfNeeded: values[i]) }
        default:
            let target = output.mutableElements(Int32.self)
            for i in values.indices { target[i] = values[i] }
        }
        return output
    }
}

/// round-half-to-even of v, then clamped into [lo, hi] (ONNX's saturate(round(.))).
@inline(__always)
func saturatedRound(_ value: Float, _ lo: Int32, _ hi: Int32) -> Int32 {
    let rounded = value.rounded(.toNearestOrEven)
    if rounded.isNaN { return 0 }
    if rounded <= Float(lo) { return lo }
    if rounded >= Float(hi) { return hi }
    return Int32(rounded)
}

/// Which scale / zero point applies to each element: one for the tensor, one per index along
/// `axis`, or one per block of `blockSize` along `axis` (then the scale has x's rank).
struct QuantizationLayout {
    let outer: Int, axisSize: Int, inner: Int
    let blockSize: Int
    let perAxis: Bool

    init(x: [Int], scale: [Int], axis: Int, blockSize: Int, node: KernelNode) throws {
        let count = Shapes.count(scale)
        if count == 1 && blockSize == 0 {
            outer = 1; axisSize = 1; inner = Shapes.count(x); self.blockSize = 0; perAxis = false
            return
        }
        guard let a = Shapes.normalizeAxis(axis, rank: x.count) else { throw node.failure("axis \(axis) out of range for rank \(x.count)") }
        outer = Shapes.count(Array(x[..<a]))
        axisSize = x[a]
        inner = Shapes.count(Array(x[(a + 1)...]))
        self.blockSize = blockSize
        perAxis = true
        if blockSize > 0 {
            var expected = x
            expected[a] = (x[a] + blockSize - 1) / blockSize
            guard scale == expected else { throw node.failure("blocked scale must have shape \(expected), got \(scale)") }
        } else {
            guard scale.count == 1, scale[0] == x[a] else {
                throw node.failure("per-axis scale must be 1-D of size \(x[a]) (axis \(a)), got \(scale)")
            }
        }
    }

    /// Calls body(parameter index, element range) over the tensor in order.
    func forEachRun(_ body: (Int, Range<Int>) -> Void) {
        guard perAxis else { body(0, 0..<(outer * axisSize * inner)); return }
        let blocks = blockSize > 0 ? (axisSize + blockSize - 1) / blockSize : axisSize
        for o in 0..<outer {
            for a in 0..<axisSize {
                let start = (o * axisSize + a) * inner
                let parameter = blockSize > 0 ? (o * blocks + a / blockSize) * inner : a
                if blockSize > 0 {
                    for i in 0..<inner { body(parameter + i, (start + i)..<(start + i + 1)) }
                } else {
                    body(parameter, start..<(start + inner))
                }
            }
        }
    }
}
