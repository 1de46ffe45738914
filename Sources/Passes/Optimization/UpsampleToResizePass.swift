import ONNXModel

/// Upsample is deprecated from opset 10 on and many tools (the quantizer's QDQ rules among them)
/// know only Resize. A model below opset 11 that uses Upsample is upgraded to opset 11, which
/// rewrites each Upsample as a Resize-11 that samples the same way (and every other node whose
/// schema changed on the way). When any node has no faithful opset-11 form, nothing changes and
/// the report says why.
public struct UpsampleToResizePass: GraphPass {
    public let name = "upsample-to-resize"
    public var report: PassReport?

    static let targetOpset = 11

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        guard let opset = model.opsetVersion(for: ""), opset < Self.targetOpset else { return false }
        let graphs = [model.graph] + model.graph.allSubgraphs
        guard graphs.contains(where: { $0.nodes.contains { $0.isDefault("Upsample") } }) else { return false }
        switch try OpsetUpgrade.upgrade(model, to: Self.targetOpset, report: report) {
        case .upgraded: return true
        case .alreadyThere: return false
        case .refused(let blockers):
            report?.note("kept opset \(opset) and its Upsample nodes: " + blockers.joined(separator: "; "))
            return false
        }
    }
}
