import ONNXModel

/// Scan (opset 9+): runs `body` once per position along the scan axis of the scan inputs,
/// threading N state values through. Each scan input is read along its own axis and
/// direction; each scan output is stacked along its own axis, reversed where asked.
struct ScanKernel: OpKernel {
    let iteration: ScanIteration
    let node: KernelNode

    init(_ node: KernelNode) throws {
        self.node = node
        guard let scanCount = node.int("num_scan_inputs"), scanCount > 0, scanCount <= node.inputCount else {
            throw node.failure("attribute 'num_scan_inputs' must be between 1 and the number of inputs")
        }
        iteration = try ScanIteration(node, stateCount: node.inputCount - scanCount, scanCount: scanCount,
                                      directionsAttribute: "scan_input_directions")
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let values = try inputs.enumerated().map { i, value in
            guard let value else { throw node.failure("input \(i) is missing") }
            return value
        }
        let states = Array(values[..<iteration.stateCount])
        let scans = Array(values[iteration.stateCount...])
        let inputAxes = try scans.enumerated().map { i, scan in
            guard let axis = Shapes.normalizeAxis(iteration.inputAxes[i], rank: scan.rank), scan.rank > 0 else {
                throw node.failure("scan_input_axes[\(i)] = \(iteration.inputAxes[i]) is out of range for scan input of shape \(scan.shape)")
            }
            return axis
        }
        return try iteration.run(states: states, scans: scans, inputAxes: inputAxes, context)
    }
}

/// Scan-8: like Scan-9 with every state and scan input carrying a leading batch axis (scan
/// inputs are [batch, sequence, ...]); each batch entry is scanned on its own.
struct Scan8Kernel: OpKernel {
    let iteration: ScanIteration
    let node: KernelNode

    init(_ node: KernelNode) throws {
        self.node = node
        guard let scanCount = node.int("num_scan_inputs"), scanCount > 0, scanCount < node.inputCount else {
            throw node.failure("attribute 'num_scan_inputs' must be between 1 and the number of inputs after sequence_lens")
        }
        iteration = try ScanIteration(node, stateCount: node.inputCount - 1 - scanCount, scanCount: scanCount,
                                      directionsAttribute: "directions")
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let values = try inputs.dropFirst().enumerated().map { i, value in
            guard let value, value.rank > 0 else { throw node.failure("input \(i + 1) is missing or a scalar") }
            return value
        }
        let batch = values[0].shape[0]
        for value in values where value.shape[0] != batch {
            throw node.failure("inputs disagree on the batch size: \(values[0].shape) and \(value.shape)")
        }
        let scans = values[iteration.stateCount...]
        if let lengths = inputs[0]?.integers(), let full = scans.first.map({ $0.rank > 1 ? $0.shape[1] : 0 }),
           lengths.contains(where: { $0 != Int64(full) }) {
            throw RuntimeError.unsupported("node '\(node.name)' (Scan-8): sequence_lens shorter than the scan axis (\(lengths)) are not supported")
        }
        var perBatch: [[Tensor]] = []
        for b in 0..<batch {
            let slices = values.map { SequenceAxis.slice($0, axis: 0, index: b) }
            let inputAxes = [Int](repeating: 0, count: iteration.scanCount)
            for scan in slices[iteration.stateCount...] where scan.rank == 0 {
                throw node.failure("scan inputs need a sequence axis after the batch axis")
            }
            perBatch.append(try iteration.run(states: Array(slices[..<iteration.stateCount]),
                                              scans: Array(slices[iteration.stateCount...]), inputAxes: inputAxes, context))
        }
        return try (0..<node.outputCount).map { k in
            try SequenceAxis.stack(perBatch.map { $0[k] }, axis: 0, name: iteration.body.outputNames[k])
        }
    }
}

/// The scan loop shared by Scan-8 and Scan-9: body, axes and directions, and the iteration.
struct ScanIteration {
    let body: CompiledGraph
    let stateCount: Int
    let scanCount: Int
    let inputAxes: [Int]
    let inputReversed: [Bool]
    let outputAxes: [Int]
    let outputReversed: [Bool]
    let outputInfos: [ValueInfoProto]

    init(_ node: KernelNode, stateCount: Int, scanCount: Int, directionsAttribute: String) throws {
        body = try node.subgraph("body")
        self.stateCount = stateCount
        self.scanCount = scanCount
        guard body.inputNames.count == stateCount + scanCount else {
            throw node.failure("body takes \(body.inputNames.count) inputs, expected \(stateCount) states + \(scanCount) scan inputs")
        }
        let scanOutputCount = body.outputNames.count - stateCount
        guard scanOutputCount >= 0, node.outputCount <= body.outputNames.count else {
            throw node.failure("body returns \(body.outputNames.count) outputs, expected \(stateCount) states and the scan outputs")
        }
        func list(_ name: String, _ count: Int) throws -> [Int] {
            let values = node.ints(name) ?? [Int](repeating: 0, count: count)
            guard values.count == count else { throw node.failure("attribute '\(name)' has \(values.count) values, expected \(count)") }
            return values
        }
        inputAxes = try list("scan_input_axes", scanCount)
        inputReversed = try list(directionsAttribute, scanCount).map { $0 != 0 }
        outputAxes = try list("scan_output_axes", scanOutputCount)
        outputReversed = try list("scan_output_directions", scanOutputCount).map { $0 != 0 }
        outputInfos = Array((node.node.attribute("body")?.graph?.outputs ?? []).dropFirst(stateCount))
    }

    /// Final states, then the stacked scan outputs. `inputAxes` are already normalized.
    func run(states initial: [Tensor], scans: [Tensor], inputAxes axes: [Int], _ context: ExecutionContext) throws -> [Tensor] {
        let length = scans.first.map { $0.shape[axes[0]] } ?? 0
        for (i, scan) in scans.enumerated() where scan.shape[axes[i]] != length {
            throw RuntimeError.invalidModel("scan input \(i) has \(scan.shape[axes[i]]) steps along axis \(axes[i]), scan input 0 has \(length)")
        }
        var states = initial
        var outputs = [[Tensor]](repeating: [], count: outputAxes.count)
        for t in 0..<length {
            let slices = scans.enumerated().map { i, scan in
                SequenceAxis.slice(scan, axis: axes[i], index: inputReversed[i] ? length - 1 - t : t)
            }
            let results = try context.run(body, inputs: states + slices)
            states = Array(results[..<stateCount])
            for k in outputs.indices { outputs[k].append(results[stateCount + k]) }
        }
        let stacked = try outputs.enumerated().map { k, slices in
            slices.isEmpty ? SequenceAxis.emptyStack(declaredBy: outputInfos.indices.contains(k) ? outputInfos[k] : nil, axis: outputAxes[k])
                : try SequenceAxis.stack(slices, axis: outputAxes[k], reversed: outputReversed[k], name: body.outputNames[stateCount + k])
        }
        return states + stacked
    }
}
