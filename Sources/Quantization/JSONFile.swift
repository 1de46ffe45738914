import Foundation
import ONNXModel

/// The JSON files quantization reads and writes (calibration cache, tensor overrides, report):
/// written atomically with sorted keys so the same content gives the same bytes; a file that does
/// not decode is named with what was expected. A range can be NaN or infinite (a tensor that
/// only ever held NaN, a -inf attention mask): those are written as the strings "nan", "inf"
/// and "-inf", which JSON allows and which read back as the same floats.
public enum JSONFile {
    static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
        try FileWriter.writeAtomically(Array(try encoder.encode(value)), to: path)
    }

    public static func read<T: Decodable>(_ type: T.Type, from path: String, expected: String) throws -> T {
        let region = try MappedFile.map(path)
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
            return try decoder.decode(type, from: Data(region.buffer))
        } catch {
            throw QuantizeFailure("\(path): not \(expected): \(error)")
        }
    }
}
