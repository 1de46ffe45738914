/// Strides, pads and dilations of a sliding window (Conv, ConvTranspose, pooling), read once
/// from the attributes; the output size of each spatial axis follows ONNX's formulas.
struct WindowGeometry {
    enum AutoPad: String { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }

    let kernelShape: [Int]?
    let strides: [Int]?
    let dilations: [Int]?
    let pads: [Int]?
    let autoPad: AutoPad
    let ceilMode: Bool
    /// Convolutions' channel groups (1 for pooling, which has no such attribute).
    let group: Int

    init(_ node: KernelNode) throws {
        kernelShape = node.ints("kernel_shape")
        strides = node.ints("strides")
        dilations = node.ints("dilations")
        pads = node.ints("pads")
        let text = node.string("auto_pad", default: "NOTSET")
        guard let mode = AutoPad(rawValue: text) else { throw node.failure("unknown auto_pad '\(text)'") }
        autoPad = mode
        ceilMode = node.int("ceil_mode", default: 0) != 0
        group = node.int("group", default: 1)
        guard group >= 1 else { throw node.failure("group must be at least 1") }
        for (name, values) in [("strides", strides), ("dilations", dilations)] where values?.contains(where: { $0 < 1 }) == true {
            throw node.failure("\(name) must be positive")
        }
        if pads?.contains(where: { $0 < 0 }) == true { throw node.failure("pads must not be negative") }
    }

    /// A window over concrete spatial sizes: everything resolved per axis.
    struct Resolved {
        var input: [Int], kernel: [Int], stride: [Int], dilation: [Int]
        var padBegin: [Int], padEnd: [Int], output: [Int]

        /// A 1-D window as a 2-D one of height 1, so it takes the 2-D fast paths.
        var planar: Resolved {
            guard input.count == 1 else { return self }
            return Resolved(input: [1] + input, kernel: [1] + kernel, stride: [1] + stride, dilation: [1] + dilation,
                            padBegin: [0] + padBegin, padEnd: [0] + padEnd, output: [1] + output)
        }
    }

    func resolve(input: [Int], kernel fromWeights: [Int]?, node: KernelNode) throws -> Resolved {
        let rank = input.count
        guard let kernel = kernelShape ?? fromWeights, kernel.count == rank else {
            throw node.failure("kernel_shape must have \(rank) values")
        }
        let stride = strides ?? Array(repeating: 1, count: rank)
        let dilation = dilations ?? Array(repeating: 1, count: rank)
        guard stride.count == rank, dilation.count == rank else { throw node.failure("strides and dilations need \(rank) values") }
        var padBegin = Array(pads?.prefix(rank) ?? ArraySlice(repeating: 0, count: rank))
        var padEnd = Array(pads?.suffix(rank) ?? ArraySlice(repeating: 0, count: rank))
        guard pads == nil || pads!.count == 2 * rank else { throw node.failure("pads must have \(2 * rank) values") }
        var output = [Int](repeating: 0, count: rank)
        for axis in 0..<rank {
            let span = (kernel[axis] - 1) * dilation[axis] + 1
            switch autoPad {
            case .sameUpper, .sameLower:
                output[axis] = (input[axis] + stride[axis] - 1) / stride[axis]
                let total = max(0, (output[axis] - 1) * stride[axis] + span - input[axis])
                padBegin[axis] = autoPad == .sameUpper ? total / 2 : total - total / 2
                padEnd[axis] = total - padBegin[axis]
            case .valid:
                padBegin[axis] = 0
                padEnd[axis] = 0
                output[axis] = (input[axis] - span) / stride[axis] + 1
            case .notSet:
                let extent = input[axis] + padBegin[axis] + padEnd[axis] - span
                if ceilMode {
                    var size = (extent + stride[axis] - 1) / stride[axis] + 1
                    // The last window must start inside the input or the leading padding.
                    if (size - 1) * stride[axis] >= input[axis] + padBegin[axis] { size -= 1 }
                    output[axis] = size
                } else {
                    output[axis] = extent >= 0 ? extent / stride[axis] + 1 : 0
                }
            }
            guard output[axis] > 0 else {
                throw node.failure("window of size \(span) does not fit input size \(input[axis]) along spatial axis \(axis)")
            }
        }
        return Resolved(input: input, kernel: kernel, stride: stride, dilation: dilation,
                        padBegin: padBegin, padEnd: padEnd, output: output)
    }
}
