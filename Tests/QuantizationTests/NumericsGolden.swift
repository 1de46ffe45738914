import Foundation
import _TestSupport

/// Fixtures/quant-golden.json, written by Fixtures/gen/make_quant_golden.py from onnxruntime's
/// own quantization functions. Float32 values are stored as the hex digits of their bits.
struct NumericsGolden: Decodable {
    let qranges: [QRangeCase]
    let scaleZp: [ScaleZeroPointCase]
    /// ActivationRestrictedAsymmetric: always uint8 and asymmetric.
    let restricted: [ScaleZeroPointCase]
    let data: [WeightCase]
    let channels: [WeightCase]
    let quantize: [QuantizeCase]
    let bias: [BiasCase]
    let adjust: [AdjustCase]

    static func load() throws -> NumericsGolden {
        let url = URL(fileURLWithPath: TestPaths.repoRoot + "/Fixtures/quant-golden.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(NumericsGolden.self, from: Data(contentsOf: url))
    }
}

/// A float32 given by its bit pattern ("3f800000").
struct Bits: Decodable, Equatable {
    let value: Float

    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bits = UInt32(text, radix: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad float bits \(text)"))
        }
        value = Float(bitPattern: bits)
    }
}

/// A float64 option written as Python's repr, which Double(String) parses exactly.
struct Repr: Decodable {
    let value: Double

    init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Double(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad float \(text)"))
        }
        self.value = value
    }
}

extension Array where Element == Bits {
    var floats: [Float] { map(\.value) }
}

struct QRangeCase: Decodable {
    let type: String
    let reduce: Bool
    let sym: Bool
    let qmin: Int32
    let qmax: Int32
}

/// [type, symmetric, reduce_range, min_real_range, rmin, rmax, scale, zero point]
struct ScaleZeroPointCase: Decodable {
    let type: String, symmetric: Bool, reduceRange: Bool, minRealRange: Double?
    let rmin: Float, rmax: Float, scale: Float, zeroPoint: Int32

    init(from decoder: Decoder) throws {
        var row = try decoder.unkeyedContainer()
        type = try row.decode(String.self)
        symmetric = try row.decode(Bool.self)
        reduceRange = try row.decode(Bool.self)
        minRealRange = try row.decodeIfPresent(Repr.self)?.value
        rmin = try row.decode(Bits.self).value
        rmax = try row.decode(Bits.self).value
        scale = try row.decode(Bits.self).value
        zeroPoint = try row.decode(Int32.self)
    }
}

/// Parameters computed from values and the values quantized with them: per tensor (`axis`
/// nil, possibly with overridden bounds) or per channel.
struct WeightCase: Decodable {
    let type: String, sym: Bool, reduce: Bool, mrr: Repr?
    let rmin: Bits?, rmax: Bits?
    let shape: [Int], axis: Int?
    let values: [Bits], scale: [Bits], zp: [Int32], q: [Int32]
}

struct QuantizeCase: Decodable {
    let type: String, scale: Bits, zp: Int32
    let values: [Bits], q: [Int32]
}

struct BiasCase: Decodable {
    let bias: [Bits], shape: [Int]
    let inputScale: Bits, weightScale: [Bits], beta: Bits
    let q: [Int32], scale: [Bits]
}

struct AdjustCase: Decodable {
    let format: String, flag: Bool?, type: String, perChannel: Bool
    let shape: [Int], values: [Bits], bias: [Bits], inputScale: Bits
    let scale: [Bits], zp: [Int32], newScale: [Bits], q: [Int32]
    let biasQ: [Int32], biasScale: [Bits]
}
