import ONNXModel

extension ShapeRules {
    static let controlFlow: [String: ShapeRule] = ["If": ifRule, "Loop": loopRule, "Scan": scanRule]

    /// Both branches are inferred; an output keeps what the two agree on.
    private static func ifRule(_ context: inout ShapeContext) throws {
        guard let thenBranch = context.graph("then_branch"), let elseBranch = context.graph("else_branch") else {
            throw ShapeError("missing then_branch or else_branch")
        }
        let thenOutputs = context.infer(thenBranch, inputs: [])
        let elseOutputs = context.infer(elseBranch, inputs: [])
        // A condition known before the run (shape tests such as rank == 3) picks its branch.
        if let condition = context.input(0).integers, condition.count == 1 {
            let taken = condition[0] != 0 ? thenOutputs : elseOutputs
            for i in 0..<min(context.outputCount, taken.count) { context.set(i, taken[i]) }
            return
        }
        for i in 0..<min(context.outputCount, thenOutputs.count, elseOutputs.count) {
            context.set(i, agreement(thenOutputs[i], elseOutputs[i]))
        }
    }

    /// Body inputs: iteration number, condition, carried values; outputs: condition, carried
    /// values, then per-iteration values stacked along a new leading axis.
    private static func loopRule(_ context: inout ShapeContext) throws {
        guard let body = context.graph("body") else { throw ShapeError("missing body") }
        let carriedCount = max(0, context.inputCount - 2)
        var carried = (0..<carriedCount).map { context.input(2 + $0) }
        let counters = [TensorFact(type: .int64, shape: []), TensorFact(type: .bool, shape: [])]
        var outputs = context.infer(body, inputs: counters + carried)
        // A carried value whose shape changes between iterations is inferred again with the
        // dims that differ left unknown.
        let settled = zip(carried, outputs.dropFirst()).map { agreement($0, $1) }
        if zip(settled, carried).contains(where: { $0.shape != $1.shape || $0.type != $1.type }) {
            carried = settled
            outputs = context.infer(body, inputs: counters + carried)
        }
        for i in 0..<min(carriedCount, outputs.count - 1) {
            context.set(i, agreement(carried[i], outputs[1 + i]))
        }
        let trips = tripCount(context)
        for (k, scanned) in outputs.dropFirst(1 + carriedCount).enumerated() where carriedCount + k < context.outputCount {
            context.set(carriedCount + k, type: scanned.type, shape: scanned.shape.map { [trips] + $0 })
        }
    }

    /// M when it is known and no condition can end the loop early; otherwise a fresh symbol.
    private static func tripCount(_ context: ShapeContext) -> SymbolicDim {
        if !context.has(1), let limit = context.elements(0)?.first { return limit }
        return context.freshSymbol("loop_trips")
    }

    /// Scan (opset 9+): state variables, then scan inputs sliced along their scan axes.
    private static func scanRule(_ context: inout ShapeContext) throws {
        guard context.opset >= 9 else { throw ShapeError(limitation: "Scan-8 (batched, with sequence_lens) is not inferred") }
        guard let body = context.graph("body"), let scanCount = context.int("num_scan_inputs") else {
            throw ShapeError("missing body or num_scan_inputs")
        }
        let stateCount = context.inputCount - scanCount
        let inputAxes = context.ints("scan_input_axes") ?? Array(repeating: 0, count: scanCount)
        var iterations: SymbolicDim?
        var bodyInputs = (0..<stateCount).map { context.input($0) }
        for k in 0..<scanCount {
            let fact = context.input(stateCount + k)
            guard let shape = fact.shape, k < inputAxes.count else { bodyInputs.append(TensorFact(type: fact.type)); continue }
            let axis = try context.normalize(axis: inputAxes[k], rank: shape.count)
            iterations = iterations ?? shape[axis]
            bodyInputs.append(TensorFact(type: fact.type, shape: shape.enumerated().filter { $0.offset != axis }.map(\.element)))
        }
        let outputs = context.infer(body, inputs: bodyInputs)
        for i in 0..<min(stateCount, outputs.count) { context.set(i, agreement(bodyInputs[i], outputs[i])) }
        let outputAxes = context.ints("scan_output_axes") ?? []
        for (k, scanned) in outputs.dropFirst(stateCount).enumerated() where stateCount + k < context.outputCount {
            guard var shape = scanned.shape else { context.set(stateCount + k, type: scanned.type, shape: nil); continue }
            let axis = try context.normalize(axis: k < outputAxes.count ? outputAxes[k] : 0, rank: shape.count + 1)
            shape.insert(iterations, at: axis)
            context.set(stateCount + k, type: scanned.type, shape: shape)
        }
    }

    /// What two facts about the same value agree on: the type, and each dim both give alike.
    static func agreement(_ a: TensorFact, _ b: TensorFact) -> TensorFact {
        var shape: [SymbolicDim?]?
        if let shapeA = a.shape, let shapeB = b.shape, shapeA.count == shapeB.count {
            shape = zip(shapeA, shapeB).map { $0 == $1 ? $0 : nil }
        }
        return TensorFact(type: a.type ?? b.type, shape: shape)
    }
}
