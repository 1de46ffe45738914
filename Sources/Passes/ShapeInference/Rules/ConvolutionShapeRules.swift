import ONNXModel

extension ShapeRules {
    static let convolution: [String: ShapeRule] = [
        "Conv": { context in
            context.set(0, type: context.type(0), shape: try convolutionShape(context, data: 0, weight: 1))
        },
        "ConvTranspose": { context in
            context.set(0, type: context.type(0), shape: try convTransposeShape(context))
        },
    ]

    /// Conv's output [N, M, spatial...] from X [N, C, spatial...] and W [M, C/group, kernel...]
    /// at the given input positions (QLinearConv and ConvInteger place them differently).
    static func convolutionShape(_ context: ShapeContext, data: Int, weight: Int) throws -> [SymbolicDim?]? {
        let x = context.shape(data), w = context.shape(weight)
        guard let rank = try convolutionRank(x, w) else { return nil }
        let group = try convolutionGroup(context)
        try requireMatchingDims(context.dim(data, 1), context.dim(weight, 1).map { $0 * group },
                                "X's channels and W's channels times group")
        let window = try SlidingWindow(context, spatialRank: rank - 2, weightKernel: w.map { Array($0.dropFirst(2)) })
        return [context.dim(data, 0), context.dim(weight, 0)] + (try window.outputSizes(context, data: data))
    }

    /// ConvTranspose's output [N, group·W[1], spatial...]: output_shape when given, else each
    /// axis from the window (SlidingWindow.transposedOutputSize).
    private static func convTransposeShape(_ context: ShapeContext) throws -> [SymbolicDim?]? {
        let x = context.shape(0), w = context.shape(1)
        guard let rank = try convolutionRank(x, w) else { return nil }
        try requireMatchingDims(context.dim(0, 1), context.dim(1, 0), "X's channels and W's first dim")
        let spatialRank = rank - 2
        let group = try convolutionGroup(context)
        let head = [context.dim(0, 0), context.dim(1, 1).map { $0 * group }]
        if let requested = context.ints("output_shape") {
            // Like the kernel, the last spatialRank values count (output_shape may include N and C).
            guard requested.count >= spatialRank else { throw ShapeError("output_shape needs \(spatialRank) values") }
            return head + requested.suffix(spatialRank).map { SymbolicDim($0) }
        }
        let window = try SlidingWindow(context, spatialRank: spatialRank, weightKernel: w.map { Array($0.dropFirst(2)) })
        let outputPadding = try window.perAxis(context, "output_padding", default: 0)
        let spatial = (0..<spatialRank).map { axis in
            context.dim(0, axis + 2).flatMap { window.transposedOutputSize($0, axis: axis, outputPadding: outputPadding[axis]) }
        }
        return head + spatial
    }

    private static func convolutionGroup(_ context: ShapeContext) throws -> SymbolicDim {
        let group = context.int("group", default: 1)
        guard (1...SlidingWindow.attributeLimit).contains(group) else { throw ShapeError("group \(group) is out of range") }
        return SymbolicDim(group)
    }

    /// The common rank of X and W (either may be unknown), at least 3.
    private static func convolutionRank(_ x: [SymbolicDim?]?, _ w: [SymbolicDim?]?) throws -> Int? {
        if let x, let w, x.count != w.count { throw ShapeError("X of rank \(x.count) and W of rank \(w.count) differ in rank") }
        guard let rank = x?.count ?? w?.count else { return nil }
        guard rank >= 3 else { throw ShapeError("convolution inputs need rank 3 or more, not \(rank)") }
        return rank
    }
}

/// A sliding window's kernel, strides, dilations and padding over the spatial axes (Conv,
/// ConvTranspose, pooling), read with the spec's defaults, and the output sizes it gives.
/// Sizes are written as ⌊n/s⌋ of a numerator (ceilings as ⌊(n + s − 1)/s⌋) so that a SAME
/// and an explicitly padded window giving the same size also give the same symbol.
struct SlidingWindow {
    enum AutoPad: String { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }

    /// Per spatial axis; nil where the kernel size is not a known constant.
    let kernel: [Int?]
    let strides: [Int], dilations: [Int], padsBegin: [Int], padsEnd: [Int]
    let autoPad: AutoPad
    let ceilMode: Bool
    /// Whether pads are given: ConvTranspose derives them from a SAME output size only when not.
    let hasPads: Bool

    /// Window attributes beyond this are refused, so that size arithmetic cannot overflow.
    static let attributeLimit = Int(Int32.max)

    /// `weightKernel` is W's spatial dims; the kernel_shape attribute wins when present.
    init(_ context: ShapeContext, spatialRank: Int, weightKernel: [SymbolicDim?]?) throws {
        if context.has(attribute: "kernel_shape") {
            kernel = try Self.perAxis(context, "kernel_shape", count: spatialRank, default: 1)
        } else if let weightKernel {
            kernel = weightKernel.map { $0?.value }
        } else {
            kernel = Array(repeating: nil, count: spatialRank)
        }
        guard kernel.allSatisfy({ (1...Self.attributeLimit).contains($0 ?? 1) }) else {
            throw ShapeError("kernel sizes \(kernel) are out of range")
        }
        let text = context.string("auto_pad", default: "NOTSET")
        guard let mode = AutoPad(rawValue: text) else { throw ShapeError("unknown auto_pad '\(text)'") }
        autoPad = mode
        ceilMode = context.int("ceil_mode", default: 0) != 0
        strides = try Self.perAxis(context, "strides", count: spatialRank, default: 1)
        dilations = try Self.perAxis(context, "dilations", count: spatialRank, default: 1)
        guard (strides + dilations).allSatisfy({ $0 >= 1 }) else { throw ShapeError("strides and dilations must be positive") }
        hasPads = context.has(attribute: "pads")
        let pads = try Self.perAxis(context, "pads", count: 2 * spatialRank, default: 0)
        guard pads.allSatisfy({ $0 >= 0 }) else { throw ShapeError("pads must not be negative") }
        padsBegin = Array(pads.prefix(spatialRank))
        padsEnd = Array(pads.suffix(spatialRank))
    }

    /// An ints attribute with one value per spatial axis (or `count` values), or the default.
    func perAxis(_ context: ShapeContext, _ name: String, default value: Int) throws -> [Int] {
        try Self.perAxis(context, name, count: kernel.count, default: value)
    }

    private static func perAxis(_ context: ShapeContext, _ name: String, count: Int, default value: Int) throws -> [Int] {
        guard let values = context.ints(name) else { return Array(repeating: value, count: count) }
        guard values.count == count else { throw ShapeError("\(name) needs \(count) values, not \(values.count)") }
        guard values.allSatisfy({ (-attributeLimit...attributeLimit).contains($0) }) else { throw ShapeError("\(name) \(values) is out of range") }
        return values
    }

    /// The window's extent along an axis: (kernel − 1)·dilation + 1.
    private func span(_ axis: Int) -> Int? { kernel[axis].map { ($0 - 1) * dilations[axis] + 1 } }

    /// Output sizes of a forward window (Conv, pooling) over input `data`'s spatial dims
    /// [N, C, spatial...]; nil where a dim or the kernel is unknown.
    func outputSizes(_ context: ShapeContext, data: Int) throws -> [SymbolicDim?] {
        try kernel.indices.map { axis in
            guard let input = context.dim(data, axis + 2), let size = outputSize(input, axis: axis) else { return nil }
            if let value = size.value, value < 1 {
                throw ShapeError("the window does not fit input size \(input) along spatial axis \(axis)")
            }
            return size
        }
    }

    private var isSame: Bool { autoPad == .sameUpper || autoPad == .sameLower }

    /// The padding before and after an axis; VALID means none whatever pads says.
    private func pads(_ axis: Int) -> (begin: Int, end: Int) {
        autoPad == .valid ? (0, 0) : (padsBegin[axis], padsEnd[axis])
    }

    /// SAME pads to ⌈in/s⌉ (ceil_mode changes nothing there, as in onnxruntime); otherwise
    /// windows fit the padded input, counting a partial last one under ceil_mode (VALID too).
    private func outputSize(_ input: SymbolicDim, axis: Int) -> SymbolicDim? {
        let stride = strides[axis]
        if isSame { return (input + SymbolicDim(stride - 1)).floorDivided(by: stride) }
        guard let span = span(axis) else { return nil }
        let (begin, end) = pads(axis)
        let extent = input + SymbolicDim(begin + end - span)
        guard ceilMode else { return (extent + SymbolicDim(stride)).floorDivided(by: stride) }
        return ceilModeSize(input, extent: extent, span: span, axis: axis)
    }

    /// ⌈extent/s⌉ + 1, less one when the last window would start in the trailing padding (as
    /// onnxruntime does; onnx's own inference does not). For a symbolic input the correction
    /// is only ruled out when padsEnd + stride ≤ span; otherwise the size is left unknown.
    private func ceilModeSize(_ input: SymbolicDim, extent: SymbolicDim, span: Int, axis: Int) -> SymbolicDim? {
        let stride = strides[axis]
        let (begin, end) = pads(axis)
        let size = (extent + SymbolicDim(2 * stride - 1)).floorDivided(by: stride)
        guard let concrete = size.value, let inputSize = input.value else {
            return end + stride <= span ? size : nil
        }
        let startsInPadding = (concrete - 1) * stride >= inputSize + begin
        return SymbolicDim(startsInPadding ? concrete - 1 : concrete)
    }

    /// ConvTranspose's output size along an axis: stride·(in − 1) + output_padding + span − pads.
    func transposedOutputSize(_ input: SymbolicDim, axis: Int, outputPadding: Int) -> SymbolicDim? {
        guard let span = span(axis) else { return nil }
        let stride = strides[axis]
        let full = SymbolicDim(stride) * (input - 1) + SymbolicDim(outputPadding + span)
        if isSame, !hasPads {
            // SAME pads toward in·stride, but pads are never negative (onnxruntime clamps the
            // total at 0), and full − in·stride = output_padding + span − stride.
            return outputPadding + span >= stride ? input * SymbolicDim(stride) : full
        }
        let (begin, end) = pads(axis)
        return full - SymbolicDim(begin + end)
    }
}
