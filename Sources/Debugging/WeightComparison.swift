import ONNXModel
import Runtime

/// One float initializer against its dequantized form: over the whole tensor and per channel.
public struct WeightResult: Sendable {
    public let name: String
    public let statistics: ErrorStatistics
    /// The axis channels are counted along: the quantization axis, else 0.
    public let axis: Int?
    public let perChannel: Bool
    public let worstChannel: Int?
    public let worstChannelStatistics: ErrorStatistics?

    init(_ weight: WeightPair) throws {
        let float = try Tensor(proto: weight.float)
        guard let x = ActivationComparison.asFloat(float) else {
            throw DebugError("weight '\(weight.name)' is \(float.type), not a float tensor")
        }
        let y = try weight.quantized.dequantize(try Tensor(proto: weight.quantizedValue))
        guard x.count == y.count else {
            throw DebugError("weight '\(weight.name)' has shape \(x.shape), its quantized form '\(weight.quantized.name)' \(y.shape)")
        }
        name = weight.name
        perChannel = weight.quantized.axis != nil && weight.quantized.scale.count > 1
        let axis = perChannel ? weight.quantized.axis! : (x.rank >= 2 ? 0 : nil)
        self.axis = axis
        let channels = Self.perChannel(x, y, axis: axis)
        var total = ErrorStatistics()
        for channel in channels { total.merge(channel) }
        statistics = total
        let worst = channels.indices.min { channels[$0].sqnrDB < channels[$1].sqnrDB }
        worstChannel = channels.count > 1 ? worst : nil
        worstChannelStatistics = channels.count > 1 ? worst.map { channels[$0] } : nil
    }

    /// Statistics per slice along `axis` (a single one without an axis).
    private static func perChannel(_ x: Tensor, _ y: Tensor, axis: Int?) -> [ErrorStatistics] {
        let a = x.elements(Float.self), b = y.elements(Float.self)
        guard let axis else {
            var all = ErrorStatistics()
            all.add(a, b)
            return [all]
        }
        let resolved = axis < 0 ? axis + x.rank : axis
        let channels = x.shape[resolved], inner = x.shape[(resolved + 1)...].reduce(1, *)
        var result = Array(repeating: ErrorStatistics(), count: channels)
        guard channels > 0, inner > 0 else { return result }
        for start in stride(from: 0, to: x.count, by: inner) {
            let range = start..<(start + inner)
            result[(start / inner) % channels].add(UnsafeBufferPointer(rebasing: a[range]), UnsafeBufferPointer(rebasing: b[range]))
        }
        return result
    }
}
