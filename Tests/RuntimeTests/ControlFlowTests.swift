import XCTest
import ONNXModel
import _TestSupport
@testable import Runtime

/// If, Loop and Scan on small hand-built graphs whose results are worked out by hand.
final class ControlFlowTests: XCTestCase {
    func testIfRunsTheChosenBranchOnOuterScopeValues() throws {
        let model = ControlFlowGraphs.ifModel()
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]), y = Tensor([10, 20, 30] as [Float], shape: [3])
        let then = try Interpreter(model: model).run(["c": Tensor(scalar: true), "x": x, "y": y])
        XCTAssertEqual(then["out"]?.scalars(Float.self), [11, 22, 33, 14, 25, 36])
        // The else branch holds a nested If whose branches read x and y two scopes up.
        let otherwise = try Interpreter(model: model).run(["c": Tensor(scalar: false), "x": x, "y": y])
        XCTAssertEqual(otherwise["out"]?.scalars(Float.self), [10, 40, 90, 40, 100, 180])
    }

    func testIfConditionMustHoldOneElement() throws {
        let x = Tensor([1] as [Float], shape: [1, 1]), y = Tensor([1] as [Float], shape: [1])
        XCTAssertThrowsError(try Interpreter(model: ControlFlowGraphs.ifModel())
            .run(["c": Tensor([true, false], shape: [2]), "x": x, "y": y]))
    }

    func testTensorsInsideBranchesReachTheObserver() throws {
        var seen: [String] = []
        let x = Tensor([1] as [Float], shape: [1, 1]), y = Tensor([2] as [Float], shape: [1])
        _ = try Interpreter(model: ControlFlowGraphs.ifModel()).run(["c": Tensor(scalar: false), "x": x, "y": y]) { name, _ in
            seen.append(name)
        }
        XCTAssertTrue(seen.contains("inner_product"), "observed \(seen)")
    }

    func testLoopCarriesValuesAndStacksScanOutputs() throws {
        let outputs = try Interpreter(model: ControlFlowGraphs.loopModel()).run([
            "M": Tensor(scalar: Int64(3)), "cond": Tensor(scalar: true), "limit": Tensor(scalar: Int64(100)),
            "x": Tensor([1, 2] as [Float], shape: [2]), "acc0": Tensor([0, 10] as [Float], shape: [2]),
        ])
        // acc after iteration i is acc0 + (i+1)·x; the scan output is that times i.
        XCTAssertEqual(outputs["acc_final"]?.scalars(Float.self), [3, 16])
        XCTAssertEqual(outputs["scans"]?.shape, [3, 2])
        XCTAssertEqual(outputs["scans"]?.scalars(Float.self), [0, 0, 2, 14, 6, 32])
    }

    func testLoopStopsWhenTheBodyConditionTurnsFalse() throws {
        for givenCondition in [true, false] {
            var feeds: [String: Tensor] = ["M": Tensor(scalar: Int64(10)), "limit": Tensor(scalar: Int64(1)),
                                           "x": Tensor([1] as [Float], shape: [1]), "acc0": Tensor([0] as [Float], shape: [1])]
            if givenCondition { feeds["cond"] = Tensor(scalar: true) }
            let outputs = try Interpreter(model: ControlFlowGraphs.loopModel(withCondition: givenCondition)).run(feeds)
            // Iteration 0 reports 0 < 1, iteration 1 reports 1 < 1 = false: two iterations.
            XCTAssertEqual(outputs["scans"]?.shape, [2, 1], "cond input given: \(givenCondition)")
        }
    }

    func testLoopWithoutIterationsReturnsInitialValuesAndEmptyScans() throws {
        for (trips, condition) in [(Int64(0), true), (Int64(5), false)] {
            let outputs = try Interpreter(model: ControlFlowGraphs.loopModel()).run([
                "M": Tensor(scalar: trips), "cond": Tensor(scalar: condition), "limit": Tensor(scalar: Int64(100)),
                "x": Tensor([1, 2] as [Float], shape: [2]), "acc0": Tensor([4, 5] as [Float], shape: [2]),
            ])
            XCTAssertEqual(outputs["acc_final"]?.scalars(Float.self), [4, 5])
            XCTAssertEqual(outputs["scans"]?.shape, [0, 2])
            XCTAssertEqual(outputs["scans"]?.type, .float)
        }
    }

    func testScanFollowsAxesAndDirections() throws {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2])      // scanned along axis 0, forward
        let b = Tensor([1, 10, 100, 2, 20, 200] as [Float], shape: [2, 3]) // scanned along axis 1, backward
        let outputs = try Interpreter(model: ControlFlowGraphs.scanModel()).run(["s0": Tensor([0, 0] as [Float], shape: [2]), "A": a, "B": b])
        // Step t reads a[t] and b[:, 2 - t]; the state sums a.
        XCTAssertEqual(outputs["sf"]?.scalars(Float.self), [9, 12])
        // P stacks a[t]⊙b[:, 2−t] along axis 1 in reverse: column 2 − t holds step t.
        XCTAssertEqual(outputs["P"]?.shape, [2, 3])
        XCTAssertEqual(outputs["P"]?.scalars(Float.self), [5, 30, 100, 12, 80, 400])
        // S stacks the running state along axis 0 (-2 of rank 2), forward.
        XCTAssertEqual(outputs["S"]?.scalars(Float.self), [1, 2, 4, 6, 9, 12])
    }

    func testBodyWithTheWrongNumberOfInputsIsRejectedAtCompileTime() {
        XCTAssertThrowsError(try Interpreter(model: ControlFlowGraphs.loopModel(bodyInputs: 2)))
    }

    func testSlicesStackBackIntoTheOriginalAlongEveryAxis() throws {
        var generator = RecurrentTesting.Generator(seed: 11)
        for _ in 0..<20 {
            let shape = (0..<Int.random(in: 1...4, using: &generator)).map { _ in Int.random(in: 1...4, using: &generator) }
            let tensor = Tensor((0..<Shapes.count(shape)).map { Int16($0) }, shape: shape)
            for axis in shape.indices {
                for reversed in [false, true] {
                    let slices = (0..<shape[axis]).map { SequenceAxis.slice(tensor, axis: axis, index: reversed ? shape[axis] - 1 - $0 : $0) }
                    let stacked = try SequenceAxis.stack(slices, axis: axis, reversed: reversed, name: "t")
                    XCTAssertEqual(stacked.shape, shape)
                    XCTAssertEqual(stacked.scalars(Int16.self), tensor.scalars(Int16.self), "shape \(shape) axis \(axis)")
                }
            }
        }
    }
}
