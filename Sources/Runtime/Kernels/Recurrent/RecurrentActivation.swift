#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The activation functions LSTM, GRU and RNN accept by name in their `activations` attribute,
/// with the alpha/beta parameters the spec lets `activation_alpha`/`activation_beta` set.
enum RecurrentActivation: Equatable {
    case relu, tanh, sigmoid, softsign, softplus
    case affine(alpha: Float, beta: Float)
    case leakyRelu(alpha: Float)
    case thresholdedRelu(alpha: Float)
    case scaledTanh(alpha: Float, beta: Float)
    case hardSigmoid(alpha: Float, beta: Float)
    case elu(alpha: Float)

    /// Parses activation names (case-insensitive). Parameters are taken from `alphas`/`betas`
    /// in order, one per function that has such a parameter; missing ones get the defaults of
    /// the ONNX operator of the same name.
    static func parse(_ names: [String], alphas: [Float], betas: [Float]) throws -> [RecurrentActivation] {
        var alphas = alphas[...], betas = betas[...]
        func alpha(_ fallback: Float) -> Float { alphas.popFirst() ?? fallback }
        func beta(_ fallback: Float) -> Float { betas.popFirst() ?? fallback }
        return try names.map { name in
            switch name.lowercased() {
            case "relu": return .relu
            case "tanh": return .tanh
            case "sigmoid": return .sigmoid
            case "softsign": return .softsign
            case "softplus": return .softplus
            case "affine": return .affine(alpha: alpha(1), beta: beta(0))
            case "leakyrelu": return .leakyRelu(alpha: alpha(0.01))
            case "thresholdedrelu": return .thresholdedRelu(alpha: alpha(1))
            case "scaledtanh": return .scaledTanh(alpha: alpha(1), beta: beta(1))
            case "hardsigmoid": return .hardSigmoid(alpha: alpha(0.2), beta: beta(0.5))
            case "elu": return .elu(alpha: alpha(1))
            default: throw RuntimeError.unsupported("activation function '\(name)' is not one of the spec's recurrent activations")
            }
        }
    }

    /// Applies the function in place to `count` values.
    func apply(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
        switch self {
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .tanh: VectorActivation.tanh(x, count)
        case .sigmoid: VectorActivation.sigmoid(x, count)
        case .softsign: for i in 0..<count { x[i] = x[i] / (1 + abs(x[i])) }
        case .softplus: for i in 0..<count { x[i] = max(x[i], 0) + log1pf(expf(-abs(x[i]))) }
        case .affine(let alpha, let beta): for i in 0..<count { x[i] = alpha * x[i] + beta }
        case .leakyRelu(let alpha): for i in 0..<count { x[i] = x[i] >= 0 ? x[i] : alpha * x[i] }
        case .thresholdedRelu(let alpha): for i in 0..<count { x[i] = x[i] > alpha ? x[i] : 0 }
        case .scaledTanh(let alpha, let beta): for i in 0..<count { x[i] = alpha * tanhf(beta * x[i]) }
        case .hardSigmoid(let alpha, let beta): for i in 0..<count { x[i] = min(max(alpha * x[i] + beta, 0), 1) }
        case .elu(let alpha): for i in 0..<count { x[i] = x[i] >= 0 ? x[i] : alpha * (expf(x[i]) - 1) }
        }
    }

    /// 1/(1+e^-x), written so that neither branch overflows.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
}
