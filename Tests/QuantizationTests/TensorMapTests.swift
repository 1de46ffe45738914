import Foundation
import ONNXModel
import XCTest
@testable import Quantization

/// The tensor map names only tensors the written model has, in QDQ and in QOperator form.
final class TensorMapTests: XCTestCase {
    /// QDQ rewrite of two Convs, then (when asked) the QOperator conversion with the map.
    private func quantized(qoperator: Bool) throws -> (Model, TensorMap) {
        let proto = RewriteModels.twoConvs()
        let model = RewriteModels.typed(proto)
        let feeds = ["x": RewriteModels.randomInput([1, 2, 5, 5], seed: 41)]
        let tensorMap = try Rewrite.qdq(model, ranges: try Rewrite.observedRanges(proto, feeds: feeds))
        if qoperator { try QOperatorConversion.convert(model, tensorMap: tensorMap) }
        return (model, tensorMap)
    }

    private func assertNamesExist(_ model: Model, _ tensorMap: TensorMap, file: StaticString = #filePath, line: UInt = #line) {
        let names = TensorMap.names(in: model)
        for (name, entry) in tensorMap.entries {
            XCTAssertTrue(names.contains(entry.quantized), "\(name): quantized '\(entry.quantized)' is not in the model",
                          file: file, line: line)
            XCTAssertTrue(entry.dequantized.isEmpty || names.contains(entry.dequantized),
                          "\(name): dequantized '\(entry.dequantized)' is not in the model", file: file, line: line)
        }
    }

    func testQDQMapNamesEveryDequantizedTensor() throws {
        let (model, tensorMap) = try quantized(qoperator: false)
        assertNamesExist(model, tensorMap)
        XCTAssertFalse(tensorMap.entries.values.contains { $0.dequantized.isEmpty })
    }

    func testQOperatorMapDropsTheDequantizeLinearsTheConversionRemoved() throws {
        let (qdqModel, qdqMap) = try quantized(qoperator: false)
        let qdqNames = TensorMap.names(in: qdqModel)
        XCTAssertTrue(qdqMap.entries.values.allSatisfy { qdqNames.contains($0.dequantized) })
        let (model, tensorMap) = try quantized(qoperator: true)
        XCTAssertTrue(model.graph.nodes.contains { $0.opType == "QLinearConv" })
        assertNamesExist(model, tensorMap)
        // The Conv output between the two QLinearConvs stays integer: no dequantized form.
        let between = try XCTUnwrap(tensorMap.entries["c"])
        XCTAssertEqual(between.dequantized, "")
        XCTAssertTrue(TensorMap.names(in: model).contains(between.quantized))
    }

    func testEmptyDequantizedNameIsLeftOutOfTheJSONAndReadBack() throws {
        let (model, tensorMap) = try quantized(qoperator: true)
        let json = try tensorMap.json()
        let decoded = try JSONDecoder().decode([String: TensorMap.Entry].self, from: Data(json.utf8))
        XCTAssertEqual(decoded, tensorMap.entries)
        XCTAssertFalse(json.contains("\"dequantized\":\"\""))
        model.setMetadata(TensorMap.metadataKey, json)
        XCTAssertEqual(try TensorMap.read(from: model), tensorMap.entries)
    }
}
