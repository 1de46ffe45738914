import ONNXModel

/// An operator implementation. `init` reads the node's attributes once (with the spec's
/// defaults); `run` maps input tensors to output tensors. Absent optional inputs are nil; an
/// output nobody asked for may be returned as nil.
public protocol OpKernel {
    init(_ node: KernelNode) throws
    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?]
}

/// How exactly a kernel reproduces the reference: bit-exact, or within rounding.
public enum Precision: Sendable {
    case exact
    case rounding
}

/// What a kernel sees of its node at compile time: attributes with defaults, the opset the
/// model imports for the node's domain, and compiled subgraphs.
public struct KernelNode {
    public let node: Node
    /// The version of the node's domain that the model imports.
    public let opset: Int
    let compileSubgraph: (Graph) throws -> CompiledGraph

    public var name: String { node.label }
    public var opType: String { node.opType }
    public var inputCount: Int { node.inputs.count }
    public var outputCount: Int { node.outputs.count }

    public func has(_ attribute: String) -> Bool { node.attribute(attribute) != nil }

    public func int(_ name: String, default value: Int) -> Int {
        node.attribute(name)?.int.map { Int(clamping: $0) } ?? value
    }

    public func int(_ name: String) -> Int? { node.attribute(name)?.int.map { Int(clamping: $0) } }

    public func float(_ name: String, default value: Float) -> Float { node.attribute(name)?.float ?? value }

    public func ints(_ name: String) -> [Int]? {
        guard let attribute = node.attribute(name) else { return nil }
        return attribute.ints.map { Int(clamping: $0) }
    }

    public func floats(_ name: String) -> [Float]? { node.attribute(name)?.floats }

    public func string(_ name: String, default value: String) -> String { node.attribute(name)?.string ?? value }

    public func strings(_ name: String) -> [String]? { node.attribute(name)?.strings }

    public func tensor(_ name: String) throws -> Tensor? {
        guard let proto = node.attribute(name)?.tensor else { return nil }
        return try Tensor(proto: proto)
    }

    /// The subgraph held by a GRAPH attribute, compiled for execution.
    public func subgraph(_ name: String) throws -> CompiledGraph {
        guard let graph = node.attribute(name)?.graph else { throw failure("missing graph attribute '\(name)'") }
        return try compileSubgraph(graph)
    }

    /// An error that names this node.
    public func failure(_ message: String) -> RuntimeError {
        .node(name: node.label, op: node.opType, message: message)
    }
}

/// What a kernel can use while running: the thread budget and subgraph execution.
public final class ExecutionContext {
    public let threads: Int
    /// Absent while folding constants at compile time (nodes with subgraphs are not folded).
    let running: (scope: Scope, interpreter: Interpreter)?

    init(threads: Int, scope: Scope, interpreter: Interpreter) {
        self.threads = threads
        running = (scope, interpreter)
    }

    init(threads: Int) {
        self.threads = threads
        running = nil
    }

    /// Runs a subgraph with the given inputs; names it reads from enclosing graphs resolve in
    /// the current scope.
    public func run(_ graph: CompiledGraph, inputs: [Tensor?]) throws -> [Tensor] {
        guard let running else { throw RuntimeError.invalidModel("a subgraph cannot run while constants are folded") }
        return try running.interpreter.execute(graph, inputs: inputs, parent: running.scope)
    }
}
