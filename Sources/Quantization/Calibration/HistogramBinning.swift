import CKernels
import Runtime

/// The hot loop of histogram calibration: bin index ⌊(x + offset)·scale⌋ (of |x| for
/// magnitudes), clamped to the last bin, for every value of every observed tensor.
enum HistogramBinning {
    /// Values per thread below which binning stays on the calling thread: every other thread
    /// zeroes a private copy of the counts and adds it back. Measured on 2 cores: 4M values
    /// bin 1.4× faster on two threads, 1M about even, 128K slower.
    static let parallelThreshold = 1 << 19

    /// Adds the values' bins to `counts`. The values lie inside the histogram's interval (the
    /// caller widened it first); with `skipNonFinite`, NaN and ±inf are passed over.
    static func count(_ values: UnsafeBufferPointer<Float>, offset: Float, scale: Float, magnitude: Bool,
                      skipNonFinite: Bool, into counts: UnsafeMutableBufferPointer<Int64>, threads: Int) {
        func count(_ piece: Slice<UnsafeBufferPointer<Float>>, into target: UnsafeMutableBufferPointer<Int64>) {
            countSerially(UnsafeBufferPointer(rebasing: piece), offset: offset, scale: scale, magnitude: magnitude,
                          skipNonFinite: skipNonFinite, into: target)
        }
        let pieces = Swift.min(threads, values.count / parallelThreshold)
        guard pieces > 1 else { return count(values[...], into: counts) }
        let size = (values.count + pieces - 1) / pieces, bins = counts.count
        // Piece 0 counts straight into `counts`; the others into copies 1..<pieces.
        var copies = [Int64](repeating: 0, count: bins * pieces)
        copies.withUnsafeMutableBufferPointer { copies in
            parallelRanges(pieces, threads: pieces) { range in
                for piece in range {
                    let target = piece == 0 ? counts : UnsafeMutableBufferPointer(rebasing: copies[piece * bins..<(piece + 1) * bins])
                    count(values[piece * size..<Swift.min(values.count, (piece + 1) * size)], into: target)
                }
            }
            for piece in 1..<pieces {
                for j in 0..<bins { counts[j] += copies[piece * bins + j] }
            }
        }
    }

    /// One thread's binning, in C: the Swift loop checked every float-to-int conversion and
    /// every increment for overflow, and ran at about 2 GB/s.
    static func countSerially(_ values: UnsafeBufferPointer<Float>, offset: Float, scale: Float, magnitude: Bool,
                              skipNonFinite: Bool, into counts: UnsafeMutableBufferPointer<Int64>) {
        guard let base = values.baseAddress else { return }
        qt_histogram_f32(base, values.count, offset, scale, magnitude ? 1 : 0, skipNonFinite ? 1 : 0,
                         counts.baseAddress!, Int64(counts.count))
    }

    /// The scalar reference the tests hold the binning against: the same index, computed in
    /// double precision from the interval's edges.
    static func reference(_ values: [Float], lower: Double, width: Double, magnitude: Bool, bins: Int) -> [Int64] {
        var counts = [Int64](repeating: 0, count: bins)
        for x in values where x.isFinite {
            let v = magnitude ? Double(x.magnitude) : Double(x)
            let position = ((v - lower) / width).rounded(.down)
            counts[Int(Swift.min(Swift.max(position, 0), Double(bins - 1)))] += 1
        }
        return counts
    }
}
