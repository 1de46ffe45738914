/// Calibrated ranges saved as JSON (`--calibration-cache FILE`): `{"tensor": {"min": .., "max": ..}}`
/// with sorted keys, so a cache can be reviewed, edited, and reused to skip calibration.
public enum CalibrationCache {
    public static func write(_ ranges: [String: TensorRange], to path: String) throws {
        try JSONFile.write(ranges, to: path)
    }

    public static func read(_ path: String) throws -> [String: TensorRange] {
        try JSONFile.read([String: TensorRange].self, from: path,
                          expected: "a calibration cache (expected {\"tensor\": {\"min\": x, \"max\": y}})")
    }
}
