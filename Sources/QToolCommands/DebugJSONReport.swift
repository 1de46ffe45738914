import Debugging

/// `qtool debug --format json`: every figure, in a fixed key order (no timings, so the same
/// models and samples give the same bytes).
enum DebugJSONReport {
    static func render(_ report: DebugReport) -> String {
        var members: [(String, JSON)] = [
            ("float_model", .string(report.floatModel)),
            ("quantized_model", .string(report.quantizedModel)),
            ("samples", .int(Int64(report.samples))),
            ("pairing", .string(report.pairing.rawValue)),
            ("activations", .array(report.activations.map(activation))),
            ("weights", .array(report.weights.map(weight))),
            ("sensitivity", .array(report.sensitivity?.nodes.map(node) ?? [])),
        ]
        if let sensitivity = report.sensitivity {
            members.append(("sensitivity_cost", .object([
                ("samples", .int(Int64(sensitivity.samples))),
                ("partial_runs", .int(Int64(sensitivity.partialRuns))),
                ("recomputed_share", .double(rounded(sensitivity.recomputedShare))),
            ])))
            if let plan = sensitivity.exclusion { members.append(("nodes_to_exclude", exclusion(plan))) }
        }
        members.append(("outputs", .array(report.outputs.map { output in
            .object([("name", .string(output.name))] + figures(output.statistics))
        })))
        members.append(("notes", .array(report.notes.map(JSON.string))))
        return JSON.object(members).rendered() + "\n"
    }

    private static func activation(_ result: ActivationResult) -> JSON {
        .object([("name", .string(result.pair.name)), ("op", .string(result.pair.op)),
                 ("sqnr_db", number(result.againstFloat.sqnrDB)),
                 ("qdq_sqnr_db", result.quantizeDequantize.map { number($0.sqnrDB) } ?? .null),
                 ("cosine", number(result.againstFloat.cosine)), ("max_abs", number(result.againstFloat.maxAbs)),
                 ("mse", number(result.againstFloat.mse))])
    }

    private static func weight(_ result: WeightResult) -> JSON {
        .object([("name", .string(result.name))] + figures(result.statistics) + [
            ("per_channel", .bool(result.perChannel)),
            ("axis", result.axis.map { .int(Int64($0)) } ?? .null),
            ("worst_channel", result.worstChannel.map { .int(Int64($0)) } ?? .null),
            ("worst_channel_sqnr_db", result.worstChannelStatistics.map { number($0.sqnrDB) } ?? .null),
        ])
    }

    private static func node(_ sensitivity: NodeSensitivity) -> JSON {
        .object([("node", .string(sensitivity.node)), ("op", .string(sensitivity.op)), ("sqnr_db", number(sensitivity.sqnrDB)),
                 ("outputs", .object(sensitivity.outputs.sorted { $0.key < $1.key }.map { ($0.key, number($0.value.sqnrDB)) }))])
    }

    private static func exclusion(_ plan: ExclusionPlan) -> JSON {
        .object([("target_sqnr_db", number(plan.targetDB)), ("nodes", .array(plan.nodes.map(JSON.string))),
                 ("all_quantized_sqnr_db", number(plan.allQuantizedDB)), ("sqnr_db", number(plan.measuredDB)),
                 ("reached", .bool(plan.reached)), ("verification_runs", .int(Int64(plan.verifications)))])
    }

    private static func figures(_ statistics: ErrorStatistics) -> [(String, JSON)] {
        [("sqnr_db", number(statistics.sqnrDB)), ("cosine", number(statistics.cosine)),
         ("max_abs", number(statistics.maxAbs)), ("mse", number(statistics.mse))]
    }

    /// Full precision (the tests compare to 0.1 dB); NaN and infinities as null.
    private static func number(_ value: Double) -> JSON { value.isFinite ? .double(value) : .null }

    private static func rounded(_ value: Double) -> Double { (value * 1e4).rounded() / 1e4 }
}
