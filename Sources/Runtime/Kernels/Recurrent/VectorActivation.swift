#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sigmoid and tanh over a buffer, a SIMD vector at a time through the Elementwise family's
/// VectorMath: in LSTM and GRU cells they cost more than the matrix products when called one
/// libm function per element. `RecurrentTests` checks them against libm.
enum VectorActivation {
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
        apply(x, count, vector: VectorMath.sigmoid, scalar: RecurrentActivation.sigmoid)
    }

    static func tanh(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
        apply(x, count, vector: VectorMath.tanh, scalar: tanhf)
    }

    @inline(__always)
    private static func apply(_ x: UnsafeMutablePointer<Float>, _ count: Int, vector: (FloatVector) -> FloatVector,
                              scalar: (Float) -> Float) {
        let raw = UnsafeMutableRawPointer(x)
        let lanes = FloatVector.scalarCount
        var i = 0
        while i + lanes <= count {
            let value = raw.loadUnaligned(fromByteOffset: i * 4, as: FloatVector.self)
            raw.storeBytes(of: vector(value), toByteOffset: i * 4, as: FloatVector.self)
            i += lanes
        }
        while i < count {
            x[i] = scalar(x[i])
            i += 1
        }
    }
}
