/// Every operator the interpreter runs: one line per (domain, op, since-version). Lookup takes
/// the highest since-version not above the model's opset. Adding an op is a kernel file and a
/// line here.
public enum KernelRegistry {
    public struct Entry {
        public let domain: String
        public let op: String
        public let since: Int
        public let kernel: OpKernel.Type

        init(_ op: String, _ since: Int, _ kernel: OpKernel.Type, domain: String = "ai.onnx") {
            self.domain = domain
            self.op = op
            self.since = since
            self.kernel = kernel
        }
    }

    /// Each op family lists its own entries in its file (`static let <family>: [Entry]`).
    public static let entries: [Entry] = elementwiseKernels + shapeKernels + reductionKernels
        + normalizationKernels + linearKernels + convolutionKernels + poolingKernels + controlFlowKernels
        + recurrentKernels + quantizationKernels + microsoftKernels

    private static let index: [String: [Entry]] = Dictionary(grouping: entries) { $0.domain + "::" + $0.op }

    /// The kernel for an op at a model's opset, or a one-line error naming the node (and, for
    /// a domain qtool has no kernels in, the domains it has).
    public static func lookup(op: String, domain: String, opset: Int, node: String) throws -> OpKernel.Type {
        guard let candidates = index[domain + "::" + op] else {
            let domainKnown = entries.contains { $0.domain == domain }
            let hint = domainKnown ? "" : " (qtool runs ops of \(supportedDomains.joined(separator: ", ")))"
            throw RuntimeError.unsupported("node '\(node)': op \(op) of domain \(domain), opset \(opset), is not supported by qtool's interpreter\(hint)")
        }
        guard let entry = candidates.filter({ $0.since <= opset }).max(by: { $0.since < $1.since }) else {
            let lowest = candidates.map(\.since).min() ?? 0
            throw RuntimeError.unsupported("node '\(node)': op \(op) of domain \(domain) at opset \(opset) is not supported (qtool implements it from opset \(lowest))")
        }
        return entry.kernel
    }

    public static var supportedDomains: [String] { Set(entries.map(\.domain)).sorted() }

    public static func supports(op: String, domain: String) -> Bool { index[domain + "::" + op] != nil }
}
