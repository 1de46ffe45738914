import ProtoWire

/// onnx.ModelProto: the file's root message.
public struct ModelProto: WireMessage {
    public var irVersion: Int64?
    public var producerName: String?
    public var producerVersion: String?
    public var domain: String?
    public var modelVersion: Int64?
    public var docString: String?
    public var graph: GraphProto?
    public var opsetImport: [OperatorSetIdProto] = []
    public var metadataProps: [StringStringEntryProto] = []
    public var trainingInfo: [TrainingInfoProto] = []
    public var functions: [FunctionProto] = []
    public var configuration: [DeviceConfigurationProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "ir_version"
        case 2: return "producer_name"
        case 3: return "producer_version"
        case 4: return "domain"
        case 5: return "model_version"
        case 6: return "doc_string"
        case 7: return "graph"
        case 8: return "opset_import"
        case 14: return "metadata_props"
        case 20: return "training_info"
        case 25: return "functions"
        case 26: return "configuration"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&irVersion, tag)
        case 2: return try reader.read(&producerName, tag)
        case 3: return try reader.read(&producerVersion, tag)
        case 4: return try reader.read(&domain, tag)
        case 5: return try reader.read(&modelVersion, tag)
        case 6: return try reader.read(&docString, tag)
        case 7: return try reader.read(&graph, tag)
        case 8: return try reader.read(&opsetImport, tag)
        case 14: return try reader.read(&metadataProps, tag)
        case 20: return try reader.read(&trainingInfo, tag)
        case 25: return try reader.read(&functions, tag)
        case 26: return try reader.read(&configuration, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, irVersion)
        writer.write(2, producerName)
        writer.write(3, producerVersion)
        writer.write(4, domain)
        writer.write(5, modelVersion)
        writer.write(6, docString)
        writer.write(7, graph)
        writer.write(8, opsetImport)
        writer.write(14, metadataProps)
        writer.write(20, trainingInfo)
        writer.write(25, functions)
        writer.write(26, configuration)
        writer.write(unknownFields)
    }
}

/// onnx.OperatorSetIdProto: an opset import (an empty or absent domain is ai.onnx).
public struct OperatorSetIdProto: WireMessage {
    public var domain: String?
    public var version: Int64?
    public var unknownFields = UnknownFields()

    public init() {}
    public init(domain: String, version: Int64) {
        self.domain = domain
        self.version = version
    }

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "domain"
        case 2: return "version"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&domain, tag)
        case 2: return try reader.read(&version, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, domain)
        writer.write(2, version)
        writer.write(unknownFields)
    }
}

/// onnx.StringStringEntryProto: one key/value pair (metadata, external data, bindings).
public struct StringStringEntryProto: WireMessage {
    public var key: String?
    public var value: String?
    public var unknownFields = UnknownFields()

    public init() {}
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

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
        writer.write(2, value)
        writer.write(unknownFields)
    }
}

/// onnx.TrainingInfoProto: initialization and training-step graphs with their bindings.
public struct TrainingInfoProto: WireMessage {
    public var initialization: GraphProto?
    public var algorithm: GraphProto?
    public var initializationBinding: [StringStringEntryProto] = []
    public var updateBinding: [StringStringEntryProto] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "initialization"
        case 2: return "algorithm"
        case 3: return "initialization_binding"
        case 4: return "update_binding"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&initialization, tag)
        case 2: return try reader.read(&algorithm, tag)
        case 3: return try reader.read(&initializationBinding, tag)
        case 4: return try reader.read(&updateBinding, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, initialization)
        writer.write(2, algorithm)
        writer.write(3, initializationBinding)
        writer.write(4, updateBinding)
        writer.write(unknownFields)
    }
}

/// onnx.DeviceConfigurationProto: a named multi-device configuration.
public struct DeviceConfigurationProto: WireMessage {
    public var name: String?
    public var numDevices: Int32?
    public var device: [String] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public static func fieldName(_ number: Int) -> String? {
        switch number {
        case 1: return "name"
        case 2: return "num_devices"
        case 3: return "device"
        default: return nil
        }
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout WireReader) throws -> Bool {
        switch tag.fieldNumber {
        case 1: return try reader.read(&name, tag)
        case 2: return try reader.read(&numDevices, tag)
        case 3: return try reader.read(&device, tag)
        default: return false
        }
    }

    public func encode(to writer: inout WireWriter) {
        writer.write(1, name)
        writer.write(2, numDevices)
        writer.write(3, device)
        writer.write(unknownFields)
    }
}
