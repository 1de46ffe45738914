import CKernels
import ONNXModel
import Runtime

/// Quantizing float values with given parameters, as onnxruntime's `quantize_nparray` (per
/// tensor) and `quantize_onnx_initializer` (per channel: each channel with its own pair).
extension QuantParameters {
    /// The quantized values, widened to Int32, in the layout of `values`.
    public func quantizedValues(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> [Int32] {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        guard let axis else {
            var result = [Int32](repeating: 0, count: values.count)
            result.withUnsafeMutableBytes { quantizePerTensor(values, into: $0.baseAddress, bytes: 4) }
            return result
        }
        let layout = try ChannelLayout(shape: shape, axis: axis)
        guard layout.count == scale.count else {
            throw QuantizationError.channelCountMismatch(expected: layout.count, actual: scale.count)
        }
        var result = [Int32](repeating: 0, count: values.count)
        layout.forEachElement(total: values.count) { channel, i in
            result[i] = type.quantize(values[i], scale: scale[channel], zeroPoint: zeroPoint[channel])
        }
        return result
    }

    /// The quantized tensor, of `type.dataType` (int4 and uint4 unpacked, one per byte, as the
    /// runtime stores them).
    public func quantize(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor {
        let tensor = Tensor(uninitialized: type.dataType, shape: shape)
        if axis == nil, let store = QuantizedStore.destination(tensor) {
            precondition(values.count == tensor.count, "\(values.count) values for shape \(shape)")
            quantizePerTensor(values, into: store.pointer, bytes: store.bytes)
        } else {
            QuantizedStore.write(try quantizedValues(values, shape: shape), into: tensor)
        }
        return tensor
    }

    /// The per-tensor loop in C (vectorized; `QuantType.quantize` value by value, bit for bit),
    /// storing `bytes`-wide integers.
    private func quantizePerTensor(_ values: UnsafeBufferPointer<Float>, into pointer: UnsafeMutableRawPointer?, bytes: Int) {
        guard let base = values.baseAddress, let pointer else { return }
        let range = type.fullRange
        qt_quantize_f32(base, values.count, scale[0], Float(zeroPoint[0]), Float(range.qmin), Float(range.qmax),
                        pointer, Int32(bytes))
    }
}

extension QuantType {
    /// One value: round half to even of x / scale (divided in float32, not multiplied by a
    /// reciprocal), plus the zero point, clipped to the type's full range even when the scale
    /// was computed for a reduced or symmetric one.
    public func quantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Int32 {
        let shifted = (x / scale).rounded(.toNearestOrEven) + Float(zeroPoint)
        // numpy casts NaN to 0 for the 4-, 8- and 16-bit types (via a 32-bit conversion).
        if shifted.isNaN { return 0 }
        return Int32(fullRange.clip(shifted))
    }
}

/// Writes Int32 values that already fit into a tensor of a quantized element type.
enum QuantizedStore {
    static func write(_ values: [Int32], into tensor: Tensor) {
        precondition(values.count == tensor.count, "\(values.count) values for \(tensor)")
        switch tensor.type {
        case .int8, .int4: fill(tensor.mutableElements(Int8.self), values)
        case .uint8, .uint4: fill(tensor.mutableElements(UInt8.self), values)
        case .int16: fill(tensor.mutableElements(Int16.self), values)
        case .uint16: fill(tensor.mutableElements(UInt16.self), values)
        case .int32: fill(tensor.mutableElements(Int32.self), values)
        default: preconditionFailure("not a quantized integer type: \(tensor.type)")
        }
    }

    /// Where a tensor of a quantized type keeps its values, and their width in bytes (int4 and
    /// uint4 take one byte each); nil for other types.
    static func destination(_ tensor: Tensor) -> (pointer: UnsafeMutableRawPointer?, bytes: Int)? {
        switch tensor.type {
        case .int8, .int4: return (UnsafeMutableRawPointer(tensor.mutableElements(Int8.self).baseAddress), 1)
        case .uint8, .uint4: return (UnsafeMutableRawPointer(tensor.mutableElements(UInt8.self).baseAddress), 1)
        case .int16: return (UnsafeMutableRawPointer(tensor.mutableElements(Int16.self).baseAddress), 2)
        case .uint16: return (UnsafeMutableRawPointer(tensor.mutableElements(UInt16.self).baseAddress), 2)
        case .int32: return (UnsafeMutableRawPointer(tensor.mutableElements(Int32.self).baseAddress), 4)
        default: return nil
        }
    }

    private static func fill<T: FixedWidthInteger>(_ buffer: UnsafeMutableBufferPointer<T>, _ values: [Int32]) {
        for (i, value) in values.enumerated() { buffer[i] = T(value) }
    }
}
