import XCTest
import CKernels
import _TestSupport
@testable import Runtime

/// The fast float kernels against their plain scalar twins on deterministic inputs.
final class LinearKernelTests: XCTestCase {
    /// Accumulation order differs between blocked and naive loops: float rounding only.
    static let relative: Float = 1e-4
    static let absolute: Float = 1e-4

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(0.1 + 2 * cos(Double($0 + seed) * 0.37)) }
    }

    func assertClose(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for i in a.indices where abs(a[i] - b[i]) > Self.absolute + Self.relative * abs(b[i]) {
            XCTFail("\(message): element \(i) is \(a[i]), reference \(b[i])", file: file, line: line)
            return
        }
    }

    func testGEMMMatchesReferenceOnEdgeShapes() {
        let shapes = [(1, 1, 1), (5, 7, 3), (6, 32, 8), (7, 33, 257), (13, 17, 300), (64, 100, 9), (130, 40, 512), (64, 3, 70), (40, 1, 33)]
        for (m, n, k) in shapes {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for accumulate in [false, true] {
                    for threads in [1, 2] {
                        let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
                        var fast = Self.values(m * n, seed: 3), slow = fast
                        GEMM.multiply(m: m, n: n, k: k, a: a, lda: transA ? m : k, transA: transA, b: b, ldb: transB ? k : n,
                                      transB: transB, c: &fast, ldc: n, accumulate: accumulate, threads: threads)
                        GEMM.reference(m: m, n: n, k: k, a: a, lda: transA ? m : k, transA: transA, b: b, ldb: transB ? k : n,
                                       transB: transB, c: &slow, ldc: n, accumulate: accumulate)
                        assertClose(fast, slow, "\(m)x\(n)x\(k) transA=\(transA) transB=\(transB) acc=\(accumulate) threads=\(threads)")
                    }
                }
            }
        }
    }

    /// A B packed once gives the very products of packing it per call, split over threads or not.
    func testPrepackedBGivesTheSameBits() {
        for (m, n, k) in [(5, 40, 3), (6, 32, 8), (128, 384, 384), (37, 1536, 300), (130, 70, 513), (200, 8, 20)] {
            let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
            let packed = PackedMatrix(k: k, n: n, b: b, ldb: n)
            for threads in [1, 2] {
                var plain = [Float](repeating: 0, count: m * n), fast = plain
                GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &plain, ldc: n, threads: threads)
                GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &fast, ldc: n, threads: threads, packedB: packed)
                XCTAssertEqual(fast.map(\.bitPattern), plain.map(\.bitPattern), "\(m)x\(n)x\(k) threads=\(threads)")
            }
        }
    }

    func testDepthwiseMatchesScalarConvolution() {
        for (size, kernel, stride, pad, dilation) in [(7, 3, 1, 1, 1), (9, 3, 2, 1, 1), (8, 5, 1, 2, 1), (10, 3, 1, 2, 2), (5, 3, 2, 0, 1)] {
            let input = Self.values(size * size, seed: 4), weight = Self.values(kernel * kernel, seed: 5)
            let out = (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
            var fast = [Float](repeating: 0, count: out * out)
            qt_depthwise_plane(input, Int32(size), Int32(size), weight, Int32(kernel), Int32(kernel), 0.5, &fast,
                               Int32(out), Int32(out), Int32(stride), Int32(stride), Int32(pad), Int32(pad),
                               Int32(dilation), Int32(dilation))
            var slow = [Float](repeating: 0.5, count: out * out)
            for oy in 0..<out {
                for ox in 0..<out {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let iy = oy * stride - pad + ky * dilation, ix = ox * stride - pad + kx * dilation
                            if iy >= 0 && iy < size && ix >= 0 && ix < size { slow[oy * out + ox] += weight[ky * kernel + kx] * input[iy * size + ix] }
                        }
                    }
                }
            }
            assertClose(fast, slow, "depthwise size \(size) kernel \(kernel) stride \(stride) pad \(pad) dilation \(dilation)")
        }
    }

    func testIntegerGEMMIsExact() {
        let m = 9, n = 37, k = 300
        let a = (0..<(m * k)).map { Int32($0 % 255) - 128 }, b = (0..<(k * n)).map { Int32(($0 * 7) % 255) }
        var fast = [Int32](repeating: 0, count: m * n)
        qt_igemm(Int32(m), Int32(n), Int32(k), a, Int32(k), b, Int32(n), &fast, Int32(n))
        for i in 0..<m {
            for j in 0..<n {
                let expected = (0..<k).reduce(Int32(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
                XCTAssertEqual(fast[i * n + j], expected)
            }
        }
    }
}
