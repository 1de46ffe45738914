"""`qtool quantize-dynamic` against onnxruntime's quantize_dynamic: on every shared model where
onnxruntime succeeds, with the same options, the quantized weights, scales and zero points are
equal bit for bit (paired by name); every output passes the full checker and runs in onnxruntime;
small onnx.helper models cover each rewrite (Gemm, Conv, LSTM, Gather, Attention)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
from shared_data import SHARED, samples, write_inputs  # noqa: E402

from interop_util import QTOOL

# ORT_BASELINE.md: quantize_dynamic succeeds on these (it aborts on the other two: weights in Constant nodes).
ORT_SUCCEEDS = ["digits_cnn.onnx", "ocr_cls_ppocr_mobile_v2.onnx", "mobilenet_v2.onnx", "paraphrase_minilm_l3_v2.onnx",
                "silero_vad.onnx"]
ALL_MODELS = ORT_SUCCEEDS + ["ocr_rec_ppocrv4.onnx", "silero_vad_openvino_16k.onnx"]
# option set → (quantize_dynamic keywords, qtool options)
# (qtool's default is per channel: `--per-tensor` gives onnxruntime's)
VARIANTS = {
    "default": ({}, ["--per-tensor"]),
    "per-channel": ({"per_channel": True}, []),
    "quint8": ({"weight_type": "QUInt8"}, ["--per-tensor", "--weight-type", "quint8"]),
    "reduce-range": ({"reduce_range": True}, ["--per-tensor", "--reduce-range"]),
}
EVALUATION_SAMPLES = 3


def qtool_dynamic(model: Path, output: Path, *options: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(QTOOL), "quantize-dynamic", "--input", str(model), "--output", str(output), "--quiet", *options],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc


def ort_dynamic(model: Path, output: Path, **options) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    if "weight_type" in options:
        options["weight_type"] = getattr(QuantType, options["weight_type"])
    quantize_dynamic(str(model), str(output), **options)


def all_graphs(graph: onnx.GraphProto):
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from all_graphs(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for g in attribute.graphs:
                    yield from all_graphs(g)


def quantization_tensors(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every initializer a quantizer made: the quantized weights and their scales and zero points."""
    result = {}
    for graph in all_graphs(model.graph):
        for tensor in graph.initializer:
            if tensor.name.endswith(("_quantized", "_scale", "_zero_point")):
                result[tensor.name] = numpy_helper.to_array(tensor)
    return result


def conv_weight_tensors(model: onnx.ModelProto) -> set[str]:
    """The quantized Conv weights of a model and their scales and zero points."""
    names = set()
    for graph in all_graphs(model.graph):
        for node in graph.node:
            if node.op_type == "ConvInteger":
                names |= {node.input[1], node.input[1].removesuffix("_quantized") + "_scale", node.input[3]}
    return names


def ops(model: onnx.ModelProto) -> set[str]:
    return {node.op_type for graph in all_graphs(model.graph) for node in graph.node}


def assert_runs_like(float_path: Path, quantized_path: Path, feeds: list[dict[str, np.ndarray]]) -> list[tuple]:
    float_session = ort.InferenceSession(str(float_path), providers=["CPUExecutionProvider"])
    quant_session = ort.InferenceSession(str(quantized_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in float_session.get_outputs()]
    pairs = []
    for feed in feeds:
        expected = float_session.run(names, feed)
        actual = quant_session.run(names, feed)
        for name, e, a in zip(names, expected, actual):
            assert a.shape == e.shape and a.dtype == e.dtype, name
            assert np.isfinite(a).all() if a.dtype == np.float32 else True
            pairs.append((name, e, a))
    return pairs


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", ORT_SUCCEEDS)
def test_weights_equal_onnxruntime(name: str, variant: str, tmp_path: Path):
    model = SHARED / name
    if not model.is_file():
        pytest.skip("shared model absent")
    ort_options, qtool_options = VARIANTS[variant]
    ort_dynamic(model, tmp_path / "ort.onnx", **dict(ort_options))
    qtool_dynamic(model, tmp_path / "qtool.onnx", *qtool_options)
    ort_model = onnx.load(str(tmp_path / "ort.onnx"))
    reference = quantization_tensors(ort_model)
    ours = quantization_tensors(onnx.load(str(tmp_path / "qtool.onnx")))
    if variant == "per-channel":
        # onnxruntime keeps Conv weights per tensor with per_channel; qtool does not (checked in
        # test_conv_weights_per_channel against onnxruntime's own quantize_data)
        for tensor in conv_weight_tensors(ort_model):
            reference.pop(tensor, None)
    # onnxruntime quantizes Constant-held weights of ocr_cls dynamically, as activations, and never
    # enters silero_vad's If branches: there it makes no initializer to compare.
    if name in ("digits_cnn.onnx", "mobilenet_v2.onnx", "paraphrase_minilm_l3_v2.onnx"):
        assert reference, "onnxruntime quantized nothing"
    missing = sorted(set(reference) - set(ours))
    assert not missing, f"{len(missing)} of onnxruntime's tensors absent from qtool's output, e.g. {missing[:3]}"
    for tensor, expected in reference.items():
        actual = ours[tensor]
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, tensor
        assert actual.tobytes() == expected.tobytes(), f"{tensor}: differs from onnxruntime's"


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", ALL_MODELS)
def test_output_checks_and_runs(name: str, variant: str, tmp_path: Path):
    model = SHARED / name
    if not model.is_file():
        pytest.skip("shared model absent")
    output = tmp_path / "q.onnx"
    qtool_dynamic(model, output, *VARIANTS[variant][1], "--report", str(tmp_path / "report.json"))
    quantized = onnx.load(str(output))
    onnx.checker.check_model(quantized, full_check=True)
    assert ops(quantized) & {"MatMulInteger", "ConvInteger", "DynamicQuantizeLSTM"}, "nothing was rewritten"
    tensor_map = json.loads({p.key: p.value for p in quantized.metadata_props}["qtool.tensor_map"])
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["mode"] == "dynamic" and report["quantized_tensors"] == len(tensor_map) > 0
    data = samples(model)
    assert data, "no samples"
    assert_runs_like(model, output, data[-EVALUATION_SAMPLES:])


def test_conv_weights_per_channel(tmp_path: Path):
    """qtool's per-channel Conv weights: each output channel as onnxruntime's quantize_data
    quantizes it (symmetric int8), the scales shaped [M, 1, 1], one zero point."""
    from onnxruntime.quantization.quant_utils import quantize_data
    model = SHARED / "digits_cnn.onnx"
    if not model.is_file():
        pytest.skip("shared model absent")
    qtool_dynamic(model, tmp_path / "q.onnx")
    quantized = onnx.load(str(tmp_path / "q.onnx"))
    initializers = {t.name: numpy_helper.to_array(t) for t in quantized.graph.initializer}
    floats = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(model)).graph.initializer}
    convs = [n for n in quantized.graph.node if n.op_type == "ConvInteger"]
    assert convs
    for node in convs:
        name = node.input[1].removesuffix("_quantized")
        weight, scale = floats[name], initializers[name + "_scale"]
        assert scale.shape == (weight.shape[0],) + (1,) * (weight.ndim - 2)
        assert initializers[node.input[3]].shape == () and initializers[node.input[3]] == 0
        for channel in range(weight.shape[0]):
            zero_point, expected_scale, expected = quantize_data(weight[channel].flatten(), TensorProto.INT8, True)
            assert scale.ravel()[channel].tobytes() == np.float32(expected_scale).tobytes()
            assert initializers[node.input[1]][channel].flatten().tobytes() == expected.astype(np.int8).tobytes()


def test_same_input_same_bytes(tmp_path: Path):
    model = SHARED / "silero_vad.onnx"
    if not model.is_file():
        pytest.skip("shared model absent")
    qtool_dynamic(model, tmp_path / "a.onnx", "--per-channel")
    qtool_dynamic(model, tmp_path / "b.onnx", "--per-channel")
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    quantized = onnx.load(str(tmp_path / "a.onnx"))
    assert "DynamicQuantizeLSTM" in ops(quantized), "silero's LSTMs (inside If branches) were not quantized"


# --------------------------------------------------------------------------
# small models, one per rewrite
# --------------------------------------------------------------------------

RNG = np.random.default_rng(7)


def weight(name: str, *shape: int) -> TensorProto:
    return numpy_helper.from_array(RNG.normal(0, 0.5, shape).astype(np.float32), name)


def save(tmp_path: Path, nodes, inputs, outputs, initializers, opset=17, ms=False) -> Path:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    imports = [helper.make_opsetid("", opset)] + ([helper.make_opsetid("com.microsoft", 1)] if ms else [])
    model = helper.make_model(graph, opset_imports=imports)
    model.ir_version = 8
    path = tmp_path / "float.onnx"
    onnx.save(model, str(path))
    return path


def float_input(name, *shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def compare_small(path: Path, tmp_path: Path, feeds: dict, variant: str, expected_ops: set[str]) -> None:
    ort_options, qtool_options = VARIANTS[variant]
    ort_dynamic(path, tmp_path / "ort.onnx", **dict(ort_options))
    qtool_dynamic(path, tmp_path / "qtool.onnx", *qtool_options)
    ours_model = onnx.load(str(tmp_path / "qtool.onnx"))
    onnx.checker.check_model(ours_model, full_check=True)
    ort_model = onnx.load(str(tmp_path / "ort.onnx"))
    assert expected_ops <= ops(ours_model), ops(ours_model)
    assert ops(ours_model) == ops(ort_model)
    # the same nodes: op, name, inputs and outputs (onnxruntime's final topological sort orders
    # independent nodes its own way, so the order is not compared)
    def layout(model):
        return sorted((n.op_type, n.name, tuple(n.input), tuple(n.output)) for n in model.graph.node)
    assert layout(ours_model) == layout(ort_model)
    reference, ours = quantization_tensors(ort_model), quantization_tensors(ours_model)
    assert set(reference) == set(ours)
    # per channel, qtool's Conv weights differ from onnxruntime's on purpose (per tensor there)
    by_design = conv_weight_tensors(ort_model) if variant == "per-channel" else set()
    for name, expected in reference.items():
        if name not in by_design:
            assert ours[name].tobytes() == expected.tobytes() and ours[name].shape == expected.shape, name
    ort_out = ort.InferenceSession(str(tmp_path / "ort.onnx"), providers=["CPUExecutionProvider"]).run(None, feeds)
    our_out = ort.InferenceSession(str(tmp_path / "qtool.onnx"), providers=["CPUExecutionProvider"]).run(None, feeds)
    float_out = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    for a, b, f in zip(our_out, ort_out, float_out):
        if by_design:
            # no worse than onnxruntime's per-tensor weights against the float model (1% slack)
            assert np.abs(a - f).max() <= 1.01 * np.abs(b - f).max() + 1e-6
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gemm(tmp_path: Path, variant: str):
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], "fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], "relu"),
             helper.make_node("Gemm", ["r", "w2"], ["y"], "fc2")]
    path = save(tmp_path, nodes, [float_input("x", 2, 8)], [float_input("y", 2, 3)],
                [weight("w", 16, 8), weight("b", 16), weight("w2", 16, 3)])
    compare_small(path, tmp_path, {"x": RNG.normal(size=(2, 8)).astype(np.float32)}, variant, {"MatMulInteger"})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_conv(tmp_path: Path, variant: str):
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], "conv", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c", "w2"], ["y"], "conv2", strides=[2, 2])]
    path = save(tmp_path, nodes, [float_input("x", 1, 3, 8, 8)], [float_input("y", 1, 2, 3, 3)],
                [weight("w", 4, 3, 3, 3), weight("b", 4), weight("w2", 2, 4, 3, 3)])
    compare_small(path, tmp_path, {"x": RNG.normal(size=(1, 3, 8, 8)).astype(np.float32)}, variant, {"ConvInteger"})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_lstm(tmp_path: Path, variant: str):
    hidden, size = 5, 4
    nodes = [helper.make_node("LSTM", ["x", "w", "r", "b"], ["y", "h"], "lstm", hidden_size=hidden, direction="bidirectional")]
    path = save(tmp_path, nodes, [float_input("x", 3, 1, size)], [float_input("y", 3, 2, 1, hidden), float_input("h", 2, 1, hidden)],
                [weight("w", 2, 4 * hidden, size), weight("r", 2, 4 * hidden, hidden), weight("b", 2, 8 * hidden)])
    compare_small(path, tmp_path, {"x": RNG.normal(size=(3, 1, size)).astype(np.float32)}, variant, {"DynamicQuantizeLSTM"})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gather_and_matmul(tmp_path: Path, variant: str):
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"], "embed"),
             helper.make_node("MatMul", ["e", "w"], ["m"], "proj"),
             helper.make_node("Add", ["m", "b"], ["y"], "bias")]
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 3])
    path = save(tmp_path, nodes, [ids], [float_input("y", 2, 3, 6)],
                [weight("table", 10, 4), weight("w", 4, 6), weight("b", 6)])
    # the MatMul reads the gathered uint8 rows directly: no DequantizeLinear between them
    compare_small(path, tmp_path, {"ids": np.array([[1, 2, 3], [9, 0, 4]], dtype=np.int64)}, variant, {"MatMulInteger"})


def test_gather_read_by_float_op(tmp_path: Path):
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"], "embed"),
             helper.make_node("Add", ["e", "b"], ["y"], "bias")]
    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 3])
    path = save(tmp_path, nodes, [ids], [float_input("y", 2, 3, 4)], [weight("table", 10, 4), weight("b", 4)])
    compare_small(path, tmp_path, {"ids": np.array([[1, 2, 3], [9, 0, 4]], dtype=np.int64)}, "default", {"DequantizeLinear"})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_attention(tmp_path: Path, variant: str):
    hidden, heads = 8, 2
    nodes = [helper.make_node("Attention", ["x", "w", "b", "mask"], ["y"], "attn", domain="com.microsoft", num_heads=heads)]
    mask = helper.make_tensor_value_info("mask", TensorProto.INT32, [1, 4])
    path = save(tmp_path, nodes, [float_input("x", 1, 4, hidden), mask], [float_input("y", 1, 4, hidden)],
                [weight("w", hidden, 3 * hidden), weight("b", 3 * hidden)], ms=True)
    feeds = {"x": RNG.normal(size=(1, 4, hidden)).astype(np.float32), "mask": np.array([[1, 1, 1, 0]], dtype=np.int32)}
    compare_small(path, tmp_path, feeds, variant, {"QAttention"})


def test_excluded_and_op_types(tmp_path: Path):
    nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], "fc1"),
             helper.make_node("MatMul", ["h", "w2"], ["y"], "fc2")]
    path = save(tmp_path, nodes, [float_input("x", 2, 8)], [float_input("y", 2, 3)], [weight("w", 8, 4), weight("w2", 4, 3)])
    qtool_dynamic(path, tmp_path / "a.onnx", "--nodes-to-exclude", "fc1")
    a = onnx.load(str(tmp_path / "a.onnx"))
    assert [n.op_type for n in a.graph.node].count("MatMulInteger") == 1 and "Gemm" in ops(a)
    qtool_dynamic(path, tmp_path / "b.onnx", "--op-types", "Gemm")
    b = onnx.load(str(tmp_path / "b.onnx"))
    assert {n.name for n in b.graph.node if n.op_type == "MatMulInteger"} == {"fc1_MatMul_quant"}
    assert "fc2" in {n.name for n in b.graph.node if n.op_type == "MatMul"}


def test_matmul_between_activations(tmp_path: Path):
    nodes = [helper.make_node("MatMul", ["a", "b"], ["y"], "mm")]
    path = save(tmp_path, nodes, [float_input("a", 2, 4), float_input("b", 4, 3)], [float_input("y", 2, 3)], [])
    qtool_dynamic(path, tmp_path / "kept.onnx", "--per-tensor")
    assert "MatMulInteger" not in ops(onnx.load(str(tmp_path / "kept.onnx")))
    qtool_dynamic(path, tmp_path / "both.onnx", "--per-tensor", "--no-matmul-const-b-only")
    ort_dynamic(path, tmp_path / "ort.onnx", extra_options={"MatMulConstBOnly": False})
    ours, theirs = onnx.load(str(tmp_path / "both.onnx")), onnx.load(str(tmp_path / "ort.onnx"))
    assert sorted((n.op_type, n.name, tuple(n.input)) for n in ours.graph.node) == sorted(
        (n.op_type, n.name, tuple(n.input)) for n in theirs.graph.node)


# --------------------------------------------------------------------------
# qtool's interpreter runs what quantize-dynamic emits
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["silero_vad.onnx", "paraphrase_minilm_l3_v2.onnx", "ocr_rec_ppocrv4.onnx"])
def test_qtool_runs_the_dynamic_output_as_onnxruntime_does(tmp_path, name):
    """DynamicQuantizeLSTM (inside silero's If branches), MatMulInteger, ConvInteger and
    DynamicQuantizeLinear run on qtool's interpreter. Both runtimes quantize activations at run
    time from slightly different float values, so a code may round the other way and the flip
    travels on (the OCR recognizer's softmax moves by up to 0.05 on some samples while its
    argmax per step stays the same): the outputs must agree as a whole (cosine above 0.999; a
    wrong scale or a transposed weight gives far less), not bit for bit."""
    model = SHARED / name
    if not model.is_file():
        pytest.skip(f"{model} not present")
    quantized = tmp_path / "q.onnx"
    qtool_dynamic(model, quantized)
    session = ort.InferenceSession(str(quantized), providers=["CPUExecutionProvider"])
    for index, sample in enumerate(samples(model)[:2]):
        feeds = {i.name: sample[i.name] for i in session.get_inputs()}
        expected = session.run(None, feeds)
        folder = tmp_path / f"in{index}"
        write_inputs(feeds, folder)
        out = tmp_path / f"out{index}"
        proc = subprocess.run([str(QTOOL), "run", "--model", str(quantized), "--inputs", str(folder), "--output-dir", str(out)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        for info, reference in zip(session.get_outputs(), expected):
            if reference.dtype.kind != "f":
                continue
            actual = np.load(out / (info.name.replace("/", "_") + ".npy")).astype(np.float64).ravel()
            reference = reference.astype(np.float64).ravel()
            cosine = actual @ reference / max(np.linalg.norm(actual) * np.linalg.norm(reference), 1e-30)
            assert cosine > 0.999, f"{info.name}: cosine {cosine} between qtool and onnxruntime"
