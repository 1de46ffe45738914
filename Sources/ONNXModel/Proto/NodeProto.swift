import ProtoWire

/// onnx.NodeProto: one operator application.
public struct NodeProto: WireMessage {
    public var input: [String] = []
    public var output: [String] = []
    public var name: String?
    public var opType: String?
    public var attribute: [AttributeProto] = []
    public var docString: String?
    public var domain: String?
    public var overload: String?
    public var metadataProps: [StringStringEntryProto] = []
    public var deviceConfigurations: [NodeDeviceConfigurationProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "input"
        case 2: return "output"
        case 3: return "name"
        case 4: return "op_type"
        case 5: return "attribute"
        case 6: return "doc_string"
        case 7: return "domain"
        case 8: return "overload"
        case 9: return "metadata_props"
        case 10: return "device_configurations"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&input, tag)
        case 2: return try reader.read(&output, tag)
        case 3: return try reader.read(&name, tag)
        case 4: return try reader.read(&opType, tag)
        case 5: return try reader.read(&attribute, tag)
        case 6: return try reader.read(&docString, tag)
        case 7: return try reader.read(&domain, tag)
        case 8: return try reader.read(&overload, tag)
        case 9: return try reader.read(&metadataProps, tag)
        case 10: return try reader.read(&deviceConfigurations, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, input)
        writer.write(2, output)
        writer.write(3, name)
        writer.write(4, opType)
        writer.write(5, attribute)
        writer.write(6, docString)
        writer.write(7, domain)
        writer.write(8, overload)
        writer.write(9, metadataProps)
        writer.write(10, deviceConfigurations)
        writer.write(unknownFields)
    }
}

/// onnx.NodeDeviceConfigurationProto: how a node is sharded across devices.
public struct NodeDeviceConfigurationProto: WireMessage {
    public var configurationId: String?
    public var shardingSpec: [ShardingSpecProto] = []
    public var pipelineStage: Int32?
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "configuration_id"
        case 2: return "sharding_spec"
        case 3: return "pipeline_stage"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&configurationId, tag)
        case 2: return try reader.read(&shardingSpec, tag)
        case 3: return try reader.read(&pipelineStage, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, configurationId)
        writer.write(2, shardingSpec)
        writer.write(3, pipelineStage)
        writer.write(unknownFields)
    }
}

/// onnx.ShardingSpecProto
public struct ShardingSpecProto: WireMessage {
    public var tensorName: String?
    public var device: [Int64] = []
    public var indexToDeviceGroupMap: [IntIntListEntryProto] = []
    public var shardedDim: [ShardedDimProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "tensor_name"
        case 2: return "device"
        case 3: return "index_to_device_group_map"
        case 4: return "sharded_dim"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&tensorName, tag)
        case 2: return try reader.read(&device, tag)
        case 3: return try reader.read(&indexToDeviceGroupMap, tag)
        case 4: return try reader.read(&shardedDim, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, tensorName)
        writer.write(2, device, packed: false)
        writer.write(3, indexToDeviceGroupMap)
        writer.write(4, shardedDim)
        writer.write(unknownFields)
    }
}

/// onnx.IntIntListEntryProto
public struct IntIntListEntryProto: WireMessage {
    public var key: Int64?
    public var value: [Int64] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "key"
        case 2: return "value"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&key, tag)
        case 2: return try reader.read(&value, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, key)
        writer.write(2, value, packed: false)
        writer.write(unknownFields)
    }
}

/// onnx.ShardedDimProto
public struct ShardedDimProto: WireMessage {
    public var axis: Int64?
    public var simpleSharding: [SimpleShardedDimProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "axis"
        case 2: return "simple_sharding"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&axis, tag)
        case 2: return try reader.read(&simpleSharding, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, axis)
        writer.write(2, simpleSharding)
        writer.write(unknownFields)
    }
}

/// onnx.SimpleShardedDimProto (dim is a oneof of a value and a parameter name).
public struct SimpleShardedDimProto: WireMessage {
    public var dim: Dimension.Value?
    public var numShards: Int64?
    public var unknownFields = UnknownFields()

    public typealias Dimension = TensorShapeProto.Dimension

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "dim_value"
        case 2: return "dim_param"
        case 3: return "num_shards"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1, 2: return try Dimension.Value.read(&dim, tag, from: &reader)
        case 3: return try reader.read(&numShards, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        dim?.encode(to: &writer)
        writer.write(3, numShards)
        writer.write(unknownFields)
    }
}
