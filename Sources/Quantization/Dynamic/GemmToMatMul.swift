import ONNXModel
import Passes
import Runtime

/// onnxruntime's replace_gemm_with_matmul, which quantize_dynamic runs first: a Gemm with
/// alpha = beta = 1 and transA = 0 becomes MatMul (+ Add of C), so the MatMul rule quantizes it.
/// A transposed constant B is transposed in place (a fresh copy when something else reads it);
/// a computed one gets a Transpose. Names are onnxruntime's: `<gemm>_MatMul`, `<gemm>_Add`,
/// `<Y>_MatMul`, `<B>_Transposed`.
struct GemmToMatMul {
    let names: NameAllocator
    let options: DynamicQuantizationOptions

    /// The MatMuls made, each with the Gemm it replaced (options naming the Gemm apply to it).
    func run(on model: Model) throws -> [ObjectIdentifier: (opType: String, name: String)] {
        var origins: [ObjectIdentifier: (opType: String, name: String)] = [:]
        _ = try GraphTraversal.rewriteNodes(in: model) { node, graph in
            guard node.isDefault("Gemm"), isPlainProduct(node), node.inputs.count >= 2,
                  options.shouldQuantize("MatMul", name: node.name ?? "", origin: ("Gemm", node.name ?? "")) else { return false }
            let matMul = try replace(node, in: graph)
            origins[ObjectIdentifier(matMul)] = ("Gemm", node.name ?? "")
            return true
        }
        return origins
    }

    private func isPlainProduct(_ node: Node) -> Bool {
        (node.attribute("alpha")?.float ?? 1) == 1 && (node.attribute("beta")?.float ?? 1) == 1
            && (node.attribute("transA")?.int ?? 0) == 0
    }

    private func replace(_ gemm: Node, in graph: Graph) throws -> Node {
        let output = gemm.outputs[0]
        let bias = gemm.inputs.count > 2 && !gemm.inputs[2].isEmpty ? gemm.inputs[2] : nil
        var b = gemm.inputs[1]
        var added: [Node] = []
        if (gemm.attribute("transB")?.int ?? 0) != 0 {
            if let transposed = try transposeConstant(b, for: gemm, in: graph) {
                b = transposed
            } else {
                let transposed = names.fresh(b + "_Transposed")
                added.append(Node(opType: "Transpose", name: gemm.name.map { $0 + "_Transpose" }, inputs: [b], outputs: [transposed]))
                b = transposed
            }
        }
        let product = bias == nil ? output : names.fresh(output + "_MatMul")
        let matMul = Node(opType: "MatMul", name: gemm.name.map { $0 + "_MatMul" }, inputs: [gemm.inputs[0], b], outputs: [product])
        added.append(matMul)
        if let bias {
            added.append(Node(opType: "Add", name: gemm.name.map { $0 + "_Add" }, inputs: [product, bias], outputs: [output]))
        }
        graph.remove(gemm)
        for node in added { graph.insert(node, at: insertionPoint(for: node, in: graph)) }
        return matMul
    }

    /// Right after the last producer of the node's inputs (the Gemm's old place).
    private func insertionPoint(for node: Node, in graph: Graph) -> Int {
        node.inputs.compactMap { graph.producer(of: $0).flatMap(graph.index(of:)) }.max().map { $0 + 1 } ?? 0
    }

    /// The transposed weight's name: B itself when only this Gemm reads it (as onnxruntime),
    /// else a transposed copy. nil when B is computed.
    private func transposeConstant(_ name: String, for gemm: Node, in graph: Graph) throws -> String? {
        guard let owner = graph.constantOwner(of: name), let proto = owner.initializer(named: name),
              let tensor = try? Tensor(proto: proto), tensor.rank == 2, tensor.type == .float else { return nil }
        let transposed = transpose2D(tensor)
        let soleReader = owner.consumers(of: name).count == 1 && !owner.isGraphInput(name)
            && (owner === graph || graph.consumers(of: name).count == 1)
        let target = soleReader ? name : names.fresh(name + "_Transposed")
        owner.setInitializer(transposed.toProto(name: target))
        return target
    }

    private func transpose2D(_ tensor: Tensor) -> Tensor {
        let rows = tensor.shape[0], columns = tensor.shape[1]
        let result = Tensor(uninitialized: .float, shape: [columns, rows])
        let source = tensor.elements(Float.self), target = result.mutableElements(Float.self)
        for r in 0..<rows {
            for c in 0..<columns { target[c * rows + r] = source[r * columns + c] }
        }
        return result
    }
}

extension Graph {
    /// The graph (this one or an enclosing one) whose initializer `name` is, when `name` is a
    /// constant seen from here.
    func constantOwner(of name: String) -> Graph? {
        var scope: Graph? = self
        while let graph = scope {
            if graph.isGraphInput(name) || graph.producer(of: name) != nil { return nil }
            if graph.initializer(named: name) != nil { return graph }
            scope = graph.parent
        }
        return nil
    }
}
