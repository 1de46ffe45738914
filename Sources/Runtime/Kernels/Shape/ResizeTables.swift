extension ShapeOps {
    /// Resize's interpolation settings (attribute spellings as raw values).
    struct ResizeOptions {
        enum Mode: String { case nearest, linear, cubic }
        enum Coordinates: String {
            case halfPixel = "half_pixel", halfPixelSymmetric = "half_pixel_symmetric"
            case pytorchHalfPixel = "pytorch_half_pixel", alignCorners = "align_corners", asymmetric
            case tfHalfPixelForNN = "tf_half_pixel_for_nn", tfCropAndResize = "tf_crop_and_resize"
        }
        enum Nearest: String {
            case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil
            /// Upsample and Resize-10 (as onnxruntime): floor when enlarging, ceil when shrinking.
            case legacy
        }

        var mode = Mode.nearest
        var coordinates = Coordinates.halfPixel
        var nearest = Nearest.roundPreferFloor
        var cubicA = -0.75
        var excludeOutside = false
        var antialias = false
        var extrapolation = 0.0
    }

    /// One axis of a resize: sizes, scale (output/input as given or derived) and the roi
    /// (crop window in normalized input coordinates, for tf_crop_and_resize).
    struct ResizeAxis: Equatable {
        var input: Int
        var output: Int
        var scale: Double
        var roiStart = 0.0
        var roiEnd = 1.0

        /// The input coordinate an output coordinate samples, as the reference computes it
        /// (the float output length scale * input, not the rounded one, where it appears).
        func sourceCoordinate(_ x: Int, _ mode: ResizeOptions.Coordinates) -> Double {
            let x = Double(x), length = scale * Double(input), last = Double(input - 1)
            switch mode {
            case .halfPixel: return (x + 0.5) / scale - 0.5
            case .halfPixelSymmetric:
                let offset = Double(input) / 2 * (1 - Double(output) / length)
                return offset + (x + 0.5) / scale - 0.5
            case .pytorchHalfPixel: return length == 1 ? -0.5 : (x + 0.5) / scale - 0.5
            case .alignCorners: return length == 1 ? 0 : x * last / (length - 1)
            case .asymmetric: return x / scale
            case .tfHalfPixelForNN: return (x + 0.5) / scale
            case .tfCropAndResize:
                let span = (roiEnd - roiStart) * last
                return (length == 1 ? span / 2 : x * span / (length - 1)) + roiStart * last
            }
        }

        /// Whether tf_crop_and_resize samples outside the input (extrapolation_value there).
        func isOutside(_ coordinate: Double, _ mode: ResizeOptions.Coordinates) -> Bool {
            mode == .tfCropAndResize && (coordinate < 0 || coordinate > Double(input - 1))
        }

        /// For each output coordinate, the input coordinate nearest mode copies (-1: outside).
        func nearestMap(_ options: ResizeOptions) -> [Int] {
            (0..<output).map { x in
                let c = sourceCoordinate(x, options.coordinates)
                if isOutside(c, options.coordinates) { return -1 }
                let base = c.rounded(.up) - 1, ratio = c - base
                let upper: Bool
                switch options.nearest {
                case .roundPreferFloor: upper = ratio > 0.5
                case .roundPreferCeil: upper = ratio >= 0.5
                case .floor: upper = ratio == 1
                case .ceil: upper = true
                case .legacy: upper = scale < 1 || ratio == 1
                }
                return Self.clamp(base + (upper ? 1 : 0), input)
            }
        }

        /// The interpolation taps of every output coordinate (linear or cubic).
        func taps(_ options: ResizeOptions) -> AxisTaps {
            let kernel = TapKernel(options, scale: scale)
            var taps = AxisTaps(width: kernel.width, input: input, output: output)
            for x in 0..<output {
                let c = sourceCoordinate(x, options.coordinates)
                if isOutside(c, options.coordinates) {
                    taps.outside[x] = true
                    continue
                }
                // The neighbours lie left of the coordinate, so ratio is in (0, 1].
                let base = c.rounded(.up) - 1
                let weights = kernel.weights(ratio: c - base)
                let first = Int(base) + kernel.start
                var total = 0.0
                for t in 0..<kernel.width {
                    let raw = first + t
                    let inside = raw >= 0 && raw < input
                    taps.index[x * kernel.width + t] = Self.clamp(Double(raw), input)
                    taps.weight[x * kernel.width + t] = options.excludeOutside && !inside ? 0 : weights[t]
                    total += taps.weight[x * kernel.width + t]
                }
                if options.excludeOutside && total != 0 {
                    for t in 0..<kernel.width { taps.weight[x * kernel.width + t] /= total }
                }
            }
            return taps
        }

        private static func clamp(_ value: Double, _ count: Int) -> Int { Int(min(max(value, 0), Double(count - 1))) }
    }

    /// Per output coordinate of one axis: `width` input indices (clamped, as the reference's
    /// edge padding) and weights, or `outside` for the extrapolation value.
    struct AxisTaps {
        let width: Int
        let inputLength: Int
        var index: [Int]
        var weight: [Double]
        var outside: [Bool]

        init(width: Int, input: Int, output: Int) {
            self.width = width
            inputLength = input
            index = [Int](repeating: 0, count: width * output)
            weight = [Double](repeating: 0, count: width * output)
            outside = [Bool](repeating: false, count: output)
        }

        /// True when every output copies the same input coordinate with weight 1.
        var isIdentity: Bool {
            outside.count == inputLength && outside.indices.allSatisfy { x in
                !outside[x] && (0..<width).allSatisfy { t in
                    let w = weight[x * width + t]
                    return w == 0 || (w == 1 && index[x * width + t] == x)
                }
            }
        }
    }

    /// Linear and cubic weights as functions of the distance ratio, with antialiasing
    /// (a kernel stretched by 1/scale) when shrinking.
    private struct TapKernel {
        let cubic: Bool
        let a: Double
        let scale: Double
        let antialias: Bool
        let start: Int
        let width: Int

        init(_ options: ResizeOptions, scale: Double) {
            cubic = options.mode == .cubic
            a = options.cubicA
            antialias = options.antialias && scale < 1
            self.scale = antialias ? scale : 1
            let support = cubic ? 2.0 : 1.0
            start = antialias ? Int((-support / self.scale).rounded(.down)) + 1 : (cubic ? -1 : 0)
            width = 2 - 2 * start
        }

        func weights(ratio: Double) -> [Double] {
            if !cubic && !antialias { return [1 - ratio, ratio] }
            if cubic && !antialias {
                return [cubicWeight(ratio + 1), cubicWeight(ratio), cubicWeight(1 - ratio), cubicWeight(2 - ratio)]
            }
            let raw = (0..<width).map { t -> Double in
                let distance = scale * (Double(start + t) - ratio)
                return cubic ? cubicWeight(distance) : max(0, 1 - abs(distance))
            }
            let total = raw.reduce(0, +)
            return total == 0 ? raw : raw.map { $0 / total }
        }

        /// Keys' cubic convolution kernel with coefficient a.
        private func cubicWeight(_ distance: Double) -> Double {
            let x = abs(distance)
            if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return 0
        }
    }
}
