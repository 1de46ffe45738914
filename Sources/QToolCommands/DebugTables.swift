import Debugging
import Foundation

/// The tables of a debug report, as text cells: the terminal and the HTML report show the same
/// rows, worst first.
struct DebugTable {
    let title: String
    let headers: [String]
    let rows: [[String]]
}

enum DebugTables {
    static func all(_ report: DebugReport, top: Int?) -> [DebugTable] {
        var tables = [outputs(report), activations(report, top: top), weights(report, top: top)]
        if let sensitivity = sensitivity(report, top: top) { tables.append(sensitivity) }
        return tables
    }

    static func outputs(_ report: DebugReport) -> DebugTable {
        DebugTable(title: "Outputs: float model against quantized model, \(report.samples) sample(s)",
                   headers: ["output", "SQNR dB", "cosine", "max abs", "MSE"],
                   rows: report.outputs.map { [$0.name] + figures($0.statistics) })
    }

    /// Worst first by SQNR against the float model.
    static func worstActivations(_ report: DebugReport) -> [ActivationResult] {
        report.activations.sorted { ($0.againstFloat.sqnrDB, $0.pair.name) < ($1.againstFloat.sqnrDB, $1.pair.name) }
    }

    static func activations(_ report: DebugReport, top: Int?) -> DebugTable {
        let ranked = worstActivations(report)
        let shown = ranked.prefix(top ?? ranked.count)
        return DebugTable(title: "Activations, worst \(shown.count) of \(ranked.count) (SQNR against the float model; Q/DQ: the pair alone)",
                          headers: ["tensor", "op", "SQNR dB", "Q/DQ dB", "cosine", "max abs", "MSE"],
                          rows: shown.map { result in
                              [result.pair.name, result.pair.op, decibels(result.againstFloat.sqnrDB),
                               result.quantizeDequantize.map { decibels($0.sqnrDB) } ?? "-",
                               fixed(result.againstFloat.cosine, 5), scientific(result.againstFloat.maxAbs),
                               scientific(result.againstFloat.mse)]
                          })
    }

    static func weights(_ report: DebugReport, top: Int?) -> DebugTable {
        let ranked = report.weights.sorted { ($0.statistics.sqnrDB, $0.name) < ($1.statistics.sqnrDB, $1.name) }
        let shown = ranked.prefix(top ?? ranked.count)
        return DebugTable(title: "Weights, worst \(shown.count) of \(ranked.count) (float initializer against its dequantized form)",
                          headers: ["weight", "SQNR dB", "worst channel", "its SQNR dB", "cosine", "max abs", "MSE"],
                          rows: shown.map { result in
                              let channel = result.worstChannel.map { "\(result.axis ?? 0):\($0)" } ?? "-"
                              return [result.name, decibels(result.statistics.sqnrDB), channel,
                                      result.worstChannelStatistics.map { decibels($0.sqnrDB) } ?? "-",
                                      fixed(result.statistics.cosine, 5), scientific(result.statistics.maxAbs),
                                      scientific(result.statistics.mse)]
                          })
    }

    static func sensitivity(_ report: DebugReport, top: Int?) -> DebugTable? {
        guard let sensitivity = report.sensitivity else { return nil }
        let shown = sensitivity.nodes.prefix(top ?? sensitivity.nodes.count)
        return DebugTable(title: "Sensitivity, worst \(shown.count) of \(sensitivity.nodes.count) nodes: outputs' SQNR with only the node "
                          + "quantized (\(sensitivity.samples) sample(s))",
                          headers: ["node", "op", "SQNR dB"],
                          rows: shown.map { [$0.node, $0.op, decibels($0.sqnrDB)] })
    }

    /// What the sensitivity pass cost, and the exclusion list it ends with.
    static func conclusion(_ report: DebugReport) -> [String] {
        guard let sensitivity = report.sensitivity else { return [] }
        var lines = ["Sensitivity cost: \(sensitivity.partialRuns) partial runs (\(sensitivity.nodes.count) nodes × "
                     + "\(sensitivity.samples) samples), each re-running \(fixed(sensitivity.recomputedShare * 100, 0))% of the nodes "
                     + "on average after one float run per sample"]
        guard let plan = sensitivity.exclusion else { return lines }
        if plan.nodes.isEmpty {
            lines.append("All quantized, the outputs reach \(decibels(plan.allQuantizedDB)) dB ≥ target \(decibels(plan.targetDB)) dB: "
                         + "nothing to exclude")
        } else {
            lines.append("To reach \(decibels(plan.targetDB)) dB (all quantized: \(decibels(plan.allQuantizedDB)) dB), measured "
                         + "\(decibels(plan.measuredDB)) dB\(plan.reached ? "" : " (target not reached)") with \(plan.nodes.count) node(s) in float:")
            lines.append("--nodes-to-exclude " + plan.nodes.joined(separator: ","))
        }
        return lines
    }

    private static func figures(_ statistics: ErrorStatistics) -> [String] {
        [decibels(statistics.sqnrDB), fixed(statistics.cosine, 5), scientific(statistics.maxAbs), scientific(statistics.mse)]
    }

    static func decibels(_ value: Double) -> String { fixed(value, 2) }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : (value.isNaN ? "nan" : value > 0 ? "inf" : "-inf")
    }

    static func scientific(_ value: Double) -> String { value.isFinite ? String(format: "%.3g", value) : fixed(value, 0) }
}
