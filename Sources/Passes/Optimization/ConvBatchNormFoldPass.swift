import ONNXModel
import Runtime

/// Folds an inference-mode BatchNormalization into the Conv or ConvTranspose that alone feeds
/// it: with s = gamma / sqrt(var + eps) per output channel, W' = W * s and
/// b' = (b - mean) * s + beta. Computed in Double, stored as float32.
public struct ConvBatchNormFoldPass: GraphPass {
    public let name = "conv-batchnorm-fold"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        let names = NameAllocator(model)
        let opset = model.opsetVersion(for: "") ?? 0
        let changed = GraphTraversal.rewriteNodes(in: model) { conv, graph in
            guard conv.isDefault("Conv") || conv.isDefault("ConvTranspose"),
                  let batchNorm = Self.inferenceBatchNorm(after: conv, in: graph, opset: opset),
                  let folded = Self.fold(conv, batchNorm, in: graph) else { return false }
            let weight = conv.inputs[1]
            graph.setConstantInput(of: conv, at: 1, to: folded.weight, names: names, base: "\(weight)_bn")
            graph.setConstantInput(of: conv, at: 2, to: folded.bias, names: names, base: "\(weight)_bn_bias")
            graph.absorb(batchNorm, into: conv)
            report?.note("folded \(batchNorm.described) into \(conv.described)", in: graph)
            return true
        }
        if changed { IRVersion.allowConstantInitializers(model, report: report) }
        return changed
    }

    /// The BatchNormalization that alone reads the convolution's output, when it normalizes
    /// with its stored statistics and writes nothing but Y.
    private static func inferenceBatchNorm(after conv: Node, in graph: Graph, opset: Int64) -> Node? {
        guard conv.outputs.count == 1, let batchNorm = graph.soleConsumer(of: conv.outputs[0]),
              batchNorm.isDefault("BatchNormalization"), batchNorm.inputs.count == 5,
              batchNorm.inputs[0] == conv.outputs[0], !batchNorm.inputs.dropFirst().contains(conv.outputs[0]),
              batchNorm.outputs.dropFirst().allSatisfy(\.isEmpty), !batchNorm.outputs[0].isEmpty else { return nil }
        let trains = batchNorm.attribute("training_mode")?.int ?? 0 != 0
        let perActivation = opset < 9 && batchNorm.attribute("spatial")?.int ?? 1 != 1
        let legacyTraining = batchNorm.attribute("is_test")?.int == 0
        return trains || perActivation || legacyTraining ? nil : batchNorm
    }

    /// The folded weight and bias, or nil when any parameter is not a float32 constant of the
    /// right size.
    private static func fold(_ conv: Node, _ batchNorm: Node, in graph: Graph) -> (weight: Tensor, bias: Tensor)? {
        guard let weightName = conv.input(1), let weight = graph.constantTensor(named: weightName), weight.type == .float,
              let channels = ConvolutionChannels(conv, weightShape: weight.shape) else { return nil }
        let parameters = batchNorm.inputs.dropFirst().map { graph.floatConstant(named: $0) }
        guard parameters.allSatisfy({ $0?.count == channels.count }) else { return nil }
        let (gamma, beta, mean, variance) = (parameters[0]!, parameters[1]!, parameters[2]!, parameters[3]!)
        var bias = [Float](repeating: 0, count: channels.count)
        if let biasName = conv.input(2) {
            guard let given = graph.floatConstant(named: biasName), given.count == channels.count else { return nil }
            bias = given
        }
        let epsilon = Double(batchNorm.attribute("epsilon")?.float ?? 1e-5)
        let scale = (0..<channels.count).map { Double(gamma[$0]) / (Double(variance[$0]) + epsilon).squareRoot() }
        let weights = weight.elements(Float.self)
        let foldedWeights = zip(weights, channels.channelOfEachWeight()).map { Float(Double($0) * scale[$1]) }
        let foldedBias = (0..<channels.count).map { Float((Double(bias[$0]) - Double(mean[$0])) * scale[$0] + Double(beta[$0])) }
        return (Tensor(foldedWeights, shape: weight.shape), Tensor(foldedBias, shape: [channels.count]))
    }
}
