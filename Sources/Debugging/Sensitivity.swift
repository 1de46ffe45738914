import Foundation
import ONNXModel
import Runtime

/// The final outputs' error when only one node is quantized.
public struct NodeSensitivity: Sendable {
    public let node: String
    public let op: String
    /// Against the float model, per float output.
    public var outputs: [String: ErrorStatistics] = [:]

    /// The worst output's SQNR: what quantizing this node alone costs.
    public var sqnrDB: Double { outputs.values.map(\.sqnrDB).min() ?? .infinity }
}

/// The `--nodes-to-exclude` list that brings the outputs to the target, as measured.
public struct ExclusionPlan: Sendable {
    public let targetDB: Double
    public let nodes: [String]
    /// Outputs' SQNR with every quantized node quantized, and with `nodes` kept float.
    public let allQuantizedDB: Double, measuredDB: Double
    /// Partial models run to find it (each over every sensitivity sample).
    public let verifications: Int
    public var reached: Bool { measuredDB >= targetDB }
}

public struct SensitivityResult: Sendable {
    public let samples: Int
    /// Worst first.
    public let nodes: [NodeSensitivity]
    public let exclusion: ExclusionPlan?
    /// Downstream runs made, and the share of the main graph's nodes they ran on average.
    public let partialRuns: Int
    public let recomputedShare: Double
    public let milliseconds: Double
}

/// For each quantized node, runs the model with only that node quantized. The float variant
/// runs once per sensitivity sample and its tensors are kept for those few samples; each node
/// then re-runs only what lies downstream of it (`DownstreamModel`), fed from those tensors.
struct SensitivityAnalysis {
    let partial: PartialQuantization
    let floatModel: Interpreter
    let threads: Int

    func run(samples: [[String: Tensor]], target: Double?) throws -> SensitivityResult {
        let start = monotonicMilliseconds()
        let floatVariant = try Interpreter(model: partial.model(keeping: []), options: InterpreterOptions(threads: threads))
        // The float variant's tensors of the (few) sensitivity samples, so that one downstream
        // model at a time is compiled, run on every sample and released: memory holds one
        // partial model, not one per node.
        var runs: [(reference: [String: Tensor], outputs: [String: Tensor], values: [String: Tensor])] = []
        for feeds in samples {
            var values: [String: Tensor] = [:]
            let outputs = try floatVariant.run(feeds.filter { floatVariant.inputNames.contains($0.key) }) { name, tensor in
                values[name] = tensor
            }
            runs.append((try floatModel.run(feeds.filter { floatModel.inputNames.contains($0.key) }), outputs, values))
        }
        let quantizedGraph = Model(partial.proto).graph
        var results: [NodeSensitivity] = []
        var partialRuns = 0, recomputed = 0.0
        for label in partial.quantizedNodes {
            var result = NodeSensitivity(node: label, op: quantizedGraph.nodes.first { $0.label == label }?.opType ?? "")
            let model = try DownstreamModel(partial.model(keeping: [label]), node: label, threads: threads)
            for run in runs {
                var outputs = run.outputs
                if let model {
                    outputs.merge(try model.run(run.values)) { _, recomputed in recomputed }
                    partialRuns += 1
                    recomputed += Double(model.nodeCount) / Double(max(model.totalNodes, 1))
                }
                accumulate(&result.outputs, reference: run.reference, outputs)
            }
            results.append(result)
        }
        results.sort { ($0.sqnrDB, $0.node) < ($1.sqnrDB, $1.node) }
        let exclusion = try target.map { try exclusionPlan(ranked: results, target: $0, samples: samples) }
        return SensitivityResult(samples: samples.count, nodes: results, exclusion: exclusion, partialRuns: partialRuns,
                                 recomputedShare: partialRuns == 0 ? 0 : recomputed / Double(partialRuns),
                                 milliseconds: monotonicMilliseconds() - start)
    }

    private func accumulate(_ statistics: inout [String: ErrorStatistics], reference: [String: Tensor], _ outputs: [String: Tensor]) {
        var mismatches: [String: String] = [:]
        for name in floatModel.outputNames {
            guard let x = reference[name], let y = outputs[name], ActivationComparison.asFloat(x) != nil else { continue }
            ActivationComparison.accumulate(&statistics[name, default: ErrorStatistics()], x, y, name: name, mismatches: &mismatches)
        }
    }

    /// The outputs' worst SQNR over the samples with every quantized node but `excluded` quantized.
    private func measure(excluding excluded: [String], samples: [[String: Tensor]]) throws -> Double {
        let kept = Set(partial.quantizedNodes).subtracting(excluded)
        let interpreter = try Interpreter(model: partial.model(keeping: kept), options: InterpreterOptions(threads: threads))
        var statistics: [String: ErrorStatistics] = [:]
        for feeds in samples {
            let reference = try floatModel.run(feeds.filter { floatModel.inputNames.contains($0.key) })
            accumulate(&statistics, reference: reference, try interpreter.run(feeds.filter { interpreter.inputNames.contains($0.key) }))
        }
        return statistics.values.map(\.sqnrDB).min() ?? .infinity
    }

    /// Excludes the worst nodes until the noise they add alone, summed as independent noise
    /// powers, leaves the target reachable; then measures, and excludes more until the
    /// measured figure reaches the target (each step grows the list by half).
    private func exclusionPlan(ranked: [NodeSensitivity], target: Double, samples: [[String: Tensor]]) throws -> ExclusionPlan {
        let all = try measure(excluding: [], samples: samples)
        var count = 0, measured = all, verifications = 1
        if all < target {
            func noise(_ db: Double) -> Double { Double.pow10(-db / 10) }
            var estimate = noise(all)
            while count < ranked.count && estimate > noise(target) {
                estimate -= noise(ranked[count].sqnrDB)
                count += 1
            }
            count = max(count, 1)
            while true {
                measured = try measure(excluding: ranked.prefix(count).map(\.node), samples: samples)
                verifications += 1
                if measured >= target || count == ranked.count { break }
                count = min(ranked.count, count + max(1, count / 2))
            }
        }
        return ExclusionPlan(targetDB: target, nodes: ranked.prefix(count).map(\.node), allQuantizedDB: all, measuredDB: measured,
                             verifications: verifications)
    }
}

extension Double {
    static func pow10(_ exponent: Double) -> Double { Foundation.pow(10, exponent) }
}
