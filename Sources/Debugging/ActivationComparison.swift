import ONNXModel
import Runtime

/// Figures for one paired activation over all samples.
public struct ActivationResult {
    public let pair: ActivationPair
    /// Float model's tensor against the quantized model's dequantized tensor.
    public var againstFloat = ErrorStatistics()
    /// The Q/DQ pair on its own: its input against its output, both in the quantized model.
    public var quantizeDequantize: ErrorStatistics?
}

/// Compares the float and the quantized model tensor by tensor in one pass over the samples.
/// Per sample, the float run keeps the paired tensors of that sample only; the quantized run
/// compares each as soon as its counterpart exists and the sums are all that stays.
final class ActivationComparison {
    private(set) var results: [ActivationResult]
    private(set) var outputs: [String: ErrorStatistics] = [:]
    let outputNames: [String]
    /// Tensors whose two sides never had the same number of elements, with the shapes.
    private(set) var mismatches: [String: String] = [:]

    private let floatModel: Interpreter, quantizedModel: Interpreter
    private var wantedFloat: Set<String> = []
    private var byDequantized: [String: [Int]] = [:], byQuantized: [String: [Int]] = [:]
    private var quantizeInputs: Set<String> = []

    init(pairs: [ActivationPair], floatModel: Interpreter, quantizedModel: Interpreter) {
        self.floatModel = floatModel
        self.quantizedModel = quantizedModel
        results = pairs.map { ActivationResult(pair: $0, quantizeDequantize: $0.quantizeInput == nil ? nil : ErrorStatistics()) }
        outputNames = floatModel.outputNames.filter { quantizedModel.outputNames.contains($0) }
        for (i, pair) in pairs.enumerated() {
            wantedFloat.insert(pair.name)
            if let dequantized = pair.dequantized {
                byDequantized[dequantized, default: []].append(i)
            } else if let quantized = pair.quantized {
                byQuantized[quantized.name, default: []].append(i)
            }
            if let input = pair.quantizeInput { quantizeInputs.insert(input) }
        }
    }

    /// Runs both models on one sample and adds its figures.
    func add(_ feeds: [String: Tensor]) throws {
        var floatValues: [String: Tensor] = [:]
        let floatOutputs = try floatModel.run(feeds.filter { floatModel.inputNames.contains($0.key) }) { name, tensor in
            if self.wantedFloat.contains(name) { floatValues[name] = tensor }
        }
        var quantizeInputValues: [String: Tensor] = [:]
        var failure: Error?
        let quantizedOutputs = try quantizedModel.run(feeds.filter { quantizedModel.inputNames.contains($0.key) }) { name, tensor in
            do {
                if self.quantizeInputs.contains(name) { quantizeInputValues[name] = tensor }
                for i in self.byDequantized[name] ?? [] {
                    self.compare(i, dequantized: tensor, floatValues: floatValues, quantizeInputs: quantizeInputValues)
                }
                for i in self.byQuantized[name] ?? [] {
                    let dequantized = try self.results[i].pair.quantized!.dequantize(tensor)
                    self.compare(i, dequantized: dequantized, floatValues: floatValues, quantizeInputs: quantizeInputValues)
                }
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        for name in outputNames {
            guard let x = floatOutputs[name], let y = quantizedOutputs[name] else { continue }
            Self.accumulate(&outputs[name, default: ErrorStatistics()], x, y, name: name, mismatches: &mismatches)
        }
    }

    private func compare(_ i: Int, dequantized: Tensor, floatValues: [String: Tensor], quantizeInputs: [String: Tensor]) {
        let pair = results[i].pair
        if let x = floatValues[pair.name] {
            Self.accumulate(&results[i].againstFloat, x, dequantized, name: pair.name, mismatches: &mismatches)
        }
        if let input = pair.quantizeInput, let x = quantizeInputs[input] {
            Self.accumulate(&results[i].quantizeDequantize!, x, dequantized, name: pair.name, mismatches: &mismatches)
        }
    }

    /// Adds x against y when both are float tensors of the same size.
    static func accumulate(_ statistics: inout ErrorStatistics, _ x: Tensor, _ y: Tensor, name: String,
                           mismatches: inout [String: String]) {
        guard let x = asFloat(x), let y = asFloat(y) else { return }
        guard x.count == y.count else {
            mismatches[name] = "\(x.shape) against \(y.shape)"
            return
        }
        statistics.add(x.elements(Float.self), y.elements(Float.self))
    }

    /// The tensor as float32, nil for non-float tensors (indices, masks).
    static func asFloat(_ tensor: Tensor) -> Tensor? {
        switch tensor.type {
        case .float: return tensor
        case .float16, .bfloat16, .double: return try? tensor.converted(to: .float)
        default: return nil
        }
    }
}
