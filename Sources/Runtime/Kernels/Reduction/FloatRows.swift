/// SIMD loops over contiguous Float rows: the hot inner loops of the reductions, softmax and
/// the normalizations. Sums run in Float lanes within blocks of 4096 and add the blocks in
/// Double, so a row of 200k elements keeps Float accuracy. Comparisons use `replace(with:where:)`,
/// which compiles to blends (`pointwiseMax` does not vectorize on this toolchain).
enum FloatRows {
    typealias Vector = SIMD8<Float>
    static let width = Vector.scalarCount
    private static let block = 4096

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    @inline(__always)
    private static func blockedSum(_ p: UnsafePointer<Float>, _ n: Int, _ vector: (Vector) -> Vector,
                                   _ scalar: (Float) -> Float) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = min(n, start + block)
            var a = Vector(), b = Vector()
            var i = start
            while i + 2 * width <= end {
                a += vector(load(p + i))
                b += vector(load(p + i + width))
                i += 2 * width
            }
            if i + width <= end { a += vector(load(p + i)); i += width }
            var tail: Float = 0
            while i < end { tail += scalar(p[i]); i += 1 }
            total += Double((a + b).sum() + tail)
            start = end
        }
        return total
    }

    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double { blockedSum(p, n, { $0 }, { $0 }) }

    static func sumOfSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        blockedSum(p, n, { $0 * $0 }, { $0 * $0 })
    }

    static func sumOfMagnitudes(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        blockedSum(p, n, { $0.replacing(with: -$0, where: $0 .< 0) }, { abs($0) })
    }

    static func sumOfSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, from mean: Float) -> Double {
        let m = Vector(repeating: mean)
        return blockedSum(p, n, { let d = $0 - m; return d * d }, { let d = $0 - mean; return d * d })
    }

    typealias Mask = SIMDMask<SIMD8<Int32>>

    /// The largest element of a non-empty row.
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float { extreme(p, n, { $0 .> $1 }, { $0 > $1 }) }

    /// The smallest element of a non-empty row.
    static func minimum(_ p: UnsafePointer<Float>, _ n: Int) -> Float { extreme(p, n, { $0 .< $1 }, { $0 < $1 }) }

    @inline(__always)
    private static func extreme(_ p: UnsafePointer<Float>, _ n: Int, _ beats: (Vector, Vector) -> Mask,
                                _ beatsScalar: (Float, Float) -> Bool) -> Float {
        var result = p[0]
        var i = 0
        if n >= width {
            var m = load(p)
            i = width
            while i + width <= n { let v = load(p + i); m.replace(with: v, where: beats(v, m)); i += width }
            result = m[0]
            for lane in 1..<width where beatsScalar(m[lane], result) { result = m[lane] }
        }
        while i < n { if beatsScalar(p[i], result) { result = p[i] }; i += 1 }
        return result
    }

    /// extremes[i] = max(extremes[i], row[i]) (or min): a column-wise extreme across rows.
    static func keepExtremes(_ extremes: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ n: Int,
                             largest: Bool) {
        if largest {
            keepExtremes(extremes, row, n, { $0 .> $1 }, { $0 > $1 })
        } else {
            keepExtremes(extremes, row, n, { $0 .< $1 }, { $0 < $1 })
        }
    }

    @inline(__always)
    private static func keepExtremes(_ extremes: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ n: Int,
                                     _ beats: (Vector, Vector) -> Mask, _ beatsScalar: (Float, Float) -> Bool) {
        var i = 0
        while i + width <= n {
            var m = load(extremes + i)
            let v = load(row + i)
            m.replace(with: v, where: beats(v, m))
            store(m, extremes + i)
            i += width
        }
        while i < n { if beatsScalar(row[i], extremes[i]) { extremes[i] = row[i] }; i += 1 }
    }

    /// y = exp(x - shift); returns the sum of y (in Double, blocks as in `sum`).
    static func exponentials(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                             shift: Float) -> Double {
        let s = Vector(repeating: shift)
        var total = 0.0
        var start = 0
        while start < n {
            let end = min(n, start + block)
            var acc = Vector()
            var i = start
            while i + width <= end {
                let e = exp(load(x + i) - s)
                store(e, y + i)
                acc += e
                i += width
            }
            var tail: Float = 0
            while i < end { let e = exp(x[i] - shift); y[i] = e; tail += e; i += 1 }
            total += Double(acc.sum() + tail)
            start = end
        }
        return total
    }

    /// y = x * scale + shift.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                       scale: Float, shift: Float) {
        let a = Vector(repeating: scale), b = Vector(repeating: shift)
        var i = 0
        while i + width <= n { store(load(x + i) * a + b, y + i); i += width }
        while i < n { y[i] = x[i] * scale + shift; i += 1 }
    }

    /// y = (x - mean) * invStd * gamma + beta, gamma and beta per element (absent: 1 and 0).
    static func normalize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, mean: Float,
                          invStd: Float, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?) {
        let m = Vector(repeating: mean), s = Vector(repeating: invStd)
        var i = 0
        if let beta {
            while i + width <= n { store((load(x + i) - m) * s * load(gamma + i) + load(beta + i), y + i); i += width }
            while i < n { y[i] = (x[i] - mean) * invStd * gamma[i] + beta[i]; i += 1 }
        } else {
            while i + width <= n { store((load(x + i) - m) * s * load(gamma + i), y + i); i += width }
            while i < n { y[i] = (x[i] - mean) * invStd * gamma[i]; i += 1 }
        }
    }

    /// e^x to within about 1.2e-7 relative (Cephes' expf: range reduction by ln 2, a degree-6
    /// polynomial, 2^n built in the exponent bits). Below -88 it returns 0, so -inf gives 0.
    @inline(__always) static func exp(_ v: Vector) -> Vector {
        var x = v
        x.replace(with: Vector(repeating: -88), where: x .< -88)
        x.replace(with: Vector(repeating: 88.3), where: x .> 88.3)
        // Adding 1.5 * 2^23 rounds x * log2(e) to an integer held in the low mantissa bits.
        let magic: Float = 12582912
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        x = x - n * 0.693359375 + n * 2.12194440e-4
        var y = Vector(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * x * x + x + 1
        let exponent = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return y * unsafeBitCast(exponent, to: Vector.self)
    }

    /// The scalar twin of `exp(_: Vector)`, so a row's tail matches its body.
    @inline(__always) static func exp(_ v: Float) -> Float {
        exp(Vector(repeating: v))[0]
    }
}
