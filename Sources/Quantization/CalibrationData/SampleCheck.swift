import ONNXModel

/// Checks the tensors of one sample against the graph inputs: element type, rank and fixed
/// sizes per tensor, and one size per symbolic dimension across the sample's inputs (a
/// `seq` of 128 in input_ids and 64 in attention_mask would fail inside the model, far from
/// the file that caused it). Used on headers before any sample runs and again on each load.
enum SampleCheck {
    struct Item {
        var input: GraphInputSpec
        var type: DataType
        var shape: [Int]
        var location: String
    }

    static func check(_ items: [Item]) throws {
        var symbolSizes: [String: (size: Int, item: Item)] = [:]
        for item in items {
            try checkTensor(item)
            for (axis, dim) in (item.input.dims ?? []).enumerated() {
                guard case .symbolic(let symbol) = dim else { continue }
                let size = item.shape[axis]
                if let seen = symbolSizes[symbol], seen.size != size {
                    let other = seen.item.location == item.location ? "another axis"
                        : "input '\(seen.item.input.name)' of the same sample (\(seen.item.location))"
                    throw CalibrationDataError.mismatch(path: item.location, input: item.input.name, reason:
                        "has \(symbol) = \(size) (shape \(item.shape)), but \(other) has \(symbol) = \(seen.size)")
                }
                symbolSizes[symbol] = symbolSizes[symbol] ?? (size, item)
            }
        }
    }

    private static func checkTensor(_ item: Item) throws {
        let input = item.input
        func mismatch(_ reason: String) -> CalibrationDataError {
            .mismatch(path: item.location, input: input.name, reason: reason)
        }
        guard item.type == input.elementType else {
            throw mismatch("takes \(input.elementType), the file holds \(item.type)")
        }
        guard let dims = input.dims else { return }
        guard dims.count == item.shape.count else {
            throw mismatch("has rank \(dims.count) \(input.shapeText), the file holds rank \(item.shape.count) \(item.shape)")
        }
        for (axis, dim) in dims.enumerated() {
            if case .fixed(let size) = dim, item.shape[axis] != size {
                throw mismatch("needs size \(size) on axis \(axis) \(input.shapeText), the file has \(item.shape[axis]) \(item.shape)")
            }
        }
    }
}
