import ONNXModel
import ProtoWire
import _TestSupport
import XCTest

/// Dims must be backed by the data present: a loaded model never hands a later stage a tensor
/// that would size a buffer from dims alone.
final class TensorConsistencyTests: XCTestCase {
    func testConsistentTensorsPass() {
        XCTAssertNil(TensorLayout.inconsistency(of: TestModels.floatTensor("w", dims: [2, 2], values: [1, 2, 3, 4])))
        XCTAssertNil(TensorLayout.inconsistency(of: TestModels.int64Tensor("s", dims: [3], values: [1, 2, 3])))
        XCTAssertNil(TensorLayout.inconsistency(of: TestModels.floatTensor("empty", dims: [0, 5], values: [])))
    }

    func testRawDataShorterThanDimsIsNamed() {
        let tensor = TestModels.floatTensor("w", dims: [1 << 40], values: [1, 2, 3, 4])
        XCTAssertEqual(TensorLayout.inconsistency(of: tensor), "raw_data has 16 bytes, float [1099511627776] needs 4398046511104")
    }

    func testOverflowingAndNegativeDims() {
        for dims: [Int64] in [[1 << 31, 1 << 31, 1 << 31, 4], [-3, 4], [Int64.max, 2]] {
            let tensor = TestModels.floatTensor("w", dims: dims, values: [])
            XCTAssertEqual(TensorLayout.inconsistency(of: tensor), "dims \(dims) are negative or their product overflows")
        }
    }

    func testTypedFieldCounts() {
        XCTAssertEqual(TensorLayout.inconsistency(of: TestModels.int64Tensor("s", dims: [4], values: [1, 2])),
                       "int64_data has 2 values, int64 [4] needs 4")
        var packed = TensorProto()
        packed.dims = [5]
        packed.dataType = DataType.int4.rawValue
        packed.int32Data = [1, 2, 3]          // five 4-bit values take three packed entries
        XCTAssertNil(TensorLayout.inconsistency(of: packed))
        packed.int32Data = [1, 2]
        XCTAssertEqual(TensorLayout.inconsistency(of: packed), "int32_data has 2 values, int4 [5] needs 3")
        var complex = TensorProto()
        complex.dims = [2]
        complex.dataType = DataType.complex64.rawValue
        complex.floatData = PackedFixed([1, 2, 3])
        XCTAssertEqual(TensorLayout.inconsistency(of: complex), "float_data has 3 values, complex64 [2] needs 4")
    }

    func testLoadRefusesTheTensorAndNamesTheFile() throws {
        let bad = TestModels.floatTensor("w", dims: [1 << 30], values: [1])
        let graph = TestModels.graph([TestModels.node("Identity", ["w"], ["y"])], outputs: [TestModels.value("y")],
                                     initializers: [bad])
        let path = NSTemporaryDirectory() + "/qtool-tensor-consistency.onnx"
        try TestModels.model(graph).serializedBytes().withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try ModelFile.load(path)) { error in
            XCTAssertEqual("\(error)", "\(path): tensor 'w': raw_data has 4 bytes, float [1073741824] needs 4294967296")
        }
    }
}
