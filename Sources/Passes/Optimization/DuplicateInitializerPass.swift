import ONNXModel
import Runtime

/// Merges initializers of one graph that hold the same data type, dims and values (compared
/// as decoded bytes, so raw_data and float_data spellings of one tensor match): readers of a
/// copy read the first one instead. Initializers that are graph inputs or outputs stay.
public struct DuplicateInitializerPass: GraphPass {
    public let name = "duplicate-initializers"
    public var report: PassReport?

    public init(report: PassReport? = nil) { self.report = report }

    public func run(on model: Model) throws -> Bool {
        GraphTraversal.apply(to: model, order: .enclosingFirst) { graph in
            var merged: Set<String> = []
            for (duplicate, original) in Self.duplicates(in: graph) {
                graph.replaceUses(of: duplicate, with: original)
                graph.removeValueInfo(named: duplicate)
                merged.insert(duplicate)
                report?.note("merged initializer \(duplicate) into \(original), which holds the same values", in: graph)
            }
            graph.removeInitializers(named: merged)
            return !merged.isEmpty
        }
    }

    /// Each initializer equal to an earlier one, paired with the earliest. Tensors are bucketed
    /// by a hash of type, dims and bytes, so only tensors in one bucket are compared in full.
    private static func duplicates(in graph: Graph) -> [(duplicate: String, original: String)] {
        var buckets: [Int: [(name: String, tensor: Tensor)]] = [:]
        var pairs: [(duplicate: String, original: String)] = []
        for proto in graph.initializers {
            guard let name = proto.name, !graph.isGraphInput(name), !graph.isGraphOutput(name),
                  let tensor = try? Tensor(proto: proto) else { continue }
            let key = hash(tensor)
            // Hashing reads every weight once: let a mapped model's pages go again behind it.
            proto.rawData?.dropResidentPages()
            if let original = buckets[key]?.first(where: { sameContents($0.tensor, tensor) }) {
                pairs.append((name, original.name))
            } else {
                buckets[key, default: []].append((name, tensor))
            }
        }
        return pairs
    }

    private static func bytes(_ tensor: Tensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: tensor.storage.raw, count: tensor.byteCount)
    }

    private static func hash(_ tensor: Tensor) -> Int {
        var hasher = Hasher()
        hasher.combine(tensor.type)
        hasher.combine(tensor.shape)
        hasher.combine(bytes: bytes(tensor))
        return hasher.finalize()
    }

    private static func sameContents(_ a: Tensor, _ b: Tensor) -> Bool {
        a.type == b.type && a.shape == b.shape && bytes(a).elementsEqual(bytes(b))
    }
}
