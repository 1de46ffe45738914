import ONNXModel

/// A dynamic rule rewrites one node into integer ops (emitting through the rewriter) and
/// returns true, or returns false, emitting nothing, to keep the node in float.
typealias DynamicRule = (DynamicRewriter, Node, Graph) throws -> Bool

/// Every op quantize-dynamic rewrites (onnxruntime's IntegerOpsRegistry), keyed by domain and
/// op type: each family lists its rules in its file; adding an op is a rule and a line.
public enum DynamicRules {
    struct Key: Hashable {
        let domain: String
        let opType: String
    }

    static let table: [Key: DynamicRule] = [linear, recurrent, attention, embedding]
        .reduce(into: [:]) { table, family in table.merge(family) { first, _ in first } }

    static func rule(for node: Node) -> DynamicRule? {
        table[Key(domain: node.normalizedDomain, opType: node.opType)]
    }

    /// The op types `--op-types` accepts (Gemm: rewritten to MatMul first).
    public static var supportedOps: [String] { (table.keys.map(\.opType) + ["Gemm"]).sorted() }

    static func onnx(_ opType: String) -> Key { Key(domain: "ai.onnx", opType: opType) }
    static func microsoft(_ opType: String) -> Key { Key(domain: "com.microsoft", opType: opType) }
}
