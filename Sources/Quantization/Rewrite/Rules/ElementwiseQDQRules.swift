import ONNXModel
import Passes

extension QDQRules {
    /// Ops quantized on every input and output with parameters of their own.
    static let elementwise: [String: QDQRule] = {
        var table: [String: QDQRule] = [:]
        for op in ["Add", "Mul", "Sigmoid", "LeakyRelu", "HardSwish", "GlobalAveragePool", "Concat", "Softmax", "ArgMax",
                   "CumSum"] {
            table[op] = allInputsAndOutputs
        }
        return table
    }()
}
