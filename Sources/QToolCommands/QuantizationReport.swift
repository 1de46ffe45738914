import Foundation
import ONNXModel
import Quantization

/// `--report FILE.json`: what a quantization did, for scripts and for `qtool debug`.
enum QuantizationReport {
    /// Calibration fields are absent from a dynamic report, rewrites from a static one.
    struct Document: Encodable {
        var mode: String
        var samples: Int?
        var calibratedTensors: Int?
        var quantizedTensors: Int
        var nodesBefore: Int
        var nodesAfter: Int
        var opset: Int
        var calibrationSeconds: Double?
        var totalSeconds: Double
        var method: String?
        var warnings: [String]
        var ranges: [String: TensorRange]?
        var rewrites: [String: Int]?
        var tensorMap: [String: TensorMap.Entry]

        enum CodingKeys: String, CodingKey {
            case mode, samples, opset, method, warnings, ranges, rewrites
            case calibratedTensors = "calibrated_tensors", quantizedTensors = "quantized_tensors"
            case nodesBefore = "nodes_before", nodesAfter = "nodes_after"
            case calibrationSeconds = "calibration_seconds", totalSeconds = "total_seconds"
            case tensorMap = "tensor_map"
        }
    }

    static func write(_ report: StaticQuantizer.Report, options: StaticQuantizer.Configuration, seconds: Double,
                      to path: String) throws {
        let document = Document(mode: "static", samples: report.samples, calibratedTensors: report.calibratedTensors,
                                quantizedTensors: report.quantizedTensors, nodesBefore: report.nodesBefore,
                                nodesAfter: report.nodesAfter, opset: report.opset,
                                calibrationSeconds: report.calibrationMilliseconds / 1000, totalSeconds: seconds,
                                method: options.calibration.method.rawValue, warnings: report.warnings,
                                ranges: report.ranges, rewrites: nil, tensorMap: report.tensorMap)
        try JSONFile.write(document, to: path)
    }

    static func write(_ report: DynamicQuantizer.Report, seconds: Double, to path: String) throws {
        let document = Document(mode: "dynamic", samples: nil, calibratedTensors: nil, quantizedTensors: report.quantizedTensors,
                                nodesBefore: report.nodesBefore, nodesAfter: report.nodesAfter, opset: report.opset,
                                calibrationSeconds: nil, totalSeconds: seconds, method: nil, warnings: [], ranges: nil,
                                rewrites: report.rewrites, tensorMap: report.tensorMap)
        try JSONFile.write(document, to: path)
    }
}
