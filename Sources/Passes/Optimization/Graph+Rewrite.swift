import ONNXModel
import Runtime

/// Edits several passes make: taking a pass-through node out, and giving a node new constant
/// inputs.
extension Graph {
    /// Removes `node`, which passes `input` through unchanged as `output`, and points the readers
    /// of `output` at `input`. When the graph returns `output` (its name must stay), the node
    /// producing `input` is made to write `output` instead; when nothing here may be renamed
    /// (`input` is a graph input or output, an initializer or an outer value) the node stays and
    /// the result is false.
    func bypass(_ node: Node, from input: String, to output: String) -> Bool {
        guard isGraphOutput(output) else {
            remove(node)
            replaceUses(of: output, with: input)
            removeValueInfo(named: output)
            return true
        }
        guard producer(of: input) != nil, !isGraphOutput(input), !isGraphInput(input) else { return false }
        remove(node)
        if valueInfo.contains(where: { $0.name == output }) { removeValueInfo(named: input) }
        rename(input, to: output)
        return true
    }

    /// Makes `node` read `tensor` at input `slot` (appending empty inputs up to it). The
    /// initializer there is overwritten in place when this node alone reads it, so weights keep
    /// their names; otherwise the tensor is added under a fresh name from `base`.
    func setConstantInput(of node: Node, at slot: Int, to tensor: Tensor, names: NameAllocator, base: String) {
        if let current = node.input(slot), initializer(named: current) != nil, !isGraphInput(current),
           soleConsumer(of: current) === node, node.inputs.filter({ $0 == current }).count == 1 {
            setInitializer(tensor.toProto(name: current))
            return
        }
        let name = addConstant(tensor, names: names, base: base)
        var inputs = node.inputs
        while inputs.count <= slot { inputs.append("") }
        inputs[slot] = name
        setInputs(of: node, to: inputs)
    }

    /// Adds `tensor` as an initializer under a fresh name from `base` and returns the name.
    func addConstant(_ tensor: Tensor, names: NameAllocator, base: String) -> String {
        let name = names.fresh(base)
        setInitializer(tensor.toProto(name: name))
        return name
    }

    /// Removes `follower`, which reads `node`'s first output, and makes `node` write the
    /// follower's output instead: what a pass does once it has folded the follower's work
    /// into `node`.
    func absorb(_ follower: Node, into node: Node) {
        let intermediate = node.outputs[0]
        remove(follower)
        setOutput(of: node, at: 0, to: follower.outputs[0])
        removeValueInfo(named: intermediate)
    }
}
