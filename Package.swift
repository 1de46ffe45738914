// swift-tools-version:6.0
import PackageDescription

// Layers, dependencies pointing one way:
// ProtoWire → ONNXModel → Runtime → Passes → Quantization → Debugging → QToolCommands → qtool
// (Passes sits above Runtime: constant folding and shape inference evaluate with its kernels.)
let package = Package(
    name: "qtool",
    products: [.executable(name: "qtool", targets: ["qtool"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "ProtoWire"),
        .target(name: "ONNXModel", dependencies: ["ProtoWire"]),
        // Hot float kernels (GEMM microkernels with runtime AVX-512/AVX2 dispatch).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Runtime", dependencies: ["ONNXModel", "CKernels"]),
        .target(name: "Passes", dependencies: ["ONNXModel", "Runtime"]),
        .target(name: "Quantization", dependencies: ["ONNXModel", "Runtime", "Passes"]),
        // qtool debug: float vs quantized, tensor by tensor; sensitivity per node.
        .target(name: "Debugging", dependencies: ["ONNXModel", "Runtime", "Passes", "Quantization"]),
        .target(name: "QToolCommands", dependencies: [
            "Runtime", "Passes", "Quantization", "Debugging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "qtool", dependencies: ["QToolCommands"]),
        // The loader under libFuzzer (`make fuzz`), or, built normally, the replay of its crashers.
        .executableTarget(name: "qtool-fuzz", dependencies: ["ONNXModel"]),
        .target(name: "_TestSupport", dependencies: ["ONNXModel"], path: "Tests/_TestSupport"),
        .testTarget(name: "ProtoWireTests", dependencies: ["ProtoWire", "_TestSupport"]),
        .testTarget(name: "ONNXModelTests", dependencies: ["ONNXModel", "_TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "_TestSupport"]),
        .testTarget(name: "PassesTests", dependencies: ["Passes", "Runtime", "_TestSupport"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "Runtime", "_TestSupport"]),
        .testTarget(name: "DebuggingTests", dependencies: ["Debugging", "Quantization", "Runtime", "_TestSupport"]),
        .testTarget(name: "QToolCommandsTests", dependencies: ["QToolCommands", "_TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
