import ONNXModel

/// Cast to the type named by `to`. `saturate` (opset 19) applies to float8 targets and
/// `round_mode` (opset 24) to FLOAT8E8M0.
struct CastKernel: OpKernel {
    let target: DataType
    let options: Conversion.Options

    init(_ node: KernelNode) throws {
        guard let target = Self.targetType(node), target != .undefined, target != .string else {
            throw node.failure("attribute 'to' is missing or names no data type the interpreter holds")
        }
        self.target = target
        options = try Conversion.Options(node)
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        [try Conversion.convert(try Operands.required(inputs, 0), to: target, options, threads: context.threads)]
    }

    /// A TensorProto.DataType number, or before opset 6 its name ("FLOAT").
    private static func targetType(_ node: KernelNode) -> DataType? {
        if node.opset < 6, let name = node.node.attribute("to")?.string {
            return DataType.allCases.first { $0.description == name.lowercased() }
        }
        return node.int("to").flatMap { DataType(rawValue: Int32(clamping: $0)) }
    }
}

/// Cast to the type of the second input.
struct CastLikeKernel: OpKernel {
    let options: Conversion.Options

    init(_ node: KernelNode) throws { options = try Conversion.Options(node) }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let target = try Operands.required(inputs, 1).type
        return [try Conversion.convert(try Operands.required(inputs, 0), to: target, options, threads: context.threads)]
    }
}

/// Cast's conversion rules between every element type the interpreter holds. Native types
/// convert directly (integers wrap, floats truncate toward zero into integers); float16,
/// bfloat16 and the float8/float4 formats are decoded to float and encoded from float or
/// double; 4- and 2-bit integers are bytes that wrap to their width.
enum Conversion {
    struct Options {
        var saturate = true
        var rounding = ExponentFloat.Rounding.up

        init() {}

        init(_ node: KernelNode) throws {
            saturate = node.int("saturate", default: 1) != 0
            let mode = node.string("round_mode", default: "up")
            guard let rounding = ExponentFloat.Rounding(rawValue: mode) else {
                throw node.failure("attribute 'round_mode' must be up, down or nearest, not '\(mode)'")
            }
            self.rounding = rounding
        }
    }

    static func convert(_ x: Tensor, to target: DataType, _ options: Options = Options(), threads: Int = 1) throws -> Tensor {
        if x.type == target { return x }
        let source = try decoded(x, threads: threads)
        if let format = MiniFloat.format(target) {
            return map(try native(source, to: .double, threads), to: target, threads) { (v: Double) in
                format.encode(v, saturate: options.saturate)
            }
        }
        switch target {
        case .float16 where source.type == .double:
            return map(source, to: target, threads) { (v: Double) in Float16(v).bitPattern }
        case .float16:
            return map(try native(source, to: .float, threads), to: target, threads) { (v: Float) in Float16(v).bitPattern }
        case .bfloat16:
            return map(try native(source, to: .float, threads), to: target, threads, HalfPrecision.bfloat16Bits)
        case .float8e8m0:
            return map(try native(source, to: .float, threads), to: target, threads) { (v: Float) in
                ExponentFloat.encode(v, saturate: options.saturate, rounding: options.rounding)
            }
        case .int4, .int2, .uint4, .uint2:
            let bits = target.bitWidth ?? 8
            let signed = target == .int4 || target == .int2
            return map(try native(source, to: .int64, threads), to: target, threads) { (v: Int64) in
                wrap(v, bits: bits, signed: signed)
            }
        default:
            return try native(source, to: target, threads)
        }
    }

    /// A value reduced to `bits` two's-complement bits, in the unpacked byte layout.
    static func wrap(_ value: Int64, bits: Int, signed: Bool) -> UInt8 {
        let shift = Int64(64 - bits)
        return UInt8(truncatingIfNeeded: signed ? (value << shift) >> shift : value & ((1 << Int64(bits)) - 1))
    }

    /// The tensor in a natively stored type: narrow floats as float, sub-byte integers as bytes.
    private static func decoded(_ x: Tensor, threads: Int) throws -> Tensor {
        if let format = MiniFloat.format(x.type) {
            return map(x, to: .float, threads) { (bits: UInt8) in format.decode(bits) }
        }
        switch x.type {
        case .float16, .bfloat16: return HalfPrecision.widen(x)
        case .float8e8m0: return map(x, to: .float, threads, ExponentFloat.decode)
        case .int4, .int2: return Tensor(type: .int8, shape: x.shape, storage: x.storage)
        case .uint4, .uint2: return Tensor(type: .uint8, shape: x.shape, storage: x.storage)
        default: return x
        }
    }

    private static func native(_ x: Tensor, to target: DataType, _ threads: Int) throws -> Tensor {
        if x.type == target { return x }
        guard let result = try CastTypes.visit(x.type, SourceVisitor(x: x, target: target, threads: threads)) else {
            throw RuntimeError.unsupported("Cast from \(x.type) to \(target) is not supported")
        }
        return result
    }

    /// A new tensor of `type` holding f of each element.
    static func map<S, D>(_ x: Tensor, to type: DataType, _ threads: Int, _ f: (S) -> D) -> Tensor {
        let result = Tensor(uninitialized: type, shape: x.shape)
        let source = Operands.pointer(x, S.self)
        let target = Operands.pointer(result, D.self)
        parallelRanges(x.count, threads: threads, minimumPerThread: ElementwiseGrain.cheap) { range in
            for i in range { target[i] = f(source[i]) }
        }
        return result
    }

    private struct SourceVisitor: CastTypeVisitor {
        let x: Tensor
        let target: DataType
        let threads: Int

        func visit<S: CastValue>(_: S.Type) throws -> Tensor {
            guard let result = try CastTypes.visit(target, TargetVisitor<S>(x: x, threads: threads)) else {
                throw RuntimeError.unsupported("Cast from \(x.type) to \(target) is not supported")
            }
            return result
        }
    }

    private struct TargetVisitor<S: CastValue>: CastTypeVisitor {
        let x: Tensor
        let threads: Int

        func visit<D: CastValue>(_: D.Type) -> Tensor {
            map(x, to: D.dataType, threads) { (value: S) in value.cast(to: D.self) }
        }
    }
}

/// A natively stored element type, converting to any other by Cast's rules.
/// (Static functions, not initializers: an initializer on Int64 would make every `Int64.init`
/// reference in the module ambiguous.)
protocol CastValue: TensorElement {
    static func casting<Source: BinaryInteger>(integer value: Source) -> Self
    static func casting<Source: BinaryFloatingPoint>(real value: Source) -> Self
    func cast<Target: CastValue>(to: Target.Type) -> Target
}

extension CastValue where Self: FixedWidthInteger {
    static func casting<Source: BinaryInteger>(integer value: Source) -> Self { Self(truncatingIfNeeded: value) }

    /// Truncates toward zero; NaN gives 0 and values beyond 64 bits saturate (the spec leaves
    /// out-of-range values undefined), then narrower types keep the low bits.
    static func casting<Source: BinaryFloatingPoint>(real value: Source) -> Self {
        let wide = Double(value)
        if wide.isNaN { return 0 }
        if wide < 0 || Self.isSigned {
            let saturated = wide >= 0x1p63 ? .max : (wide < -0x1p63 ? .min : Int64(wide))
            return Self(truncatingIfNeeded: saturated)
        }
        return Self(truncatingIfNeeded: wide >= 0x1p64 ? .max : UInt64(wide))
    }

    func cast<Target: CastValue>(to: Target.Type) -> Target { Target.casting(integer: self) }
}

extension CastValue where Self: BinaryFloatingPoint {
    static func casting<Source: BinaryInteger>(integer value: Source) -> Self { Self(value) }
    static func casting<Source: BinaryFloatingPoint>(real value: Source) -> Self { Self(value) }
    func cast<Target: CastValue>(to: Target.Type) -> Target { Target.casting(real: self) }
}

extension Bool: CastValue {
    static func casting<Source: BinaryInteger>(integer value: Source) -> Bool { value != 0 }
    static func casting<Source: BinaryFloatingPoint>(real value: Source) -> Bool { value != 0 }
    func cast<Target: CastValue>(to: Target.Type) -> Target { Target.casting(integer: self ? 1 : 0 as UInt8) }
}

extension Float: CastValue {}
extension Double: CastValue {}
extension Int8: CastValue {}
extension Int16: CastValue {}
extension Int32: CastValue {}
extension Int64: CastValue {}
extension UInt8: CastValue {}
extension UInt16: CastValue {}
extension UInt32: CastValue {}
extension UInt64: CastValue {}

protocol CastTypeVisitor {
    associatedtype Output
    func visit<T: CastValue>(_ type: T.Type) throws -> Output
}

enum CastTypes {
    /// Runs the visitor with the Swift type storing `type`; nil for types Cast cannot hold natively.
    static func visit<V: CastTypeVisitor>(_ type: DataType, _ visitor: V) throws -> V.Output? {
        type == .bool ? try visitor.visit(Bool.self) : try NumericType.visit(type, Numeric(visitor: visitor))
    }

    private struct Numeric<V: CastTypeVisitor>: NumericVisitor {
        let visitor: V
        func real<T: RealMath>(_ type: T.Type) throws -> V.Output { try visitor.visit(type) }
        func integer<T: IntegerElement>(_ type: T.Type) throws -> V.Output { try visitor.visit(type) }
    }
}

extension Tensor {
    /// The tensor converted to another element type with Cast's rules (float16 and the 8-bit
    /// float types decoded, integers rounded toward zero).
    public func converted(to type: DataType) throws -> Tensor {
        self.type == type ? self : try Conversion.convert(self, to: type)
    }
}
