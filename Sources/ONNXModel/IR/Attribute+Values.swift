import ProtoWire

/// Attributes built from plain values, for passes that rewrite nodes.
extension Attribute {
    public static func int(_ name: String, _ value: Int64) -> Attribute {
        make(name, .int) { $0.i = value }
    }

    public static func float(_ name: String, _ value: Float) -> Attribute {
        make(name, .float) { $0.f = value }
    }

    public static func string(_ name: String, _ value: String) -> Attribute {
        make(name, .string) { $0.s = Bytes(Array(value.utf8)) }
    }

    private static func make(_ name: String, _ type: AttributeProto.AttributeType,
                             _ setValue: (inout AttributeProto) -> Void) -> Attribute {
        var proto = AttributeProto()
        proto.name = name
        proto.type = type.rawValue
        setValue(&proto)
        return Attribute(proto)
    }
}

extension Node {
    /// Sets an attribute, replacing the one of the same name where it stood.
    public func setAttribute(_ attribute: Attribute) {
        if let i = attributes.firstIndex(where: { $0.name == attribute.name }) {
            attributes[i] = attribute
        } else {
            attributes.append(attribute)
        }
    }

    public func removeAttribute(named name: String) {
        attributes.removeAll { $0.name == name }
    }
}
