import ONNXModel
import Runtime

/// What a shape rule sees of one node: the facts about its inputs, its attributes with the
/// spec's defaults, the opset, and the outputs it fills in. A rule throws `ShapeError` when the
/// inputs contradict the op; the node's outputs then stay unknown and inference goes on.
public struct ShapeContext {
    public let node: Node
    /// The version of the node's domain the model imports.
    public let opset: Int
    public let inputs: [TensorFact]
    public var outputs: [TensorFact]
    let symbols: SymbolSource
    /// Infers a subgraph (If/Loop/Scan bodies) given facts about its inputs.
    let inferSubgraph: (Graph, [TensorFact]) -> [TensorFact]
    let options: ShapeInference.Options

    // MARK: Inputs

    public var inputCount: Int { node.inputs.count }

    /// Whether optional input `i` is present.
    public func has(_ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    public func input(_ i: Int) -> TensorFact { i < inputs.count ? inputs[i] : .unknown }

    public func shape(_ i: Int) -> [SymbolicDim?]? { input(i).shape }

    public func rank(_ i: Int) -> Int? { input(i).rank }

    public func type(_ i: Int) -> DataType? { input(i).type }

    /// Dim `axis` of input `i`; nil when the rank or the dim is unknown or the axis is out of range.
    public func dim(_ i: Int, _ axis: Int) -> SymbolicDim? {
        guard let shape = shape(i), shape.indices.contains(axis) else { return nil }
        return shape[axis]
    }

    /// The concrete integer elements of input `i` (axes, pads, shapes given as inputs).
    public func integers(_ i: Int) -> [Int]? { has(i) ? input(i).integers : nil }

    /// The elements of input `i`, concrete or symbolic.
    public func elements(_ i: Int) -> [SymbolicDim]? { has(i) ? input(i).elements : nil }

    // MARK: Attributes

    public func has(attribute name: String) -> Bool { node.attribute(name) != nil }

    public func int(_ name: String, default value: Int) -> Int {
        node.attribute(name)?.int.map { Int(clamping: $0) } ?? value
    }

    public func int(_ name: String) -> Int? { node.attribute(name)?.int.map { Int(clamping: $0) } }

    public func ints(_ name: String) -> [Int]? { node.attribute(name).map { $0.ints.map { Int(clamping: $0) } } }

    public func float(_ name: String, default value: Float) -> Float { node.attribute(name)?.float ?? value }

    public func floats(_ name: String) -> [Float]? { node.attribute(name)?.floats }

    public func string(_ name: String, default value: String) -> String { node.attribute(name)?.string ?? value }

    public func graph(_ name: String) -> Graph? { node.attribute(name)?.graph }

    // MARK: Outputs

    public var outputCount: Int { node.outputs.count }

    /// Whether output `i` is requested.
    public func wants(_ i: Int) -> Bool { i < node.outputs.count && !node.outputs[i].isEmpty }

    public mutating func set(_ i: Int, _ fact: TensorFact) {
        guard i < outputs.count else { return }
        outputs[i] = fact
    }

    public mutating func set(_ i: Int, type: DataType?, shape: [SymbolicDim?]?) {
        set(i, TensorFact(type: type, shape: shape))
    }

    /// A fresh symbol for a size only a run can tell (NonZero's count, a loop's trip count).
    public func freshSymbol(_ hint: String) -> SymbolicDim { symbols.fresh(hint) }

    /// An axis attribute or input normalized to 0..<rank (negative counts from the end).
    public func normalize(axis: Int, rank: Int) throws -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0 && normalized < rank else {
            throw ShapeError("axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// Infers one of this node's subgraphs from facts about its inputs.
    public func infer(_ graph: Graph, inputs: [TensorFact]) -> [TensorFact] { inferSubgraph(graph, inputs) }

    /// The largest value a Slice end may take and still mean "to the end" (`--int-max`).
    public var intMax: Int { options.intMax }
}

/// A node's inputs contradict its op (broadcast mismatch, bad axis, ...).
/// A shape rule's finding. Most say the node cannot run as written (dims that contradict each
/// other, attributes out of range); a limitation says only that qtool does not infer the case.
public struct ShapeError: Error, CustomStringConvertible {
    public let description: String
    public let isLimitation: Bool
    public init(_ message: String) { description = message; isLimitation = false }
    public init(limitation message: String) { description = message; isLimitation = true }
}

/// Hands out symbols no model dim already uses.
final class SymbolSource {
    private var counter = 0
    func fresh(_ hint: String) -> SymbolicDim {
        counter += 1
        return SymbolicDim(symbol: "\(hint)_\(counter)")
    }
}

/// A shape rule: fills in `context.outputs` from its inputs and attributes.
public typealias ShapeRule = (inout ShapeContext) throws -> Void
