import ONNXModel
import Passes
import Runtime

/// An integer tensor and the parameters that map it back to float: what a DequantizeLinear
/// computes, done here where the model has no DequantizeLinear for it (QOperator form) and
/// for weights, which never appear in a run.
public struct QuantizedForm: Sendable, Equatable {
    public var name: String
    public var scale: [Float]
    public var zeroPoint: [Int32]
    /// nil: one scale for the whole tensor.
    public var axis: Int?

    public init(name: String, scale: [Float], zeroPoint: [Int32], axis: Int?) {
        self.name = name
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.axis = axis
    }

    /// The parameters of a DequantizeLinear whose scale and zero point are constants.
    init?(dequantize node: Node, in graph: Graph) {
        guard node.inputs.count >= 2, let scale = graph.constantTensor(named: node.inputs[1]),
              let scales = try? scale.converted(to: .float).scalars(Float.self) else { return nil }
        var zeroPoints = Array(repeating: Int32(0), count: scales.count)
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let zeroPoint = graph.constantTensor(named: node.inputs[2]) else { return nil }
            zeroPoints = zeroPoint.integers().map { Int32(truncatingIfNeeded: $0) }
        }
        guard zeroPoints.count == scales.count, node.attribute("block_size")?.int ?? 0 == 0 else { return nil }
        let axis = scales.count > 1 ? Int(node.attribute("axis")?.int ?? 1) : nil
        self.init(name: node.inputs[0], scale: scales, zeroPoint: zeroPoints, axis: axis)
    }

    /// (q − zero point) · scale in float, per channel along `axis`, as DequantizeLinear does.
    func dequantize(_ tensor: Tensor) throws -> Tensor {
        let values = tensor.integers()
        guard values.count == tensor.count else {
            throw DebugError("'\(name)' is \(tensor.type), not an integer tensor to dequantize")
        }
        let layout = try channelLayout(of: tensor.shape)
        let result = Tensor(uninitialized: .float, shape: tensor.shape)
        let out = result.mutableElements(Float.self)
        for i in 0..<values.count {
            let channel = (i / layout.inner) % layout.channels
            out[i] = Float(Int32(truncatingIfNeeded: values[i]) - zeroPoint[channel]) * scale[channel]
        }
        return result
    }

    /// Channels along `axis` and the elements after it (one channel for a per-tensor scale).
    func channelLayout(of shape: [Int]) throws -> (channels: Int, inner: Int) {
        guard let axis, scale.count > 1 else { return (1, max(shape.reduce(1, *), 1)) }
        let resolved = axis < 0 ? axis + shape.count : axis
        guard shape.indices.contains(resolved), shape[resolved] == scale.count else {
            throw DebugError("'\(name)': \(scale.count) scales do not match axis \(axis) of shape \(shape)")
        }
        return (scale.count, shape[(resolved + 1)...].reduce(1, *))
    }
}
