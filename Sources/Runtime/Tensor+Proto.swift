import ONNXModel
import ProtoWire

/// Conversions between TensorProto (any storage: raw_data, typed fields, packed sub-byte types)
/// and Tensor. Aligned little-endian raw_data becomes a view, not a copy.
extension Tensor {
    public init(proto: TensorProto) throws {
        let name = proto.name ?? "<unnamed>"
        guard let type = proto.elementType, type != .undefined else {
            throw RuntimeError.unsupported("tensor '\(name)': data type \(proto.dataType ?? 0) is not supported")
        }
        guard type != .string else {
            throw RuntimeError.unsupported("tensor '\(name)': string tensors are not supported by the interpreter")
        }
        guard proto.segment == nil else {
            throw RuntimeError.unsupported("tensor '\(name)': segmented tensors are not supported by the interpreter")
        }
        // Checked before anything is allocated: dims must be backed by the data present.
        if let problem = TensorLayout.inconsistency(of: proto) {
            throw RuntimeError.invalidModel("tensor '\(name)': \(problem)")
        }
        let count = TensorLayout.elementCount(proto.dims)!
        let shape = proto.dims.map { Int($0) }
        if let raw = proto.rawData {
            self = Tensor.fromRaw(raw, type: type, shape: shape)
        } else {
            self = Tensor.fromTypedFields(proto, type: type, shape: shape, count: count)
        }
    }

    private static func fromRaw(_ raw: Bytes, type: DataType, shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let packing = 8 / (type.bitWidth ?? 8)
        if packing > 1 {
            let tensor = Tensor(uninitialized: type, shape: shape)
            let out = tensor.storage.raw.assumingMemoryBound(to: UInt8.self)
            raw.withUnsafeBytes { bytes in unpack(bytes, packing: packing, signed: type == .int4 || type == .int2, count: count, into: out) }
            return tensor
        }
        let size = elementSize(type)
        return raw.withUnsafeBytes { bytes -> Tensor in
            if raw.isView, let base = bytes.baseAddress, Int(bitPattern: base) % size == 0 {
                return Tensor(type: type, shape: shape, storage: TensorStorage(viewing: base, byteCount: bytes.count, owner: RawOwner(raw)))
            }
            let tensor = Tensor(uninitialized: type, shape: shape)
            if bytes.count > 0 { tensor.storage.raw.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            return tensor
        }
    }

    /// Sub-byte values, low bits first, into one byte each (sign-extended for signed types).
    private static func unpack(_ bytes: UnsafeRawBufferPointer, packing: Int, signed: Bool, count: Int,
                               into out: UnsafeMutablePointer<UInt8>) {
        let bits = 8 / packing
        let mask = UInt8((1 << bits) - 1)
        for i in 0..<count {
            var value = (bytes[i / packing] >> UInt8((i % packing) * bits)) & mask
            if signed && value & (1 << UInt8(bits - 1)) != 0 { value |= ~mask }
            out[i] = value
        }
    }

    /// Values from the typed field of `type`; `TensorLayout.inconsistency` has checked their count.
    private static func fromTypedFields(_ proto: TensorProto, type: DataType, shape: [Int], count: Int) -> Tensor {
        let tensor = Tensor(uninitialized: type, shape: shape)
        let raw = tensor.storage.raw
        switch type {
        case .float, .complex64:
            proto.floatData.bytes.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(raw), byteCount: $0.count) }
        case .double, .complex128:
            proto.doubleData.bytes.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(raw), byteCount: $0.count) }
        case .int64:
            proto.int64Data.withUnsafeBytes { raw.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(raw), byteCount: $0.count) }
        case .uint64, .uint32:
            for (i, value) in proto.uint64Data.enumerated() {
                if type == .uint64 { raw.storeBytes(of: value, toByteOffset: i * 8, as: UInt64.self) }
                else { raw.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: i * 4, as: UInt32.self) }
            }
        default:
            // int32_data carries every narrower type, one value (or one packed byte) per entry.
            let packing = 8 / (type.bitWidth ?? 8)
            if packing > 1 {
                let packed = proto.int32Data.map { UInt8(truncatingIfNeeded: $0) }
                packed.withUnsafeBytes {
                    unpack($0, packing: packing, signed: type == .int4 || type == .int2, count: count,
                           into: raw.assumingMemoryBound(to: UInt8.self))
                }
            } else {
                let size = elementSize(type)
                for (i, value) in proto.int32Data.enumerated() {
                    switch size {
                    case 1: raw.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: i, as: UInt8.self)
                    case 2: raw.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: i * 2, as: UInt16.self)
                    default: raw.storeBytes(of: value, toByteOffset: i * 4, as: Int32.self)
                    }
                }
            }
        }
        return tensor
    }

    /// The tensor as a TensorProto with raw_data (sub-byte types packed again).
    public func toProto(name: String) -> TensorProto {
        var proto = TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        proto.dataType = type.rawValue
        let packing = 8 / (type.bitWidth ?? 8)
        if packing > 1 {
            let source = storage.raw.assumingMemoryBound(to: UInt8.self)
            let bits = 8 / packing
            let mask = UInt8((1 << bits) - 1)
            var packed = [UInt8](repeating: 0, count: (count + packing - 1) / packing)
            for i in 0..<count { packed[i / packing] |= (source[i] & mask) << UInt8((i % packing) * bits) }
            proto.rawData = Bytes(packed)
        } else {
            proto.rawData = Bytes(UnsafeRawBufferPointer(start: storage.raw, count: byteCount))
        }
        return proto
    }
}

/// Keeps a raw_data view (and so the mapped file) alive while tensors point into it.
private final class RawOwner {
    let bytes: Bytes
    init(_ bytes: Bytes) { self.bytes = bytes }
}
