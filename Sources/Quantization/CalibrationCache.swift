import Foundation
import ONNXModel

/// Calibrated ranges saved as JSON (`--calibration-cache FILE`): `{"tensor": {"min": .., "max": ..}}`
/// with sorted keys, so a cache can be reviewed, edited, and reused to skip calibration.
public enum CalibrationCache {
    public static func write(_ ranges: [String: TensorRange], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileWriter.writeAtomically(Array(try encoder.encode(ranges)), to: path)
    }

    public static func read(_ path: String) throws -> [String: TensorRange] {
        let region = try MappedFile.map(path)
        do {
            return try JSONDecoder().decode([String: TensorRange].self, from: Data(region.buffer))
        } catch {
            throw QuantizeFailure("\(path): not a calibration cache (expected {\"tensor\": {\"min\": x, \"max\": y}}): \(error)")
        }
    }
}
