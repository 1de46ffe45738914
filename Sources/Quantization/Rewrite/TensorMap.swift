import Foundation
import ONNXModel

/// For each quantized float tensor: the names of its quantized and dequantized forms and its
/// parameters. Written into the model's metadata_props (`qtool.tensor_map`) and the report, so
/// `qtool debug` pairs float and quantized tensors without guessing from name suffixes.
public final class TensorMap {
    public struct Entry: Codable, Equatable {
        public var quantized: String
        public var dequantized: String
        public var type: String
        public var axis: Int?
        public var scale: [Float]
        public var zeroPoint: [Int32]

        enum CodingKeys: String, CodingKey {
            case quantized, dequantized, type, axis, scale
            case zeroPoint = "zero_point"
        }
    }

    public static let metadataKey = "qtool.tensor_map"

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    func record(_ name: String, quantized: String, dequantized: String, parameters: QuantParameters) {
        record(name, quantized: quantized, dequantized: dequantized, type: parameters.type.dataType.description,
               axis: parameters.axis, scale: parameters.scale, zeroPoint: parameters.zeroPoint)
    }

    func record(_ name: String, quantized: String, dequantized: String, type: String, axis: Int?, scale: [Float],
                zeroPoint: [Int32]) {
        entries[name] = Entry(quantized: quantized, dequantized: dequantized, type: type, axis: axis, scale: scale,
                              zeroPoint: zeroPoint)
    }

    /// Sorted keys, so the same model gives the same bytes.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }

    public static func read(from model: Model) throws -> [String: Entry]? {
        guard let text = model.metadata(metadataKey) else { return nil }
        return try JSONDecoder().decode([String: Entry].self, from: Data(text.utf8))
    }
}
