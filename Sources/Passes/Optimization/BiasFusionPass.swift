import ONNXModel
import Runtime

/// Moves an Add of a constant into the bias of the Conv, ConvTranspose or Gemm it alone
/// follows: a per-channel (or scalar) constant after a convolution becomes (or joins) its
/// bias B; a constant broadcast along Gemm's last axis becomes (or joins) its C.
public struct BiasFusionPass: GraphPass {
    public let name = "bias-fusion"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        let names = NameAllocator(model)
        let opset = model.opsetVersion(for: "") ?? 0
        let changed = try GraphTraversal.rewriteNodes(in: model) { node, graph in
            guard let (add, addend) = Self.constantAdd(after: node, in: graph) else { return false }
            let fused: Bool
            switch node.opType {
            case "Conv", "ConvTranspose": fused = fuseIntoConvolution(node, addend, in: graph, names: names)
            case "Gemm": fused = try opset >= 7 && fuseIntoGemm(node, addend, in: graph, names: names)
            default: fused = false
            }
            guard fused else { return false }
            graph.absorb(add, into: node)
            report?.note("fused \(add.described) into the bias of \(node.described)", in: graph)
            return true
        }
        if changed { IRVersion.allowConstantInitializers(model, report: report) }
        return changed
    }

    /// The Add that alone reads the node's output, with its other operand: a float32 constant.
    private static func constantAdd(after node: Node, in graph: Graph) -> (add: Node, addend: Addend)? {
        guard node.normalizedDomain == "ai.onnx", node.outputs.count == 1,
              let add = graph.soleConsumer(of: node.outputs[0]), add.isDefault("Add"), add.inputs.count == 2,
              add.inputs.filter({ $0 == node.outputs[0] }).count == 1 else { return nil }
        let other = add.inputs[0] == node.outputs[0] ? add.inputs[1] : add.inputs[0]
        guard let addend = graph.constantTensor(named: other), addend.type == .float else { return nil }
        return (add, Addend(name: other, value: addend))
    }

    /// The constant an Add adds: its name, and its value.
    private struct Addend {
        let name: String
        let value: Tensor
    }

    /// B' = B + addend when the addend holds one value per output channel (or one in all),
    /// placed on the channel axis so that adding it cannot change the output's shape.
    private func fuseIntoConvolution(_ conv: Node, _ addend: Addend, in graph: Graph, names: NameAllocator) -> Bool {
        guard let weight = conv.input(1), let weightShape = graph.concreteShape(of: weight),
              let channels = ConvolutionChannels(conv, weightShape: weightShape),
              Self.isPerChannel(addend.value.shape, channels: channels.count, outputRank: weightShape.count) else { return false }
        var bias = [Float](repeating: 0, count: channels.count)
        if let biasName = conv.input(2) {
            guard let given = graph.floatConstant(named: biasName), given.count == channels.count else { return false }
            bias = given
        }
        let values = addend.value.scalars(Float.self)
        let sum = bias.indices.map { bias[$0] + values[values.count == 1 ? 0 : $0] }
        graph.setConstantInput(of: conv, at: 2, to: Tensor(sum, shape: [channels.count]), names: names, base: "\(weight)_bias")
        return true
    }

    /// Whether a tensor of `shape`, broadcast against an output [N, channels, ...] of
    /// `outputRank` axes, is 1 everywhere except possibly `channels` on axis 1.
    private static func isPerChannel(_ shape: [Int], channels: Int, outputRank: Int) -> Bool {
        guard shape.count <= outputRank else { return false }
        let offset = outputRank - shape.count
        return shape.enumerated().allSatisfy { i, size in size == 1 || (i + offset == 1 && size == channels) }
    }

    /// C' = beta * C + addend, beta' = 1, when the addend varies at most along the last axis
    /// and matches Gemm's N there (so the Add did not broadcast the product up).
    private func fuseIntoGemm(_ gemm: Node, _ addend: Addend, in graph: Graph, names: NameAllocator) throws -> Bool {
        let shape = addend.value.shape
        guard shape.count <= 2, shape.dropLast().allSatisfy({ $0 == 1 }),
              (shape.last ?? 1) == 1 || shape.last == Self.columns(of: gemm, in: graph) else { return false }
        if let cName = gemm.input(2) {
            guard let c = graph.constantTensor(named: cName), c.type == .float else { return false }
            let beta = Tensor(scalar: gemm.attribute("beta")?.float ?? 1)
            let sum = try ConstantArithmetic.evaluate("Add", [ConstantArithmetic.evaluate("Mul", [c, beta]), addend.value])
            graph.setConstantInput(of: gemm, at: 2, to: sum, names: names, base: "\(gemm.outputs[0])_bias")
        } else {
            graph.setInputs(of: gemm, to: Array(gemm.inputs.prefix(2)) + [addend.name])
        }
        gemm.setAttribute(.float("beta", 1))
        return true
    }

    /// Gemm's N: from its output's declared shape, or B's with transB.
    private static func columns(of gemm: Node, in graph: Graph) -> Int? {
        if let dims = graph.dims(of: gemm.outputs[0]), dims.count == 2, case .value(let n)? = dims[1] { return Int(n) }
        guard let b = gemm.input(1), let shape = graph.concreteShape(of: b), shape.count == 2 else { return nil }
        return gemm.attribute("transB")?.int ?? 0 != 0 ? shape[0] : shape[1]
    }
}
