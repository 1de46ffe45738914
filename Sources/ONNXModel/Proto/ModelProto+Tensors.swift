/// Visiting every TensorProto a model holds, wherever it sits: initializers, sparse
/// initializers, attribute tensors, nested subgraphs, training graphs and functions.
/// With `initializersOnly`, attribute tensors (Constant values and the like) are passed over
/// but subgraphs are still entered.
extension ModelProto {
    public mutating func forEachTensor(initializersOnly: Bool = false, _ body: (inout TensorProto) throws -> Void) rethrows {
        if graph != nil { try graph!.forEachTensor(initializersOnly: initializersOnly, body) }
        for i in trainingInfo.indices {
            if trainingInfo[i].initialization != nil {
                try trainingInfo[i].initialization!.forEachTensor(initializersOnly: initializersOnly, body)
            }
            if trainingInfo[i].algorithm != nil {
                try trainingInfo[i].algorithm!.forEachTensor(initializersOnly: initializersOnly, body)
            }
        }
        for f in functions.indices {
            for n in functions[f].node.indices { try functions[f].node[n].forEachTensor(initializersOnly: initializersOnly, body) }
            for a in functions[f].attributeProto.indices {
                try functions[f].attributeProto[a].forEachTensor(initializersOnly: initializersOnly, body)
            }
        }
    }

    /// The side files external tensors read from, each once, in order of first use.
    public func externalDataLocations() -> [String] {
        var locations: [String] = []
        for tensor in allTensors() where tensor.isExternal {
            if let location = tensor.externalData.first(where: { $0.key == "location" })?.value, !locations.contains(location) {
                locations.append(location)
            }
        }
        return locations
    }

    /// Every tensor, read-only.
    public func allTensors() -> [TensorProto] {
        var copy = self
        var tensors: [TensorProto] = []
        copy.forEachTensor { tensors.append($0) }
        return tensors
    }
}

extension GraphProto {
    public mutating func forEachTensor(initializersOnly: Bool = false, _ body: (inout TensorProto) throws -> Void) rethrows {
        for i in initializer.indices { try body(&initializer[i]) }
        for i in sparseInitializer.indices { try sparseInitializer[i].forEachTensor(body) }
        for i in node.indices { try node[i].forEachTensor(initializersOnly: initializersOnly, body) }
    }
}

extension NodeProto {
    public mutating func forEachTensor(initializersOnly: Bool = false, _ body: (inout TensorProto) throws -> Void) rethrows {
        for i in attribute.indices { try attribute[i].forEachTensor(initializersOnly: initializersOnly, body) }
    }
}

extension AttributeProto {
    public mutating func forEachTensor(initializersOnly: Bool = false, _ body: (inout TensorProto) throws -> Void) rethrows {
        if !initializersOnly {
            if t != nil { try body(&t!) }
            for i in tensors.indices { try body(&tensors[i]) }
            if sparseTensor != nil { try sparseTensor!.forEachTensor(body) }
            for i in sparseTensors.indices { try sparseTensors[i].forEachTensor(body) }
        }
        if g != nil { try g!.forEachTensor(initializersOnly: initializersOnly, body) }
        for i in graphs.indices { try graphs[i].forEachTensor(initializersOnly: initializersOnly, body) }
    }
}

extension SparseTensorProto {
    public mutating func forEachTensor(_ body: (inout TensorProto) throws -> Void) rethrows {
        if values != nil { try body(&values!) }
        if indices != nil { try body(&indices!) }
    }
}
