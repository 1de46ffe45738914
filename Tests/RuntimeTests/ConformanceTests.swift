import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// Runs the ONNX backend node tests generated from the pinned onnx package (`make test`
/// generates them into Fixtures/node-tests). Every test whose ops are all registered must
/// pass at onnx's own tolerances, unless Fixtures/conformance-exclusions.txt names it with a
/// reason. QTOOL_CONFORMANCE_FILTER=substring narrows the run while developing a kernel.
final class ConformanceTests: XCTestCase {
    static let rtol = Tolerance.onnxBackendRelative
    static let atol = Tolerance.onnxBackendAbsolute

    func testBackendNodeTests() throws {
        let root = ProcessInfo.processInfo.environment["QTOOL_NODE_TESTS"] ?? TestPaths.repoRoot + "/Fixtures/node-tests/node"
        guard FileManager.default.fileExists(atPath: root) else {
            throw XCTSkip("no node tests at \(root): run `make node-tests` first")
        }
        let filter = ProcessInfo.processInfo.environment["QTOOL_CONFORMANCE_FILTER"]
        let exclusions = try Self.exclusions()
        var passed = 0, failed: [String] = [], excluded = 0, unsupported = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            if let filter, !name.contains(filter) { continue }
            let directory = root + "/" + name
            switch Self.runNodeTest(directory) {
            case .unsupported: unsupported += 1
            case .passed:
                if exclusions[name] != nil { failed.append("\(name): passes but is listed in conformance-exclusions.txt") } else { passed += 1 }
            case .failed(let reason):
                if exclusions[name] != nil { excluded += 1 } else { failed.append("\(name): \(reason)") }
            }
        }
        for failure in failed { print("FAIL \(failure)") }
        print("conformance: \(passed) passed, \(failed.count) failed")
        print("conformance: \(excluded) excluded with a reason, \(unsupported) use an op qtool does not implement")
        XCTAssertTrue(failed.isEmpty, "\(failed.count) node tests failed")
        if filter == nil { XCTAssertGreaterThan(passed, 0) }
    }

    enum Outcome { case passed, failed(String), unsupported }

    static func runNodeTest(_ directory: String) -> Outcome {
        do {
            let model = Model(try ModelFile.load(directory + "/model.onnx"))
            // Sequences, maps and optionals are not values the interpreter has.
            for value in model.graph.inputs + model.graph.outputs where value.type?.tensorType == nil {
                return .unsupported
            }
            for graph in [model.graph] + model.graph.allSubgraphs {
                for node in graph.nodes where !KernelRegistry.supports(op: node.opType, domain: node.normalizedDomain) {
                    return .unsupported
                }
            }
            let interpreter = try Interpreter(model: model, options: InterpreterOptions(threads: 2))
            let dataSets = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasPrefix("test_data_set_") }.sorted()
            for dataSet in dataSets {
                let path = directory + "/" + dataSet
                var feeds: [String: Tensor] = [:]
                let fed = model.graph.inputs.map { $0.name ?? "" }.filter { model.graph.initializer(named: $0) == nil }
                for (i, name) in fed.enumerated() where FileManager.default.fileExists(atPath: "\(path)/input_\(i).pb") {
                    feeds[name] = try TensorFile.readProto("\(path)/input_\(i).pb")
                }
                let outputs = try interpreter.run(feeds)
                for (i, name) in interpreter.outputNames.enumerated() {
                    let expected = try TensorFile.readProto("\(path)/output_\(i).pb")
                    guard let actual = outputs[name] else { return .failed("output \(name) missing") }
                    if let mismatch = compare(actual, expected) { return .failed("output \(name): \(mismatch)") }
                }
            }
            return .passed
        } catch {
            return .failed("\(error)")
        }
    }

    /// nil when equal within tolerance, else what differs.
    static func compare(_ actual: Tensor, _ expected: Tensor) -> String? {
        guard actual.type == expected.type else { return "type \(actual.type), expected \(expected.type)" }
        guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
        switch actual.type {
        case .float: return closeness(actual.scalars(Float.self).map(Double.init), expected.scalars(Float.self).map(Double.init))
        case .double: return closeness(actual.scalars(Double.self), expected.scalars(Double.self))
        case .float16:
            return closeness(actual.scalars(UInt16.self).map { Double(Float(Float16(bitPattern: $0))) },
                             expected.scalars(UInt16.self).map { Double(Float(Float16(bitPattern: $0))) })
        default:
            let a = Array(UnsafeRawBufferPointer(start: actual.storage.raw, count: actual.byteCount))
            let b = Array(UnsafeRawBufferPointer(start: expected.storage.raw, count: expected.byteCount))
            return a == b ? nil : "values differ"
        }
    }

    static func closeness(_ a: [Double], _ b: [Double]) -> String? {
        for i in a.indices {
            if a[i].isNaN && b[i].isNaN { continue }
            if a[i] == b[i] { continue }
            if abs(a[i] - b[i]) > atol + rtol * abs(b[i]) || a[i].isNaN || b[i].isNaN {
                return "element \(i) is \(a[i]), expected \(b[i])"
            }
        }
        return nil
    }

    /// Test name → reason, from Fixtures/conformance-exclusions.txt (`name  reason`, # comments).
    static func exclusions() throws -> [String: String] {
        let path = TestPaths.repoRoot + "/Fixtures/conformance-exclusions.txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            let reason = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            guard !reason.isEmpty else { throw NSError(domain: "exclusions", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(parts[0]) has no reason"]) }
            result[String(parts[0])] = reason
        }
        return result
    }
}
