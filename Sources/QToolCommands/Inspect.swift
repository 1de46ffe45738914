import ArgumentParser
import ONNXModel

/// `qtool inspect MODEL [--json]`: what a model is, at a glance.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's IR version, opsets, inputs and outputs, ops, parameters and problems.")

    @Argument(help: "The ONNX model to inspect.")
    var model: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let summary = ModelSummary(Model(try ModelFile.load(model)))
        print(json ? Self.json(summary).rendered() : Self.text(summary, path: model), terminator: json ? "\n" : "")
    }

    // MARK: JSON

    static func json(_ s: ModelSummary) -> JSON {
        func values(_ list: [ModelSummary.Value]) -> JSON {
            .array(list.map { value in
                .object([
                    ("name", .string(value.name)),
                    ("elem_type", value.elementType.map(JSON.string) ?? .null),
                    ("shape", value.shape.map { dims in .array(dims.map(dimension)) } ?? .null),
                ])
            })
        }
        func histogram(_ list: [(op: String, count: Int)]) -> JSON {
            .object(list.map { ($0.op, .int(Int64($0.count))) })
        }
        func parameters(_ p: ModelSummary.Parameters) -> JSON {
            .object([
                ("count", .int(Int64(p.count))),
                ("bytes_by_type", .object(p.bytesByType.map { ($0.type, .int(Int64($0.bytes))) })),
            ])
        }
        return .object([
            ("ir_version", s.irVersion.map(JSON.int) ?? .null),
            ("opsets", .array(s.opsets.map { .object([("domain", .string($0.domain)), ("version", .int($0.version))]) })),
            ("producer_name", s.producerName.map(JSON.string) ?? .null),
            ("producer_version", s.producerVersion.map(JSON.string) ?? .null),
            ("inputs", values(s.inputs)),
            ("outputs", values(s.outputs)),
            ("op_histogram", histogram(s.opHistogram)),
            ("op_histogram_all", histogram(s.opHistogramAll)),
            ("parameters", parameters(s.parameters)),
            ("constants", parameters(s.constants)),
            ("external_data_files", .array(s.externalDataFiles.map(JSON.string))),
            ("findings", .array(s.findings.map(JSON.string))),
        ])
    }

    static func dimension(_ dim: TensorShapeProto.Dimension.Value?) -> JSON {
        switch dim {
        case .value(let size): return .int(size)
        case .param(let name): return .string(name)
        case nil: return .null
        }
    }

    // MARK: Text

    static func text(_ s: ModelSummary, path: String) -> String {
        var out = "model: \(path)\n"
        let producer = [s.producerName, s.producerVersion].compactMap { $0 }.joined(separator: " ")
        out += "ir_version: \(s.irVersion.map(String.init) ?? "unset")"
        out += producer.isEmpty ? "\n" : "   producer: \(producer)\n"
        out += "opsets: " + s.opsets.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", ") + "\n"
        for (title, list) in [("inputs", s.inputs), ("outputs", s.outputs)] {
            out += "\(title):\n"
            for value in list {
                out += "  \(value.name)  \(value.elementType ?? "?") \(shapeText(value.shape))\n"
            }
        }
        let total = s.opHistogram.reduce(0) { $0 + $1.count }
        let totalAll = s.opHistogramAll.reduce(0) { $0 + $1.count }
        out += "ops: \(total) nodes" + (totalAll != total ? " (\(totalAll) with subgraphs)" : "") + "\n"
        for entry in s.opHistogramAll.sorted(by: { $0.count > $1.count || ($0.count == $1.count && $0.op < $1.op) }) {
            out += "  \(entry.op.padding(to: 28)) \(entry.count)\n"
        }
        out += "parameters: " + parametersText(s.parameters) + "\n"
        if s.constants.count > 0 { out += "constants (Constant nodes): " + parametersText(s.constants) + "\n" }
        out += "external data: " + (s.externalDataFiles.isEmpty ? "none" : s.externalDataFiles.joined(separator: ", ")) + "\n"
        out += s.findings.isEmpty ? "validator: no findings\n" : "validator: \(s.findings.count) findings\n"
        for finding in s.findings { out += "  \(finding)\n" }
        return out
    }

    static func shapeText(_ shape: [TensorShapeProto.Dimension.Value?]?) -> String {
        guard let shape else { return "(rank unknown)" }
        return "[" + shape.map { dim -> String in
            switch dim {
            case .value(let size): return String(size)
            case .param(let name): return name
            case nil: return "?"
            }
        }.joined(separator: ", ") + "]"
    }

    static func parametersText(_ p: ModelSummary.Parameters) -> String {
        "\(p.count) elements" + (p.bytesByType.isEmpty ? "" : " (" + p.bytesByType.map { "\($0.type) \(byteText($0.bytes))" }.joined(separator: ", ") + ")")
    }
}

/// "1.5 MB" style sizes.
func byteText(_ bytes: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) + " " + units[unit]
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
