import ONNXModel

/// The clamp a Relu or Clip applies: Relu is [0, +inf), Clip is [min, max].
public struct ActivationClamp: Equatable {
    public let low: Float
    public let high: Float

    /// Clamps a buffer in place.
    func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        for i in values.indices { values[i] = min(max(values[i], low), high) }
    }
}

/// A kernel that can apply the activation that follows it while it writes its output.
protocol ClampFusable {
    func run(_ inputs: [Tensor?], _ context: ExecutionContext, clamp: ActivationClamp) throws -> [Tensor?]
}

/// Pairs a producer (Conv, ...) with the Relu or Clip that alone reads its output. When nobody
/// observes the run, the producer clamps its own output and the activation step is skipped;
/// an observed run (calibration, debug) still sees the un-clamped tensor.
enum ActivationFusion {
    /// A producer's kernel, the clamp it applies, and the slot its clamped output goes to.
    struct Fused {
        let kernel: ClampFusable
        let clamp: ActivationClamp
        let output: Int
    }

    static func plan(_ graph: CompiledGraph) {
        var uses: [Int: Int] = [:]
        for step in graph.steps {
            for slot in step.inputs.compactMap({ $0 }) { uses[slot, default: 0] += 1 }
            for name in step.node.implicitInputs { if let slot = graph.slotOf[name] { uses[slot, default: 0] += 2 } }
        }
        for slot in graph.outputSlots { uses[slot, default: 0] += 2 }
        let known = constantValues(graph)
        var consumerOf: [Int: Int] = [:]
        for (index, step) in graph.steps.enumerated() {
            if let slot = step.inputs.first ?? nil { consumerOf[slot] = consumerOf[slot] == nil ? index : -1 }
        }
        for producer in graph.steps where producer.outputs.count == 1 {
            guard let kernel = producer.kernel as? ClampFusable, let slot = producer.outputs[0], uses[slot] == 1,
                  let index = consumerOf[slot], index >= 0 else { continue }
            let activation = graph.steps[index]
            guard activation.outputs.count == 1, let output = activation.outputs[0],
                  let clamp = clamp(of: activation, known: known) else { continue }
            producer.fusion = Fused(kernel: kernel, clamp: clamp, output: output)
            activation.fusedAway = true
        }
    }

    /// The clamp of a Relu or Clip whose bounds are known before running, else nil.
    private static func clamp(of step: Step, known: [Int: Tensor]) -> ActivationClamp? {
        guard step.node.normalizedDomain == "ai.onnx" else { return nil }
        switch step.node.opType {
        case "Relu":
            return ActivationClamp(low: 0, high: .infinity)
        case "Clip" where step.inputs.count == 1 && step.node.attribute("min") == nil && step.node.attribute("max") == nil:
            return ActivationClamp(low: -.infinity, high: .infinity)
        case "Clip" where step.inputs.count == 1:
            return ActivationClamp(low: step.node.attribute("min")?.float ?? -.greatestFiniteMagnitude,
                                   high: step.node.attribute("max")?.float ?? .greatestFiniteMagnitude)
        case "Clip":
            func bound(_ position: Int, _ absent: Float) -> Float? {
                guard position < step.inputs.count, let slot = step.inputs[position] else { return absent }
                guard let tensor = known[slot], tensor.type == .float, tensor.count == 1 else { return nil }
                return tensor.elements(Float.self)[0]
            }
            guard let low = bound(1, -.infinity), let high = bound(2, .infinity), low <= high else { return nil }
            return ActivationClamp(low: low, high: high)
        default:
            return nil
        }
    }

    /// Values fixed before any run: initializers and Constant node outputs.
    private static func constantValues(_ graph: CompiledGraph) -> [Int: Tensor] {
        Dictionary(graph.constants.map { ($0.slot, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }
}
