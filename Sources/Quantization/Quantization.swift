/// Static and dynamic quantization: numerics shared with onnxruntime.quantization (Numerics/),
/// calibration data (CalibrationData/), streaming range collection on the interpreter's
/// observer (Calibration/), and the QDQ / QOperator graph rewriters (Rewrite/).
public enum Quantization {}
