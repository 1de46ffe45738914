// The Elementwise family: its registry lines (one per op and since-version). Kernels branch
// on the opset where semantics changed: legacy `broadcast`/`axis` before 7, Clip's bounds
// as inputs from 11, Cast's type name as a string before 6.
extension KernelRegistry {
    static let elementwiseKernels: [Entry] = [
        Entry("Add", 1, AddKernel.self),
        Entry("Sub", 1, SubKernel.self),
        Entry("Mul", 1, MulKernel.self),
        Entry("Div", 1, DivKernel.self),
        Entry("Pow", 1, PowKernel.self),
        Entry("Mod", 10, ModKernel.self),
        Entry("BitShift", 11, BitShiftKernel.self),
        Entry("PRelu", 1, PReluKernel.self),

        Entry("Sqrt", 1, SqrtKernel.self),
        Entry("Exp", 1, ExpKernel.self),
        Entry("Log", 1, LogKernel.self),
        Entry("Abs", 1, AbsKernel.self),
        Entry("Neg", 1, NegKernel.self),
        Entry("Reciprocal", 1, ReciprocalKernel.self),
        Entry("Floor", 1, FloorKernel.self),
        Entry("Ceil", 1, CeilKernel.self),
        Entry("Round", 11, RoundKernel.self),
        Entry("Sign", 9, SignKernel.self),
        Entry("Erf", 9, ErfKernel.self),
        Entry("Tanh", 1, TanhKernel.self),
        Entry("Sin", 7, SinKernel.self),
        Entry("Cos", 7, CosKernel.self),
        Entry("IsNaN", 9, IsNaNKernel.self),
        Entry("IsInf", 10, IsInfKernel.self),

        Entry("Sigmoid", 1, SigmoidKernel.self),
        Entry("HardSigmoid", 1, HardSigmoidKernel.self),
        Entry("HardSwish", 14, HardSwishKernel.self),
        Entry("Relu", 1, ReluKernel.self),
        Entry("LeakyRelu", 1, LeakyReluKernel.self),
        Entry("Elu", 1, EluKernel.self),
        Entry("Selu", 1, SeluKernel.self),
        Entry("Softplus", 1, SoftplusKernel.self),
        Entry("Softsign", 1, SoftsignKernel.self),
        Entry("Gelu", 20, GeluKernel.self),
        Entry("Clip", 1, ClipKernel.self),

        Entry("Min", 1, MinKernel.self),
        Entry("Max", 1, MaxKernel.self),
        Entry("Sum", 1, SumKernel.self),
        Entry("Mean", 1, MeanKernel.self),

        Entry("Equal", 1, EqualKernel.self),
        Entry("Less", 1, LessKernel.self),
        Entry("LessOrEqual", 12, LessOrEqualKernel.self),
        Entry("Greater", 1, GreaterKernel.self),
        Entry("GreaterOrEqual", 12, GreaterOrEqualKernel.self),
        Entry("And", 1, AndKernel.self),
        Entry("Or", 1, OrKernel.self),
        Entry("Xor", 1, XorKernel.self),
        Entry("Not", 1, NotKernel.self),
        Entry("Where", 9, WhereKernel.self),

        Entry("Cast", 1, CastKernel.self),
        Entry("CastLike", 15, CastLikeKernel.self),
    ]
}
