extension AttentionCore {
    /// mask_index turned into the additive [batch, S, T] mask onnxruntime's PrepareMask builds
    /// (nil when there is nothing to add): 0 where a key is attended, mask_filter_value where not.
    ///   [B] or [3B+2]  key end positions (keys at or after end[b] masked)
    ///   [2B]           end positions, then start positions (keys before start[b] masked)
    ///   [B, T]         0/1 per key;  [B, 1] or [1, 1] mean no mask
    ///   [B, S, T]      0/1 per query and key
    /// With unidirectional, keys after past + s are set to the lowest float instead, whatever
    /// their padding (onnxruntime 1.31: a row whose attended keys are all padded at −10000 then
    /// attends them, not its future).
    static func additiveMask(_ mask: Tensor?, shapes: AttentionShapes, attributes: AttentionAttributes,
                             node: KernelNode) throws -> [Float]? {
        let (batch, s, t) = (shapes.batch, shapes.sequence, shapes.total)
        let filter = attributes.maskFilterValue
        var additive: [Float]?
        if let mask {
            let values = mask.integers()
            switch mask.shape {
            case [batch], [2 * batch], [3 * batch + 2]:
                additive = keyRangeMask(values, startsGiven: mask.shape == [2 * batch], shapes: shapes, filter: filter)
            case [batch, t]:
                additive = (0..<(batch * s * t)).map { i in values[(i / (s * t)) * t + i % t] > 0 ? 0 : filter }
            case [batch, 1], [1, 1]:
                additive = nil
            case [batch, s, t]:
                additive = values.map { $0 > 0 ? 0 : filter }
            default:
                throw node.failure("mask_index has shape \(mask.shape); supported: [\(batch)], [\(2 * batch)], [\(batch), \(t)], [\(batch), 1], [\(batch), \(s), \(t)]")
            }
        }
        guard attributes.unidirectional && s > 1 else { return additive }
        var causal = additive ?? [Float](repeating: 0, count: batch * s * t)
        for b in 0..<batch {
            for i in 0..<(s - 1) {
                for j in (shapes.past + i + 1)..<t { causal[(b * s + i) * t + j] = -.greatestFiniteMagnitude }
            }
        }
        return causal
    }

    /// The 1-D forms: per batch entry, keys outside [start, end) get the filter value.
    private static func keyRangeMask(_ values: [Int64], startsGiven: Bool, shapes: AttentionShapes, filter: Float) -> [Float] {
        let (batch, s, t) = (shapes.batch, shapes.sequence, shapes.total)
        var additive = [Float](repeating: 0, count: batch * s * t)
        for b in 0..<batch {
            let end = Int(clamping: max(0, min(Int64(t), values[b])))
            let start = startsGiven ? Int(clamping: max(0, min(Int64(t), values[batch + b]))) : 0
            for i in 0..<s {
                for j in 0..<t where j >= end || j < start { additive[(b * s + i) * t + j] = filter }
            }
        }
        return additive
    }
}
