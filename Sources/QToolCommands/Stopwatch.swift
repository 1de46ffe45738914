import Runtime

/// Monotonic wall-clock timing for --timings and benchmarks.
struct Stopwatch {
    private var start = monotonicMilliseconds()

    /// Milliseconds since the last lap (or start), restarting the clock.
    mutating func lap() -> Double {
        let now = monotonicMilliseconds()
        defer { start = now }
        return now - start
    }
}
