import ONNXModel

/// Resize (opsets 10, 11, 13, 18, 19) and Upsample (7: scales attribute, 9: scales input).
/// Upsample and Resize-10 use asymmetric coordinates and onnxruntime's legacy nearest
/// rounding. Nearest works on every element type (a gather through per-axis index maps);
/// linear and cubic interpolate float and double tensors.
struct ResizeKernel: OpKernel {
    enum AspectPolicy: String { case stretch, notLarger = "not_larger", notSmaller = "not_smaller" }

    let options: ShapeOps.ResizeOptions
    /// Where scales, sizes and roi come from: Upsample-7 attribute, or input positions.
    let attributeScales: [Float]?
    let inputPositions: (roi: Int?, scales: Int?, sizes: Int?)
    let axes: [Int]?
    let policy: AspectPolicy

    init(_ node: KernelNode) throws {
        var options = ShapeOps.ResizeOptions()
        let modeName = node.string("mode", default: "nearest")
        guard let mode = ShapeOps.ResizeOptions.Mode(rawValue: modeName == "bilinear" ? "linear" : modeName) else {
            throw node.failure("mode '\(modeName)' is not nearest, linear or cubic")
        }
        options.mode = mode
        let legacy = node.opType == "Upsample" || node.opset < 11
        if legacy {
            options.coordinates = .asymmetric
            options.nearest = .legacy
            attributeScales = node.opType == "Upsample" && node.opset < 9 ? node.floats("scales") : nil
            if attributeScales == nil && node.opType == "Upsample" && node.opset < 9 { throw node.failure("missing attribute 'scales'") }
            inputPositions = (nil, attributeScales == nil ? 1 : nil, nil)
        } else {
            options.coordinates = try Self.parse(node, "coordinate_transformation_mode", default: .halfPixel)
            options.nearest = try Self.parse(node, "nearest_mode", default: .roundPreferFloor)
            options.cubicA = Double(node.float("cubic_coeff_a", default: -0.75))
            options.excludeOutside = node.int("exclude_outside", default: 0) != 0
            options.extrapolation = Double(node.float("extrapolation_value", default: 0))
            options.antialias = node.int("antialias", default: 0) != 0
            attributeScales = nil
            inputPositions = (1, 2, 3)
        }
        self.options = options
        axes = node.opset >= 18 ? node.ints("axes") : nil
        policy = node.opset >= 18 ? try Self.parse(node, "keep_aspect_ratio_policy", default: .stretch) : .stretch
    }

    private static func parse<Value: RawRepresentable>(_ node: KernelNode, _ name: String, default value: Value) throws -> Value
        where Value.RawValue == String {
        let text = node.string(name, default: value.rawValue)
        guard let parsed = Value(rawValue: text) else { throw node.failure("\(name) '\(text)' is not supported") }
        return parsed
    }

    func run(_ inputs: [Tensor?], _ context: ExecutionContext) throws -> [Tensor?] {
        let input = try ShapeOps.input(inputs, 0, "X")
        func given(_ position: Int?) -> Tensor? {
            position.flatMap { ShapeOps.optionalInput(inputs, $0) }.flatMap { $0.count > 0 ? $0 : nil }
        }
        let scales = try attributeScales.map { $0.map(Double.init) } ?? given(inputPositions.scales).map(ShapeOps.ElementValues.doubles)
        let sizes = try given(inputPositions.sizes).map { try ShapeOps.integers($0, "sizes") }
        let roi = options.coordinates == .tfCropAndResize ? try given(inputPositions.roi).map(ShapeOps.ElementValues.doubles) : nil
        let geometry = try Self.geometry(input.shape, scales: scales, sizes: sizes, roi: roi, axes: axes, policy: policy)
        _ = try ShapeOps.checkedCount(geometry.map(\.output), "output shape")
        return [try resize(input, geometry, threads: context.threads)]
    }

    func resize(_ input: Tensor, _ geometry: [ShapeOps.ResizeAxis], threads: Int) throws -> Tensor {
        if options.mode == .nearest {
            let maps = geometry.map { $0.nearestMap(options) }
            let fill = try ShapeOps.ElementValues.bytes(of: options.extrapolation, as: input.type)
            return try ShapeOps.MappedGather(input: input, maps: maps, fill: fill, threads: threads)
                .run(elementSize: Tensor.elementSize(input.type))
        }
        let taps = geometry.map { $0.taps(options) }
        switch input.type {
        case .float: return ShapeOps.Interpolation<Float>(taps: taps, extrapolation: options.extrapolation, threads: threads).run(input)
        case .double: return ShapeOps.Interpolation<Double>(taps: taps, extrapolation: options.extrapolation, threads: threads).run(input)
        default: throw RuntimeError.unsupported("\(options.mode.rawValue) resizing of \(input.type) tensors is not supported (float and double are)")
        }
    }

    /// Output size, scale and roi of every axis. Scales give floor(scale * input); sizes give
    /// the scale, or with a keep-aspect policy one common scale and rounded sizes.
    static func geometry(_ shape: [Int], scales: [Double]?, sizes: [Int]?, roi: [Double]?, axes given: [Int]?,
                         policy: AspectPolicy) throws -> [ShapeOps.ResizeAxis] {
        let axes = try given.map { try ShapeOps.distinctAxes($0, rank: shape.count, "axes") } ?? Array(shape.indices)
        var result = shape.map { ShapeOps.ResizeAxis(input: $0, output: $0, scale: 1) }
        if let roi {
            guard roi.count == 2 * axes.count else { throw RuntimeError.invalidModel("roi has \(roi.count) values for \(axes.count) axes") }
            for (i, axis) in axes.enumerated() { (result[axis].roiStart, result[axis].roiEnd) = (roi[i], roi[axes.count + i]) }
        }
        if let sizes {
            guard sizes.count == axes.count, sizes.allSatisfy({ $0 >= 0 }) else {
                throw RuntimeError.invalidModel("sizes \(sizes) must be \(axes.count) non-negative values")
            }
            guard sizes.allSatisfy({ $0 <= ShapeOps.largestDimension }) else { throw RuntimeError.invalidModel("sizes \(sizes) are too large") }
            let ratios = axes.enumerated().map { i, axis in shape[axis] > 0 ? Double(sizes[i]) / Double(shape[axis]) : 1 }
            let common = policy == .notLarger ? ratios.min() : ratios.max()
            for (i, axis) in axes.enumerated() {
                if policy == .stretch {
                    (result[axis].output, result[axis].scale) = (sizes[i], ratios[i])
                } else if let common {
                    let length = common * Double(shape[axis]) + 0.5
                    guard length <= Double(ShapeOps.largestDimension) else { throw RuntimeError.invalidModel("sizes \(sizes) are too large") }
                    (result[axis].output, result[axis].scale) = (Int(length), common)
                }
            }
        } else if let scales {
            guard scales.count == axes.count, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw RuntimeError.invalidModel("scales \(scales) must be \(axes.count) positive values")
            }
            for (i, axis) in axes.enumerated() {
                let length = scales[i] * Double(shape[axis])
                guard length <= Double(ShapeOps.largestDimension) else { throw RuntimeError.invalidModel("scale \(scales[i]) is too large") }
                (result[axis].output, result[axis].scale) = (Int(length), scales[i])
            }
        } else {
            throw RuntimeError.invalidModel("one of scales and sizes is required")
        }
        return result
    }
}
