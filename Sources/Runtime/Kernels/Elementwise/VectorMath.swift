/// exp on sixteen floats at once, so Exp, Sigmoid and friends run as SIMD. Cephes' expf:
/// n = round(x / ln 2), r = x - n ln 2 in two parts (Cody-Waite), a degree-6 polynomial for
/// e^r, then scaling by 2^n in two halves so subnormal and near-overflow results come out
/// right. Within 2 ulp of expf over the whole float range.
enum VectorMath {
    @inline(__always) static func exp(_ x: FloatVector) -> FloatVector {
        let raised = x.replacing(with: -104, where: x .< -104)
        let clamped = raised.replacing(with: 88.8, where: raised .> 88.8)
        // Adding 1.5 * 2^23 rounds to an integer and leaves it in the low mantissa bits.
        let shifter = FloatVector(repeating: 12_582_912)
        let shifted = clamped * FloatVector(repeating: 1.442_695_04) + shifter
        let n = shifted - shifter
        var r = clamped - n * FloatVector(repeating: 0.693_359_375)
        r = r - n * FloatVector(repeating: -2.121_944_4e-4)
        var p = FloatVector(repeating: 1.987_569_15e-4)
        p = p * r + FloatVector(repeating: 1.398_199_95e-3)
        p = p * r + FloatVector(repeating: 8.333_451_9e-3)
        p = p * r + FloatVector(repeating: 4.166_579_59e-2)
        p = p * r + FloatVector(repeating: 1.666_666_55e-1)
        p = p * r + FloatVector(repeating: 5.000_000_12e-1)
        let er = p * (r * r) + r + FloatVector(repeating: 1)
        let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let half = exponent &>> 1
        let result = er * powerOfTwo(half) * powerOfTwo(exponent &- half)
        return result.replacing(with: x, where: x .!= x)
    }

    /// 2^k for integer k in the normal exponent range.
    @inline(__always) private static func powerOfTwo(_ k: SIMD16<Int32>) -> FloatVector {
        unsafeBitCast((k &+ 127) &<< 23, to: FloatVector.self)
    }

    /// 1 / (1 + e^-x).
    @inline(__always) static func sigmoid(_ x: FloatVector) -> FloatVector {
        FloatVector(repeating: 1) / (FloatVector(repeating: 1) + exp(-x))
    }

    /// Cephes' tanhf: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) above, the
    /// sign restored from x.
    @inline(__always) static func tanh(_ x: FloatVector) -> FloatVector {
        let signMask = SIMD16<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let magnitude = unsafeBitCast(bits & ~signMask, to: FloatVector.self)
        let one = FloatVector(repeating: 1)
        let large = one - 2 / (exp(magnitude + magnitude) + one)
        let signedLarge = unsafeBitCast(unsafeBitCast(large, to: SIMD16<UInt32>.self) | (bits & signMask), to: FloatVector.self)
        let z = x * x
        var p = FloatVector(repeating: -5.704_988_727_45e-3)
        p = p * z + FloatVector(repeating: 2.063_908_879_54e-2)
        p = p * z - FloatVector(repeating: 5.373_971_555_31e-2)
        p = p * z + FloatVector(repeating: 1.333_144_220_36e-1)
        p = p * z - FloatVector(repeating: 3.333_328_194_22e-1)
        let small = p * z * x + x
        return signedLarge.replacing(with: small, where: magnitude .< 0.625)
    }
}
