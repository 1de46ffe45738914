import ONNXModel

/// Loop: runs `body` while the trip count M is not reached and the condition holds. The body
/// takes (iteration_num, cond, carried...) and returns (cond, carried..., scan outputs...);
/// the node returns the final carried values, then each scan output stacked along a new axis 0.
struct LoopKernel: OpKernel {
    let body: CompiledGraph
    let carriedCount: Int
    let scanOutputInfos: [ValueInfoProto]
    let node: KernelNode

    init(_ node: KernelNode) throws {
        body = try node.subgraph("body")
        self.node = node
        carriedCount = node.inputCount - 2
        guard carriedCount >= 0 else { throw node.failure("needs inputs M and cond (either may be empty)") }
        guard body.inputNames.count == carriedCount + 2 else {
            throw node.failure("body takes \(body.inputNames.count) inputs, expected \(carriedCount + 2) (iteration_num, cond, \(carriedCount) carried)")
        }
        let scanCount = body.outputNames.count - 1 - carriedCount
        guard scanCount >= 0, node.outputCount <= carriedCount + scanCount else {
            throw node.failure("body returns \(body.outputNames.count) outputs, expected cond, \(carriedCount) carried values and the node's \(node.outputCount - carriedCount) scan outputs")
        }
        let declared = node.node.attribute("body")?.graph?.outputs ?? []
        scanOutputInfos = Array(declared.dropFirst(1 + carriedCount))
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let tripLimit = try inputs[0].map { try ControlScalar.integer($0, name: "M") }
        var condition = try inputs[1].map { try ControlScalar.truth($0, name: "cond") } ?? true
        var carried: [Tensor] = []
        for (i, value) in inputs.dropFirst(2).enumerated() {
            guard let value else { throw node.failure("loop-carried input \(i) is missing") }
            carried.append(value)
        }
        var scans = [[Tensor]](repeating: [], count: scanOutputInfos.count)
        var iteration: Int64 = 0
        while condition && (tripLimit.map { iteration < $0 } ?? true) {
            let bodyInputs = [Tensor(scalar: iteration), Tensor(scalar: condition)] + carried
            let outputs = try context.run(body, inputs: bodyInputs)
            // onnxruntime obeys the body's condition even when the node has no cond input.
            condition = try ControlScalar.truth(outputs[0], name: body.outputNames[0])
            carried = Array(outputs[1..<(1 + carriedCount)])
            for k in scans.indices { scans[k].append(outputs[1 + carriedCount + k]) }
            iteration += 1
        }
        let stacked = try scans.enumerated().map { k, slices in
            slices.isEmpty ? SequenceAxis.emptyStack(declaredBy: scanOutputInfos[k], axis: 0)
                : try SequenceAxis.stack(slices, axis: 0, name: body.outputNames[1 + carriedCount + k])
        }
        return Array((carried + stacked).prefix(node.outputCount))
    }
}
