import CKernels

/// Splits `0..<count` into at most `threads` contiguous ranges and runs them concurrently on
/// qtool's thread pool; work smaller than `minimumPerThread` items stays on the calling thread.
///
/// Handing work to another thread costs a few microseconds, so callers size `minimumPerThread`
/// to keep roughly `Parallel.minimumWork` elementary operations per thread (`items(costing:)`).
public func parallelRanges(_ count: Int, threads: Int, minimumPerThread: Int = 1,
                           _ body: (Range<Int>) -> Void) {
    let workers = min(threads, max(1, count / max(minimumPerThread, 1)))
    if workers <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunk = (count + workers - 1) / workers
    withoutActuallyEscaping(body) { body in
        var job = Job { worker in
            let start = worker * chunk
            let end = min(count, start + chunk)
            if start < end { body(start..<end) }
        }
        withUnsafeMutablePointer(to: &job) { pointer in
            qt_parallel_run(Int32(workers), Int32(workers), { context, task in
                context!.assumingMemoryBound(to: Job.self).pointee.run(Int(task))
            }, pointer)
        }
    }
}

/// The closure a pool task runs, behind a pointer the C pool can carry.
private struct Job {
    let run: (Int) -> Void
}

public enum Parallel {
    /// Elementary operations (multiply-adds, element copies) worth handing to another thread.
    public static let minimumWork = 32_768

    /// How many items, each costing `cost` operations, make a thread's worth of work.
    public static func items(costing cost: Int) -> Int { max(1, minimumWork / max(cost, 1)) }
}
