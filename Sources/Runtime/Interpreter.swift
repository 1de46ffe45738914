import CKernels
import ONNXModel
#if canImport(Glibc)
import Glibc
#endif

/// Called with every tensor a run produces (graph inputs too), as soon as it exists, before
/// it may be freed. Calibration and `debug` observe runs through this, never by adding outputs.
public typealias TensorObserver = (_ name: String, _ tensor: Tensor) -> Void

public struct InterpreterOptions {
    /// Threads a kernel may use (intra-op parallelism).
    public var threads: Int
    /// Time every step and keep the totals per op (`Interpreter.profile`).
    public var profile: Bool

    public init(threads: Int? = nil, profile: Bool = false) {
        self.threads = max(1, threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        self.profile = profile
    }
}

/// Runs a model on the CPU: each graph compiled once into steps over numbered value slots;
/// a value is freed right after its last consumer has run.
public final class Interpreter {
    public let model: Model
    public let options: InterpreterOptions
    public let main: CompiledGraph

    public init(model: Model, options: InterpreterOptions = InterpreterOptions()) throws {
        Interpreter.keepFreedMemoryInProcess
        self.model = model
        self.options = options
        main = try GraphCompiler(opsets: model.opsets, threads: options.threads).compile(model.graph, outer: OuterScope())
    }

    /// Activations are freed and allocated again on every run. glibc hands blocks of more than
    /// 128 KB back to the kernel on free, so each run would fault in fresh pages for every large
    /// tensor; keeping them in the heap lets the next run reuse them warm.
    private static let keepFreedMemoryInProcess: Void = qt_keep_freed_memory()

    public var inputNames: [String] { main.inputNames }
    public var outputNames: [String] { main.outputNames }

    /// Runs the main graph. Every graph input without an initializer must be fed.
    public func run(_ feeds: [String: Tensor], observer: TensorObserver? = nil) throws -> [String: Tensor] {
        for name in feeds.keys where !main.inputNames.contains(name) {
            throw RuntimeError.badInput("'\(name)' is not an input of the model (inputs: \(main.inputNames.joined(separator: ", ")))")
        }
        var inputs: [Tensor?] = []
        for (name, info) in zip(main.inputNames, main.inputInfos) {
            if let tensor = feeds[name] {
                try InputCheck.check(tensor, against: info, name: name)
                inputs.append(tensor)
            } else if main.constantSlots[name] != nil {
                inputs.append(nil)
            } else {
                throw RuntimeError.badInput("input '\(name)' was not given")
            }
        }
        self.observer = observer
        defer { self.observer = nil }
        let outputs = try execute(main, inputs: inputs, parent: nil)
        return Dictionary(zip(main.outputNames, outputs), uniquingKeysWith: { first, _ in first })
    }

    private var observer: TensorObserver?

    /// Milliseconds spent per op type and how many nodes ran, over all runs so far (when
    /// `options.profile` is set).
    public private(set) var profile: [String: (milliseconds: Double, calls: Int)] = [:]

    /// Runs one compiled graph; `parent` resolves the names it captures from enclosing scopes.
    func execute(_ graph: CompiledGraph, inputs: [Tensor?], parent: Scope?) throws -> [Tensor] {
        let scope = Scope(graph: graph, parent: parent)
        for (slot, tensor) in graph.constants { scope.values[slot] = tensor }
        if let observer {
            for slot in graph.producedConstants { observer(graph.slotNames[slot], scope.values[slot]!) }
        }
        for (i, slot) in graph.inputSlots.enumerated() where i < inputs.count {
            if let tensor = inputs[i] {
                scope.values[slot] = tensor
                observer?(graph.slotNames[slot], tensor)
            }
        }
        for (name, slot) in graph.captures {
            guard let tensor = parent?.lookup(name) else {
                throw RuntimeError.invalidModel("subgraph reads '\(name)', which no enclosing graph has computed")
            }
            scope.values[slot] = tensor
        }
        let context = ExecutionContext(threads: options.threads, scope: scope, interpreter: self)
        for step in graph.steps {
            try run(step, in: scope, context: context)
        }
        return try graph.outputSlots.enumerated().map { i, slot in
            guard let tensor = scope.values[slot] else {
                throw RuntimeError.invalidModel("graph output '\(graph.outputNames[i])' was not computed")
            }
            return tensor
        }
    }

    private func run(_ step: Step, in scope: Scope, context: ExecutionContext) throws {
        let fused = observer == nil
        if fused && step.fusedAway {
            for slot in step.release { scope.values[slot] = nil }
            return
        }
        let inputs = step.inputs.map { slot in slot.flatMap { scope.values[$0] } }
        for (i, slot) in step.inputs.enumerated() where slot != nil && inputs[i] == nil {
            throw RuntimeError.node(name: step.node.label, op: step.node.opType,
                                    message: "input '\(step.node.inputs[i])' has no value")
        }
        let outputs: [Tensor?]
        let start = options.profile ? monotonicMilliseconds() : 0
        do {
            if fused, let fusion = step.fusion {
                outputs = try fusion.kernel.run(inputs, context, clamp: fusion.clamp)
            } else {
                outputs = try step.kernel.run(inputs, context)
            }
            if options.profile {
                let entry = profile[step.node.opType] ?? (0, 0)
                profile[step.node.opType] = (entry.milliseconds + monotonicMilliseconds() - start, entry.calls + 1)
            }
        } catch let error as RuntimeError {
            if case .node = error { throw error }
            throw RuntimeError.node(name: step.node.label, op: step.node.opType, message: error.description)
        }
        let targets = fused && step.fusion != nil ? [step.fusion?.output] : step.outputs
        for (i, slot) in targets.enumerated() {
            guard let slot, i < outputs.count, let tensor = outputs[i] else { continue }
            scope.values[slot] = tensor
            observer?(scope.graph.slotNames[slot], tensor)
        }
        for slot in step.release { scope.values[slot] = nil }
    }
}

/// The values of one running graph, and the way to the enclosing graph's values.
final class Scope {
    let graph: CompiledGraph
    var values: [Tensor?]
    let parent: Scope?

    init(graph: CompiledGraph, parent: Scope?) {
        self.graph = graph
        self.parent = parent
        values = Array(repeating: nil, count: graph.slotNames.count)
    }

    func lookup(_ name: String) -> Tensor? {
        if let slot = graph.slotOf[name], let value = values[slot] { return value }
        return parent?.lookup(name)
    }
}

/// Checks a fed tensor against the graph input's declared type and shape.
enum InputCheck {
    static func check(_ tensor: Tensor, against info: ValueInfoProto?, name: String) throws {
        guard let type = info?.type?.tensorType else { return }
        if let elem = type.elemType, let declared = DataType(rawValue: elem), declared != tensor.type {
            throw RuntimeError.badInput("input '\(name)' is \(tensor.type), the model expects \(declared)")
        }
        guard let dims = type.shape?.dim else { return }
        guard dims.count == tensor.rank else {
            throw RuntimeError.badInput("input '\(name)' has shape \(tensor.shape), the model expects rank \(dims.count)")
        }
        for (axis, dim) in dims.enumerated() {
            // A negative dim_value is how some exporters write "dynamic".
            if case .value(let size) = dim.value, size >= 0, size != Int64(tensor.shape[axis]) {
                throw RuntimeError.badInput("input '\(name)' has shape \(tensor.shape), the model expects \(size) along axis \(axis)")
            }
        }
    }
}

/// Milliseconds on a monotonic clock (profiling, benchmarks, --timings).
public func monotonicMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) * 1e3 + Double(time.tv_nsec) / 1e6
}
