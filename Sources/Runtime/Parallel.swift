import Dispatch

/// Splits `0..<count` into at most `threads` contiguous ranges and runs them concurrently;
/// work smaller than `minimumPerThread` items stays on the calling thread.
public func parallelRanges(_ count: Int, threads: Int, minimumPerThread: Int = 1,
                           _ body: (Range<Int>) -> Void) {
    let workers = min(threads, max(1, count / max(minimumPerThread, 1)))
    if workers <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunk = (count + workers - 1) / workers
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = worker * chunk
            let end = min(count, start + chunk)
            if start < end { body(start..<end) }
        }
    }
}
