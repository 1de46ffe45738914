/// Tolerances of the interpreter's numeric comparisons.
extension Tolerance {
    /// onnx's backend test runner: np.testing.assert_allclose(rtol=1e-3, atol=1e-7).
    public static let onnxBackendRelative = 1e-3
    public static let onnxBackendAbsolute = 1e-7
    /// qtool against onnxruntime on the real models: rtol 1e-4, atol 1e-4.
    public static let realModelRelative = 1e-4
    public static let realModelAbsolute = 1e-4
}
