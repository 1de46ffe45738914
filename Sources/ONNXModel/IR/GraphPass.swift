/// A transformation of a model. `run` returns whether it changed anything.
public protocol GraphPass {
    var name: String { get }
    func run(on model: Model) throws -> Bool
}

/// Runs passes in order. In debug builds the validator runs after every pass, and a pass that
/// leaves the graph with new problems stops the run with the pass named.
public struct PassManager {
    public var passes: [GraphPass]
    /// Called with each pass's name and whether it changed the model (for --verbose).
    public var log: ((String, Bool) -> Void)?

    public init(_ passes: [GraphPass], log: ((String, Bool) -> Void)? = nil) {
        self.passes = passes
        self.log = log
    }

    @discardableResult
    public func run(on model: Model) throws -> [String] {
        var changed: [String] = []
        #if DEBUG
        let before = Set(Validator.validate(model))
        #endif
        for pass in passes {
            let didChange = try pass.run(on: model)
            if didChange { changed.append(pass.name) }
            log?(pass.name, didChange)
            #if DEBUG
            let introduced = Validator.validate(model).filter { !before.contains($0) }
            if !introduced.isEmpty {
                throw ModelError.invalidGraph("pass \(pass.name) broke the graph: " + introduced.joined(separator: "; "))
            }
            #endif
        }
        return changed
    }
}
