import Foundation
import ONNXModel

/// For each quantized float tensor: the names of its quantized and dequantized forms and its
/// parameters. Written into the model's metadata_props (`qtool.tensor_map`) and the report, so
/// `qtool debug` pairs float and quantized tensors without guessing from name suffixes.
public final class TensorMap {
    public struct Entry: Codable, Equatable {
        public var quantized: String
        /// Empty when the model has no dequantized tensor for it: in QOperator form the
        /// integer ops read the quantized tensor directly, and the JSON then omits the key.
        public var dequantized: String
        public var type: String
        public var axis: Int?
        public var scale: [Float]
        public var zeroPoint: [Int32]

        enum CodingKeys: String, CodingKey {
            case quantized, dequantized, type, axis, scale
            case zeroPoint = "zero_point"
        }

        public init(quantized: String, dequantized: String, type: String, axis: Int?, scale: [Float], zeroPoint: [Int32]) {
            self.quantized = quantized
            self.dequantized = dequantized
            self.type = type
            self.axis = axis
            self.scale = scale
            self.zeroPoint = zeroPoint
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            quantized = try container.decode(String.self, forKey: .quantized)
            dequantized = try container.decodeIfPresent(String.self, forKey: .dequantized) ?? ""
            type = try container.decode(String.self, forKey: .type)
            axis = try container.decodeIfPresent(Int.self, forKey: .axis)
            scale = try container.decode([Float].self, forKey: .scale)
            zeroPoint = try container.decode([Int32].self, forKey: .zeroPoint)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(quantized, forKey: .quantized)
            if !dequantized.isEmpty { try container.encode(dequantized, forKey: .dequantized) }
            try container.encode(type, forKey: .type)
            try container.encodeIfPresent(axis, forKey: .axis)
            try container.encode(scale, forKey: .scale)
            try container.encode(zeroPoint, forKey: .zeroPoint)
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

    /// After a rewrite that removed or renamed tensors (the QOperator conversion): follows
    /// `renamed` (old quantized name → the tensor now standing for it), clears a dequantized
    /// name that no longer exists, and drops an entry whose quantized form is gone, so the map
    /// names only tensors of `model`.
    func keepOnlyTensors(of model: Model, renamed: [String: String]) {
        let existing = TensorMap.names(in: model)
        for (name, var entry) in entries {
            for _ in 0..<renamed.count {
                guard let next = renamed[entry.quantized] else { break }
                entry.quantized = next
            }
            if !existing.contains(entry.dequantized) { entry.dequantized = "" }
            entries[name] = existing.contains(entry.quantized) ? entry : nil
        }
    }

    /// Every tensor name a model defines: graph inputs, initializers and node outputs of every graph.
    static func names(in model: Model) -> Set<String> {
        var names = Set<String>()
        for graph in [model.graph] + model.graph.allSubgraphs {
            names.formUnion(graph.inputs.compactMap(\.name))
            names.formUnion(graph.initializers.compactMap(\.name))
            for node in graph.nodes { names.formUnion(node.outputs.filter { !$0.isEmpty }) }
        }
        return names
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
