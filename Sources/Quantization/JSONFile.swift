import Foundation
import ONNXModel

/// The JSON files quantization reads and writes (calibration cache, tensor overrides, report):
/// written atomically with sorted keys so the same content gives the same bytes; a file that does
/// not decode is named with what was expected.
public enum JSONFile {
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileWriter.writeAtomically(Array(try encoder.encode(value)), to: path)
    }

    public static func read<T: Decodable>(_ type: T.Type, from path: String, expected: String) throws -> T {
        let region = try MappedFile.map(path)
        do {
            return try JSONDecoder().decode(type, from: Data(region.buffer))
        } catch {
            throw QuantizeFailure("\(path): not \(expected): \(error)")
        }
    }
}
