"""The layout of `qtool quantize-static`'s QDQ output against onnxruntime's quantize_static.

Issue #5 makes onnxruntime.quantization the reference for numbers and layout. For one small model
per op family (qdq_layout_models.py) both tools quantize the same preprocessed model with the same
calibrated ranges (onnxruntime's MinMax calibrator's, handed to both through their calibration
caches) and qtool's options set to onnxruntime's behaviour; the outputs must then be the same graph:
the same nodes with the same names, inputs, outputs and attributes (so the same Q/DQ pairs, shared
parameters, folded Relu/Clip and copied biases), and the same initializers bit for bit (quantized
weights, int32 biases, every scale and zero point). qtool's own MinMax calibration is checked
against onnxruntime's ranges separately. Where qtool differs on purpose (README, quantize-static),
a test below asserts that difference and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.calibrate import create_calibrator, save_tensors_data
from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry

import qdq_layout_models as models
from interop_util import describe, run_qtool

# onnxruntime's default op types (quantize_static with op_types_to_quantize=None) plus HardSwish,
# which qtool quantizes by default and onnxruntime only when asked (test_hardswish_...).
ORT_DEFAULT_OPS = sorted(set(QLinearOpsRegistry) | set(QDQRegistry))
COMPARED_OPS = sorted(set(ORT_DEFAULT_OPS) | {"HardSwish"})

# name: (onnxruntime quantize_static arguments, the qtool flags that ask for the same)
VARIANTS = {
    "per-tensor-s8s8": (dict(per_channel=False, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8),
                        ["--per-tensor", "--activation-type", "qint8", "--weight-type", "qint8"]),
    "per-channel-s8s8": (dict(per_channel=True, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8),
                         ["--per-channel", "--activation-type", "qint8", "--weight-type", "qint8"]),
    "per-tensor-u8u8": (dict(per_channel=False, activation_type=QuantType.QUInt8, weight_type=QuantType.QUInt8),
                        ["--per-tensor", "--activation-type", "quint8", "--weight-type", "quint8"]),
    "per-channel-u8s8-reduce-range": (
        dict(per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, reduce_range=True),
        ["--per-channel", "--activation-type", "quint8", "--weight-type", "qint8", "--reduce-range"]),
    "per-tensor-s8s8-symmetric": (
        dict(per_channel=False, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
             extra_options={"ActivationSymmetric": True}),
        ["--per-tensor", "--activation-type", "qint8", "--weight-type", "qint8", "--symmetric-activations"]),
    "per-channel-u8u8-symmetric": (
        dict(per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QUInt8,
             extra_options={"ActivationSymmetric": True, "WeightSymmetric": True}),
        ["--per-channel", "--activation-type", "quint8", "--weight-type", "quint8", "--symmetric-activations",
         "--symmetric-weights"]),
}
# What makes qtool behave as onnxruntime beyond the variant: MinMax, and cheap ops quantized even
# between float ops.
AS_ONNXRUNTIME = ["--calibrate-method", "minmax", "--quantize-isolated-ops", "--quiet"]
SENTINEL = np.float32(-3.4e38)


class Samples(CalibrationDataReader):
    def __init__(self, samples: list[dict[str, np.ndarray]]):
        self.pending = iter(samples)

    def get_next(self):
        return next(self.pending, None)


class Prepared:
    """A case preprocessed by qtool (both tools quantize these bytes) and calibrated once by
    onnxruntime: its cache file, and the same ranges in qtool's cache format."""

    def __init__(self, case: models.Case, folder: Path, preprocess: bool = True):
        folder.mkdir(parents=True, exist_ok=True)
        self.case, self.folder = case, folder
        raw = folder / "float.onnx"
        onnx.save(case.model, raw)
        self.model = raw
        if preprocess:
            self.model = folder / "preprocessed.onnx"
            proc = run_qtool("preprocess", "--input", raw, "--output", self.model)
            assert proc.returncode == 0, describe(proc)
        calibrator = create_calibrator(self.model, COMPARED_OPS, augmented_model_path=str(folder / "augmented.onnx"),
                                       calibrate_method=CalibrationMethod.MinMax)
        calibrator.collect_data(Samples(case.samples))
        data = calibrator.compute_data()
        self.ort_cache = folder / "ort-ranges.json"
        save_tensors_data(data, self.ort_cache)
        self.ranges = {name: tuple(np.float32(np.asarray(v).item()) for v in data[name].range_value) for name in data}
        self.qtool_cache = folder / "qtool-ranges.json"
        self.qtool_cache.write_text(json.dumps({n: {"min": float(lo), "max": float(hi)}
                                                for n, (lo, hi) in self.ranges.items()}, sort_keys=True))

    def onnxruntime(self, name: str, op_types=COMPARED_OPS, **arguments) -> onnx.ModelProto:
        output = self.folder / f"{name}.ort.onnx"
        quantize_static(str(self.model), str(output), quant_format=QuantFormat.QDQ, op_types_to_quantize=op_types,
                        calibrate_method=CalibrationMethod.MinMax, calibration_cache_path=self.ort_cache, **arguments)
        return onnx.load(output)

    def qtool(self, name: str, *flags: str, ranges: str = "onnxruntime") -> onnx.ModelProto:
        output = self.folder / f"{name}.qtool.onnx"
        source = ["--calibration-cache", self.qtool_cache] if ranges == "onnxruntime" else \
            ["--calibrate-dataset", self.write_samples(), "--report", self.folder / f"{name}.report.json"]
        proc = run_qtool("quantize-static", "--input", self.model, "--output", output, *source, *flags)
        assert proc.returncode == 0, describe(proc)
        return onnx.load(output)

    def write_samples(self) -> Path:
        folder = self.folder / "calibration"
        for index, sample in enumerate(self.case.samples):
            for name, array in sample.items():
                (folder / name).mkdir(parents=True, exist_ok=True)
                np.save(folder / name / f"sample_{index:02d}.npy", array)
        return folder


# --------------------------------------------------------------------------
# comparing two quantized models
# --------------------------------------------------------------------------

def attributes(node: onnx.NodeProto) -> tuple:
    return tuple(sorted((a.name, repr(helper.get_attribute_value(a))) for a in node.attribute))


def node_signatures(model: onnx.ModelProto) -> dict[str, tuple]:
    """Node name -> (op type, domain, inputs, outputs, attributes): the whole topology."""
    signatures = {}
    for node in model.graph.node:
        assert node.name and node.name not in signatures, f"node name {node.name!r} empty or repeated"
        signatures[node.name] = (node.op_type, node.domain, tuple(node.input), tuple(node.output), attributes(node))
    return signatures


def initializer_bits(model: onnx.ModelProto) -> dict[str, tuple]:
    """Initializer name -> (dtype, shape, bytes): equal means equal bit for bit."""
    out = {}
    for tensor in model.graph.initializer:
        array = numpy_helper.to_array(tensor)
        out[tensor.name] = (str(array.dtype), array.shape, array.tobytes())
    return out


def interface(model: onnx.ModelProto) -> dict:
    return {"inputs": [(v.name, v.type.tensor_type.elem_type) for v in model.graph.input],
            "outputs": [(v.name, v.type.tensor_type.elem_type) for v in model.graph.output],
            "opsets": sorted((o.domain or "ai.onnx", o.version) for o in model.opset_import)}


def differences(expected: dict, actual: dict, what: str) -> list[str]:
    lines = [f"{what} only in onnxruntime's: {name} {expected[name][:2]}" for name in sorted(expected.keys() - actual)]
    lines += [f"{what} only in qtool's: {name} {actual[name][:2]}" for name in sorted(actual.keys() - expected)]
    for name in sorted(expected.keys() & actual):
        if expected[name] != actual[name]:
            lines.append(f"{what} {name}: onnxruntime {describe_value(expected[name])} != qtool {describe_value(actual[name])}")
    return lines


def describe_value(value: tuple):
    if len(value) == 3 and isinstance(value[2], bytes):
        return (value[0], value[1], np.frombuffer(value[2], dtype=value[0]).tolist()[:8])
    return value


def assert_same_layout(ort_model: onnx.ModelProto, qtool_model: onnx.ModelProto, values_may_differ: set[str] = frozenset()):
    """Same nodes, same interface, same initializers bit for bit; the initializers named in
    `values_may_differ` only need the same type and shape."""
    problems = differences(node_signatures(ort_model), node_signatures(qtool_model), "node")
    expected, actual = initializer_bits(ort_model), initializer_bits(qtool_model)
    for name in values_may_differ & expected.keys() & actual.keys():
        expected[name], actual[name] = expected[name][:2], actual[name][:2]
    problems += differences(expected, actual, "initializer")
    if interface(ort_model) != interface(qtool_model):
        problems.append(f"interface: onnxruntime {interface(ort_model)} != qtool {interface(qtool_model)}")
    assert not problems, "\n".join(problems)


def quantized_tensors(model: onnx.ModelProto) -> set[str]:
    """Float tensors given a QuantizeLinear (activations, graph outputs by their
    `_QuantizeLinear_Input` alias) or a quantized initializer (weights and biases), by name."""
    def original(name: str) -> str:
        for suffix in ("_QuantizeLinear_Input", "_quantized"):
            name = name.removesuffix(suffix)
        return name
    initializers = {t.name for t in model.graph.initializer}
    return {original(n.input[0]) for n in model.graph.node
            if n.op_type == "QuantizeLinear" or (n.op_type == "DequantizeLinear" and n.input[0] in initializers)}


# --------------------------------------------------------------------------
# the same layout, bit for bit
# --------------------------------------------------------------------------

CASES = {case.name: case for case in models.all_cases()}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, qtool):
    cache: dict[str, Prepared] = {}

    def get(name: str) -> Prepared:
        if name not in cache:
            cache[name] = Prepared(CASES[name], tmp_path_factory.mktemp(name))
        return cache[name]
    return get


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", list(CASES))
def test_layout_matches_onnxruntime(prepared, case: str, variant: str):
    p = prepared(case)
    ort_arguments, qtool_flags = VARIANTS[variant]
    ort_model = p.onnxruntime(variant, **ort_arguments)
    qtool_model = p.qtool(variant, *qtool_flags, *AS_ONNXRUNTIME)
    assert_same_layout(ort_model, qtool_model)
    # The case exercises what it is named for: each op it covers is still in the preprocessed
    # graph, and something was quantized.
    ops = {n.op_type for n in onnx.load(p.model).graph.node}
    assert p.case.covers <= ops, f"preprocessing removed {p.case.covers - ops}"
    assert quantized_tensors(qtool_model)


# qtool's Sigmoid, Softmax and normalizations compute exp and sqrt exactly rounded where
# onnxruntime uses MLAS's approximations (its logistic is off by up to ~3e-8 absolute), so ranges
# of their outputs may move in the last bits: by at most this fraction of one 8-bit step of the
# range, far below anything quantization can see. Every other tensor's range is exact (dyadic data).
APPROXIMATE_OPS = {"Sigmoid", "Softmax", "LayerNormalization", "InstanceNormalization", "HardSwish"}
RANGE_SLACK_IN_STEPS = 1e-4


def range_mismatches(model: onnx.ModelProto, ort_ranges: dict, qtool_ranges: dict) -> tuple[dict, set[str]]:
    """(ranges that differ where they may not or by too much, tensors whose ranges differ within
    the slack)."""
    producers = {output: node.op_type for node in model.graph.node for output in node.output}
    wrong, slack = {}, set()
    for name, r in qtool_ranges.items():
        ours, theirs = (np.float32(r["min"]), np.float32(r["max"])), ort_ranges.get(name)
        if ours == theirs:
            continue
        step = (float(theirs[1]) - float(theirs[0])) / 255 if theirs else 0
        close = theirs and all(abs(float(a) - float(b)) <= RANGE_SLACK_IN_STEPS * step for a, b in zip(ours, theirs))
        if close and producers.get(name) in APPROXIMATE_OPS:
            slack.add(name)
        else:
            wrong[name] = (theirs, ours)
    return wrong, slack


@pytest.mark.parametrize("case", list(CASES))
def test_own_minmax_calibration_matches_onnxruntime(prepared, case: str):
    """qtool calibrating on its own interpreter gives onnxruntime's float32 ranges, so with the
    same data the output is the same as with shared ranges (up to the last bits of the
    parameters of the approximate ops' outputs)."""
    p = prepared(case)
    ort_arguments, qtool_flags = VARIANTS["per-tensor-s8s8"]
    own = p.qtool("own-calibration", *qtool_flags, *AS_ONNXRUNTIME, ranges="own")
    ranges = json.loads((p.folder / "own-calibration.report.json").read_text())["ranges"]
    assert ranges
    wrong, slack = range_mismatches(onnx.load(p.model), p.ranges, ranges)
    assert not wrong, f"onnxruntime range != qtool range: {wrong}"
    values_may_differ = {f"{name}{suffix}" for name in slack for suffix in ("_scale", "_zero_point")}
    assert_same_layout(p.onnxruntime("per-tensor-s8s8", **ort_arguments), own, values_may_differ)


# --------------------------------------------------------------------------
# differences on purpose (README, quantize-static), each asserted as documented
# --------------------------------------------------------------------------

PER_TENSOR_ORT, PER_TENSOR_QTOOL = VARIANTS["per-tensor-s8s8"]
MINMAX = ["--calibrate-method", "minmax", "--quiet", *PER_TENSOR_QTOOL]


def all_nodes(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    nodes = list(model.graph.node)
    for node in model.graph.node:
        nodes += [n for a in node.attribute if a.type == onnx.AttributeProto.GRAPH for n in a.g.node]
    return nodes


def test_isolated_cheap_ops_stay_float_by_default(tmp_path, qtool):
    p = Prepared(models.isolated_cheap_ops(), tmp_path)
    ort_model = p.onnxruntime("default", **PER_TENSOR_ORT)
    assert quantized_tensors(ort_model) >= {"input", "residual", "sum", "scaled"}
    alone = p.qtool("default", *MINMAX)
    assert not [n for n in alone.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    assert_same_layout(ort_model, p.qtool("isolated", *MINMAX, "--quantize-isolated-ops"))


def test_constant_node_weights_are_quantized_as_weights(tmp_path, qtool):
    """Not preprocessed: onnxruntime sees a Constant node's output and gives it a calibrated
    Q/DQ pair like an activation; qtool's normalization makes it an initializer first, so it
    is quantized as a weight (symmetric int8, per channel when asked)."""
    p = Prepared(models.constant_node_weight(), tmp_path, preprocess=False)
    ort_model = p.onnxruntime("default", **PER_TENSOR_ORT)
    assert "conv.weight" in {n.input[0] for n in ort_model.graph.node if n.op_type == "QuantizeLinear"}
    qtool_model = p.qtool("default", *MINMAX, "--quantize-isolated-ops")
    assert "conv.weight" not in {n.input[0] for n in qtool_model.graph.node if n.op_type == "QuantizeLinear"}
    weights = {t.name: numpy_helper.to_array(t) for t in qtool_model.graph.initializer}
    assert weights["conv.weight_quantized"].dtype == np.int8 and weights["conv.weight_zero_point"] == 0
    assert not [n for n in qtool_model.graph.node if n.op_type == "Constant"]


def test_sentinel_ranges_stay_float(tmp_path, qtool):
    """The mask's -3.4e38 (torch.finfo(float32).min for -inf) reaches the float limits: qtool
    leaves the mask and the masked scores float, onnxruntime quantizes them on a grid whose step
    exceeds every real score; everything else is the same."""
    p = Prepared(models.sentinel_mask(float(SENTINEL)), tmp_path)
    sentinels = {name for name, (lo, hi) in p.ranges.items() if max(abs(lo), abs(hi)) >= 1e30}
    assert sentinels == {"mask", "masked"}
    ort_model = p.onnxruntime("default", **PER_TENSOR_ORT)
    qtool_model = p.qtool("default", *MINMAX, "--quantize-isolated-ops")
    assert quantized_tensors(ort_model) - quantized_tensors(qtool_model) == sentinels
    assert quantized_tensors(qtool_model) == {"input", "proj.weight", "scores", "probabilities"}


def test_gemm_keeps_its_beta(tmp_path, qtool):
    """Both fold beta into the int32 bias's scale (s_input · s_weight · beta, same bits); onnxruntime
    then also sets the Gemm's beta to 1, so its model adds C instead of beta · C. qtool keeps
    beta, and its model stays close to the float one."""
    p = Prepared(models.gemm_beta(), tmp_path)
    ort_model = p.onnxruntime("default", **PER_TENSOR_ORT)
    qtool_model = p.qtool("default", *MINMAX)
    gemm = {name: next(n for n in model.graph.node if n.op_type == "Gemm")
            for name, model in (("onnxruntime", ort_model), ("qtool", qtool_model))}
    beta = {name: next(helper.get_attribute_value(a) for a in node.attribute if a.name == "beta") for name, node in gemm.items()}
    assert beta == {"onnxruntime": 1.0, "qtool": 0.5}
    assert initializer_bits(ort_model) == initializer_bits(qtool_model)
    expected = first_output(p.case.model, p.case.samples[0])
    error = {name: np.abs(first_output(model, p.case.samples[0]) - expected).max()
             for name, model in (("onnxruntime", ort_model), ("qtool", qtool_model))}
    assert error["qtool"] < error["onnxruntime"], error


def first_output(model: onnx.ModelProto, sample: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, sample)[0]


def test_hardswish_is_quantized_by_default(tmp_path, qtool):
    """HardSwish is not in onnxruntime's default op types: its output stays float unless named in
    op_types_to_quantize; qtool quantizes it like Sigmoid. Asked for, onnxruntime does the same."""
    p = Prepared(models.hardswish_output(), tmp_path)
    ort_default = p.onnxruntime("default", op_types=ORT_DEFAULT_OPS, **PER_TENSOR_ORT)
    qtool_model = p.qtool("default", *MINMAX)
    assert quantized_tensors(qtool_model) - quantized_tensors(ort_default) == {"hardswish"}
    assert_same_layout(p.onnxruntime("asked", **PER_TENSOR_ORT), qtool_model)


def test_subgraphs_are_quantized(tmp_path, qtool):
    """onnxruntime never enters If/Loop/Scan bodies; qtool quantizes the Convs of both branches
    (calibrated on its interpreter, which sees the branch tensors)."""
    p = Prepared(models.conv_in_if_branches(), tmp_path)
    ort_model = p.onnxruntime("default", **PER_TENSOR_ORT)
    assert not [n for n in all_nodes(ort_model) if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    qtool_model = p.qtool("default", *MINMAX, ranges="own")
    onnx.checker.check_model(qtool_model, full_check=True)
    for branch in next(n for n in qtool_model.graph.node if n.op_type == "If").attribute:
        ops = [n.op_type for n in branch.g.node]
        assert "QuantizeLinear" in ops and ops.count("DequantizeLinear") >= 3, (branch.name, ops)
