import Foundation

/// The loops behind the Reduce* ops over a ReductionLayout. Floating types accumulate in
/// Double on the reference path; Float has SIMD fast paths for rows (the innermost axes) and
/// columns (a middle block of axes). Integers accumulate in their own type, wrapping like
/// onnxruntime. float16/bfloat16 are reduced as Float and rounded back once.
enum Reducer {
    static func reduce(_ data: Tensor, _ layout: ReductionLayout, _ operation: ReduceOperation, threads: Int,
                       fastPaths: Bool = true) throws -> Tensor {
        if NumericType.isHalf(data.type) {
            let wide = try reduce(HalfPrecision.widen(data), layout, operation, threads: threads, fastPaths: fastPaths)
            return HalfPrecision.narrow(wide, to: data.type)
        }
        let source = layout.permutation.map { ReductionTranspose.permute(data, $0) } ?? data
        let output = Tensor(uninitialized: data.type, shape: layout.outputShape)
        guard layout.outputCount > 0 else { return output }
        func floating<T: BinaryFloatingPoint>(_: T.Type) {
            reduceFloating(source.reductionBuffer(T.self), output.reductionBuffer(T.self), layout, operation, threads)
        }
        func integer<T: FixedWidthInteger>(_: T.Type, isBool: Bool = false) throws {
            try reduceIntegers(source.reductionBuffer(T.self), output.reductionBuffer(T.self), layout, operation,
                               threads, isBool: isBool)
        }
        switch data.type {
        case .float:
            if !fastPaths || !reduceFloatFast(source.reductionBuffer(Float.self), output.reductionBuffer(Float.self),
                                              layout, operation, threads) {
                floating(Float.self)
            }
        case .double: floating(Double.self)
        case .int64: try integer(Int64.self)
        case .int32: try integer(Int32.self)
        case .int16: try integer(Int16.self)
        case .int8: try integer(Int8.self)
        case .uint64: try integer(UInt64.self)
        case .uint32: try integer(UInt32.self)
        case .uint16: try integer(UInt16.self)
        case .uint8: try integer(UInt8.self)
        case .bool where operation.selects: try integer(UInt8.self, isBool: true)
        default:
            throw RuntimeError.unsupported("\(operation) reduction of \(data.type) tensors is not supported")
        }
        return output
    }

    /// How many outer slices each thread should at least take, for about 32k elements of work.
    private static func minimumSlices(_ layout: ReductionLayout) -> Int {
        max(1, (1 << 15) / max(1, layout.reduced * layout.inner))
    }

    // MARK: Floating reference path

    static func reduceFloating<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                       _ layout: ReductionLayout, _ operation: ReduceOperation,
                                                       _ threads: Int) {
        let count = layout.reduced, inner = layout.inner
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            var accumulators = [Double](repeating: 0, count: inner)
            var shifts = [Double](repeating: 0, count: inner)
            for o in slices {
                let base = x + o * count * inner
                if operation == .logSumExp {
                    // Subtracting the maximum keeps exp from overflowing; an infinite maximum
                    // already decides the result, so it is not subtracted.
                    for i in 0..<inner { shifts[i] = -.infinity }
                    for r in 0..<count {
                        for i in 0..<inner { shifts[i] = ReduceOperation.max.step(shifts[i], Double(base[r * inner + i])) }
                    }
                    for i in 0..<inner where !shifts[i].isFinite { shifts[i] = 0 }
                }
                for i in 0..<inner { accumulators[i] = operation.initial }
                for r in 0..<count {
                    let row = base + r * inner
                    for i in 0..<inner { accumulators[i] = operation.step(accumulators[i], Double(row[i]) - shifts[i]) }
                }
                for i in 0..<inner {
                    y[o * inner + i] = T(operation.finish(accumulators[i], count: count, shift: shifts[i]))
                }
            }
        }
    }

    // MARK: Float fast paths

    /// Returns false when the operation has no fast path for this layout.
    static func reduceFloatFast(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                _ layout: ReductionLayout, _ operation: ReduceOperation, _ threads: Int) -> Bool {
        guard layout.reduced > 0 else { return false }
        if layout.inner == 1 {
            guard let row = rowFunction(operation) else { return false }
            let count = layout.reduced
            parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { rows in
                for o in rows {
                    y[o] = Float(operation.finish(row(x + o * count, count), count: count, shift: 0))
                }
            }
            return true
        }
        switch operation {
        case .sum, .mean: sumColumns(x, y, layout, operation, threads)
        case .max, .min: selectColumns(x, y, layout, largest: operation == .max, threads)
        default: return false
        }
        return true
    }

    private static func rowFunction(_ operation: ReduceOperation) -> ((UnsafePointer<Float>, Int) -> Double)? {
        switch operation {
        case .sum, .mean, .logSum: return FloatRows.sum
        case .sumSquare, .l2: return FloatRows.sumOfSquares
        case .l1: return FloatRows.sumOfMagnitudes
        case .max: return { Double(FloatRows.maximum($0, $1)) }
        case .min: return { Double(FloatRows.minimum($0, $1)) }
        case .prod, .logSumExp: return nil
        }
    }

    /// Adds whole rows of `inner` elements into Double accumulators: the loop vectorizes and
    /// the reduced axis may be long.
    private static func sumColumns(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   _ layout: ReductionLayout, _ operation: ReduceOperation, _ threads: Int) {
        let count = layout.reduced, inner = layout.inner
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            let sums = UnsafeMutablePointer<Double>.allocate(capacity: inner)
            defer { sums.deallocate() }
            for o in slices {
                sums.initialize(repeating: 0, count: inner)
                for r in 0..<count {
                    let row = x + (o * count + r) * inner
                    for i in 0..<inner { sums[i] += Double(row[i]) }
                }
                let target = y + o * inner
                for i in 0..<inner { target[i] = Float(operation.finish(sums[i], count: count, shift: 0)) }
            }
        }
    }

    private static func selectColumns(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                      _ layout: ReductionLayout, largest: Bool, _ threads: Int) {
        let count = layout.reduced, inner = layout.inner
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            for o in slices {
                let target = y + o * inner
                target.update(from: x + o * count * inner, count: inner)
                for r in 1..<max(count, 1) {
                    FloatRows.keepExtremes(target, x + (o * count + r) * inner, inner, largest: largest)
                }
            }
        }
    }

    // MARK: Integers

    static func reduceIntegers<T: FixedWidthInteger>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                     _ layout: ReductionLayout, _ operation: ReduceOperation,
                                                     _ threads: Int, isBool: Bool) throws {
        guard operation != .logSumExp else {
            throw RuntimeError.unsupported("ReduceLogSumExp of integer tensors is not supported")
        }
        let initial: T
        switch operation {
        case .max: initial = T.min
        case .min: initial = isBool ? 1 : T.max
        case .prod: initial = 1
        default: initial = 0
        }
        let count = layout.reduced, inner = layout.inner
        parallelRanges(layout.outer, threads: threads, minimumPerThread: minimumSlices(layout)) { slices in
            for o in slices {
                let target = y + o * inner
                target.initialize(repeating: initial, count: inner)
                for r in 0..<count {
                    let row = x + (o * count + r) * inner
                    for i in 0..<inner { target[i] = integerStep(operation, target[i], row[i]) }
                }
                for i in 0..<inner { target[i] = integerFinish(operation, target[i], count: count) }
            }
        }
    }

    @inline(__always)
    private static func integerStep<T: FixedWidthInteger>(_ operation: ReduceOperation, _ accumulator: T, _ x: T) -> T {
        switch operation {
        case .sum, .mean, .logSum, .logSumExp: return accumulator &+ x
        case .max: return Swift.max(accumulator, x)
        case .min: return Swift.min(accumulator, x)
        case .prod: return accumulator &* x
        case .l1: return accumulator &+ (x < 0 ? 0 &- x : x)
        case .l2, .sumSquare: return accumulator &+ x &* x
        }
    }

    private static func integerFinish<T: FixedWidthInteger>(_ operation: ReduceOperation, _ accumulator: T,
                                                           count: Int) -> T {
        switch operation {
        case .mean:
            guard let divisor = T(exactly: count), divisor != 0 else { return 0 }
            return accumulator / divisor
        case .l2: return clampedInteger(Double(accumulator).squareRoot())
        case .logSum: return clampedInteger(log(Double(accumulator)))
        default: return accumulator
        }
    }

    /// A Double as the nearest value of an integer type (NaN as 0), never trapping.
    static func clampedInteger<T: FixedWidthInteger>(_ value: Double) -> T {
        if value.isNaN { return 0 }
        if value >= Double(T.max) { return T.max }
        if value <= Double(T.min) { return T.min }
        return T(value)
    }
}
