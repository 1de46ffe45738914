#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock timing for --timings and benchmarks.
struct Stopwatch {
    private var start = Stopwatch.now()

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
    }

    /// Milliseconds since the last lap (or start), restarting the clock.
    mutating func lap() -> Double {
        let now = Stopwatch.now()
        defer { start = now }
        return now - start
    }
}
