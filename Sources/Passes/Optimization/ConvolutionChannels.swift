import ONNXModel

/// Where the output channels sit in a Conv or ConvTranspose weight: Conv weights are
/// [M, C/group, k...] (channel = first axis); ConvTranspose weights are [C, M/group, k...], so
/// input channel c and column j feed output channel (c / (C/group)) * (M/group) + j.
struct ConvolutionChannels {
    /// Output channels (M).
    let count: Int
    private let weightShape: [Int]
    private let transposed: Bool
    private let group: Int

    init?(_ node: Node, weightShape: [Int]) {
        guard weightShape.count >= 3, node.normalizedDomain == "ai.onnx" else { return nil }
        let group = Int(node.attribute("group")?.int ?? 1)
        guard group >= 1 else { return nil }
        switch node.opType {
        case "Conv":
            count = weightShape[0]
        case "ConvTranspose":
            guard weightShape[0] % group == 0 else { return nil }
            count = weightShape[1] * group
        default:
            return nil
        }
        self.weightShape = weightShape
        self.transposed = node.opType == "ConvTranspose"
        self.group = group
    }

    /// The output channel of every weight element, in row-major order.
    func channelOfEachWeight() -> [Int] {
        let total = weightShape.reduce(1, *)
        guard transposed else {
            let perChannel = total / max(weightShape[0], 1)
            return (0..<total).map { $0 / perChannel }
        }
        let kernel = weightShape.dropFirst(2).reduce(1, *)
        let columns = weightShape[1]
        let inputsPerGroup = weightShape[0] / group
        return (0..<total).map { i in
            let inputChannel = i / (columns * kernel)
            let column = (i / kernel) % columns
            return (inputChannel / inputsPerGroup) * columns + column
        }
    }
}
