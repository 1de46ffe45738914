/// Numpy broadcasting over shapes whose dims may be symbolic or unknown.
public enum Broadcast {
    /// The broadcast shape, or nil when a rank is unknown. Two different symbols broadcast to
    /// the first (a model that runs has them equal or one of them 1), as onnxruntime's
    /// `--auto_merge` does; a concrete size other than 1 wins over a symbol.
    public static func shape(_ shapes: [[SymbolicDim?]?]) throws -> [SymbolicDim?]? {
        var ranked: [[SymbolicDim?]] = []
        for shape in shapes {
            guard let shape else { return nil }
            ranked.append(shape)
        }
        let rank = ranked.map(\.count).max() ?? 0
        var result = [SymbolicDim?](repeating: SymbolicDim(1), count: rank)
        for shape in ranked {
            let offset = rank - shape.count
            for (axis, dim) in shape.enumerated() {
                result[offset + axis] = try combine(result[offset + axis], dim)
            }
        }
        return result
    }

    static func combine(_ a: SymbolicDim?, _ b: SymbolicDim?) throws -> SymbolicDim? {
        if a?.value == 1 { return b }
        if b?.value == 1 { return a }
        guard let a, let b else {
            // One side unknown: a concrete size > 1 on the other side is the answer either way.
            if let known = a ?? b, known.value != nil { return known }
            return nil
        }
        if a == b { return a }
        switch (a.value, b.value) {
        case let (x?, y?): throw ShapeError("dims \(x) and \(y) do not broadcast")
        case (_?, nil): return a
        case (nil, _?): return b
        case (nil, nil): return a
        }
    }
}
