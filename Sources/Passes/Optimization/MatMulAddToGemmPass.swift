import ONNXModel

/// Turns MatMul(A, B) + bias into Gemm(A, B, bias) when A is a matrix (rank 2 in value_info),
/// B a constant matrix and the bias a constant of N or [1, N] values: the quantizer and
/// runtimes treat Gemm as one fully connected layer with its bias.
public struct MatMulAddToGemmPass: GraphPass {
    public let name = "matmul-add-to-gemm"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        // Gemm before opset 7 broadcast C only with its `broadcast` attribute.
        guard let opset = model.opsetVersion(for: ""), opset >= 7 else { return false }
        return GraphTraversal.rewriteNodes(in: model) { matMul, graph in
            guard matMul.isDefault("MatMul"), let add = Self.biasAdd(after: matMul, in: graph) else { return false }
            let bias = add.inputs[0] == matMul.outputs[0] ? add.inputs[1] : add.inputs[0]
            let label = matMul.described
            matMul.opType = "Gemm"
            graph.setInputs(of: matMul, to: [matMul.inputs[0], matMul.inputs[1], bias])
            graph.absorb(add, into: matMul)
            report?.note("merged \(label) and \(add.described) into Gemm", in: graph)
            return true
        }
    }

    /// The Add that alone reads the MatMul's output and adds a constant float32 bias of N or
    /// [1, N] values, when A has rank 2 and B is a constant N-column matrix.
    private static func biasAdd(after matMul: Node, in graph: Graph) -> Node? {
        guard matMul.inputs.count == 2, matMul.outputs.count == 1, graph.dims(of: matMul.inputs[0])?.count == 2,
              let b = graph.constant(named: matMul.inputs[1]), b.dims.count == 2, b.elementType == .float,
              let add = graph.soleConsumer(of: matMul.outputs[0]), add.isDefault("Add"), add.inputs.count == 2,
              add.inputs.filter({ $0 == matMul.outputs[0] }).count == 1 else { return nil }
        let biasName = add.inputs[0] == matMul.outputs[0] ? add.inputs[1] : add.inputs[0]
        guard let bias = graph.constant(named: biasName), bias.elementType == .float else { return nil }
        let columns = b.dims[1]
        return bias.dims == [columns] || bias.dims == [1, columns] ? add : nil
    }
}
