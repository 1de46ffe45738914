import ONNXModel

/// The 8- and 4-bit float formats (stored one per byte): rounding to nearest even, with the
/// overflow, NaN and zero rules of Cast's tables, and exact decoding through a 256-entry table.
struct MiniFloat {
    /// What the format does with its top exponent and with NaN.
    enum Kind {
        /// IEEE-like: the top exponent holds infinities and NaNs (E5M2).
        case ieee
        /// No infinities; only S.1111.111 is NaN (E4M3FN).
        case finiteNaN
        /// No infinities, no negative zero; 0x80 is the only NaN (the FNUZ formats).
        case unsignedZero
        /// No infinities or NaNs at all (E2M1).
        case finite
    }

    let exponentBits: Int
    let mantissaBits: Int
    let bias: Int
    let kind: Kind
    let maxFinite: Double
    private(set) var decodeTable: [Float] = []

    init(exponentBits: Int, mantissaBits: Int, bias: Int, kind: Kind) {
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.kind = kind
        let topField = (1 << exponentBits) - (kind == .ieee ? 2 : 1)
        let topMantissa = (1 << mantissaBits) - (kind == .finiteNaN ? 2 : 1)
        maxFinite = Double(topMantissa + (1 << mantissaBits)) * Self.power(topField - bias - mantissaBits)
        decodeTable = (0..<(1 << (1 + exponentBits + mantissaBits))).map { decodeSlowly(UInt8($0)) }
    }

    static let e4m3fn = MiniFloat(exponentBits: 4, mantissaBits: 3, bias: 7, kind: .finiteNaN)
    static let e4m3fnuz = MiniFloat(exponentBits: 4, mantissaBits: 3, bias: 8, kind: .unsignedZero)
    static let e5m2 = MiniFloat(exponentBits: 5, mantissaBits: 2, bias: 15, kind: .ieee)
    static let e5m2fnuz = MiniFloat(exponentBits: 5, mantissaBits: 2, bias: 16, kind: .unsignedZero)
    static let e2m1 = MiniFloat(exponentBits: 2, mantissaBits: 1, bias: 1, kind: .finite)

    static func format(_ type: DataType) -> MiniFloat? {
        switch type {
        case .float8e4m3fn: return e4m3fn
        case .float8e4m3fnuz: return e4m3fnuz
        case .float8e5m2: return e5m2
        case .float8e5m2fnuz: return e5m2fnuz
        case .float4e2m1: return e2m1
        default: return nil
        }
    }

    private var signBit: UInt8 { UInt8(1 << (exponentBits + mantissaBits)) }
    private var minExponent: Int { 1 - bias }

    func decode(_ bits: UInt8) -> Float { decodeTable[Int(bits) & (decodeTable.count - 1)] }

    /// `saturate` sends out-of-range values and infinities to ±max instead of to infinity or
    /// NaN (formats without either always saturate).
    func encode(_ value: Double, saturate: Bool) -> UInt8 {
        let sign: UInt8 = value.sign == .minus ? signBit : 0
        if value.isNaN { return nanBits(sign) }
        let magnitude = value.magnitude
        if magnitude.isInfinite { return overflowBits(sign, saturate: saturate) }
        let exponent = Swift.max(magnitude == 0 ? minExponent : Int(magnitude.exponent), minExponent)
        let quantum = Self.power(exponent - mantissaBits)
        let rounded = (magnitude / quantum).rounded(.toNearestOrEven) * quantum
        if rounded > maxFinite { return overflowBits(sign, saturate: saturate) }
        if rounded == 0 { return kind == .unsignedZero ? 0 : sign }
        if rounded < Self.power(minExponent) {
            return sign | UInt8(rounded / Self.power(minExponent - mantissaBits))
        }
        let field = Int(rounded.exponent)
        let mantissa = Int(rounded / Self.power(field - mantissaBits)) - (1 << mantissaBits)
        return sign | UInt8((field + bias) << mantissaBits | mantissa)
    }

    private func nanBits(_ sign: UInt8) -> UInt8 {
        switch kind {
        case .ieee: return sign | UInt8(((1 << exponentBits) - 1) << mantissaBits | 1 << (mantissaBits - 1))
        case .finiteNaN: return sign | (signBit - 1)
        case .unsignedZero: return 0x80
        case .finite: return signBit
        }
    }

    private func overflowBits(_ sign: UInt8, saturate: Bool) -> UInt8 {
        if saturate || kind == .finite { return sign | encode(maxFinite, saturate: true) }
        switch kind {
        case .ieee: return sign | UInt8(((1 << exponentBits) - 1) << mantissaBits)
        default: return nanBits(sign)
        }
    }

    private func decodeSlowly(_ bits: UInt8) -> Float {
        let negative = bits & signBit != 0
        let field = Int(bits >> mantissaBits) & ((1 << exponentBits) - 1)
        let mantissa = Int(bits) & ((1 << mantissaBits) - 1)
        switch kind {
        case .unsignedZero where bits == 0x80: return .nan
        case .finiteNaN where bits & (signBit - 1) == signBit - 1: return negative ? -.nan : .nan
        case .ieee where field == (1 << exponentBits) - 1:
            return mantissa == 0 ? (negative ? -.infinity : .infinity) : (negative ? -.nan : .nan)
        default: break
        }
        let magnitude = field == 0
            ? Double(mantissa) * Self.power(minExponent - mantissaBits)
            : Double(mantissa + (1 << mantissaBits)) * Self.power(field - bias - mantissaBits)
        return Float(negative ? -magnitude : magnitude)
    }

    private static func power(_ exponent: Int) -> Double { Double(sign: .plus, exponent: exponent, significand: 1) }
}

/// FLOAT8E8M0: a bare biased exponent, 2^(e-127), with 0xFF as NaN. Encoding rounds the
/// float's mantissa up, down, or to nearest, as the `round_mode` attribute says.
enum ExponentFloat {
    enum Rounding: String {
        case up, down, nearest
    }

    static func decode(_ bits: UInt8) -> Float {
        bits == 0xFF ? .nan : Float(sign: .plus, exponent: Int(bits) - 127, significand: 1)
    }

    static func encode(_ value: Float, saturate: Bool, rounding: Rounding) -> UInt8 {
        let bits = value.bitPattern
        var exponent = (bits >> 23) & 0xFF
        if exponent == 0xFF { return 0xFF }
        let roundsUp: Bool
        switch rounding {
        case .up: roundsUp = bits & 0x7F_FFFF != 0
        case .down: roundsUp = false
        case .nearest:
            let guardBit = bits & 0x40_0000 != 0
            roundsUp = guardBit && (bits & 0x3F_FFFF != 0 || exponent > 0)
        }
        if roundsUp && !(saturate && exponent == 0xFE) { exponent += 1 }
        return UInt8(truncatingIfNeeded: exponent)
    }
}
