"""The com.microsoft quantized ops of onnxruntime's QOperator format (QGemm, QLinearAdd, ...)
on qtool's interpreter against onnxruntime's CPU kernels: one-node models built with
onnx.helper, run by both, outputs required to be identical.

qtool reproduces the arithmetic of onnxruntime's x86-64 kernels (MLAS with AVX2/FMA3 and
AVX-512), so no tolerance is granted to the integer-output ops: they compare exactly. Scale sets
include exact ties (power-of-two ratios with odd zero points) where a different rounding
order would show, and QLinearAdd has cases where onnxruntime's operand order decides the
last bit. The ops with float outputs (DynamicQuantizeLSTM, Attention, QAttention) end in
activations and softmax, and are compared with tolerances derived at each test.
"""

from __future__ import annotations

import subprocess
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from interop_util import QTOOL

MS = "com.microsoft"
F32 = np.float32
DTYPES = [np.uint8, np.int8]


# --------------------------------------------------------------------------
# building and running one-node models
# --------------------------------------------------------------------------

def elem_type(array: np.ndarray) -> int:
    return onnx.helper.np_dtype_to_tensor_dtype(array.dtype)


def one_node_model(op: str, operands: list, attrs: dict | None = None, output_type: int | None = None
                   ) -> tuple[onnx.ModelProto, dict]:
    """A model with one `op` node. `operands` lists (name, array, constant) per input, or None
    for an absent optional input; constants become initializers, the rest graph inputs. The
    output has the type of the first 8-bit operand unless `output_type` says otherwise."""
    names, inputs, initializers, feeds = [], [], [], {}
    if output_type is None:
        output_type = next(elem_type(o[1]) for o in operands if o is not None and o[1].dtype in (np.uint8, np.int8))
    for operand in operands:
        if operand is None:
            names.append("")
            continue
        name, array, constant = operand
        names.append(name)
        if constant:
            initializers.append(numpy_helper.from_array(np.asarray(array), name))
        else:
            inputs.append(helper.make_tensor_value_info(name, elem_type(array), array.shape))
            feeds[name] = array
    node = helper.make_node(op, names, ["result"], domain=MS, **(attrs or {}))
    graph = helper.make_graph([node], op.lower(), inputs, [helper.make_tensor_value_info("result", output_type, None)], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    model.ir_version = 8
    return model, feeds


def run_qtool(tmp_path: Path, model: onnx.ModelProto, feeds: dict) -> dict[str, np.ndarray]:
    """qtool's output per graph output name."""
    path, inputs, outputs = tmp_path / "model.onnx", tmp_path / "inputs", tmp_path / "outputs"
    onnx.save(model, path)
    inputs.mkdir(exist_ok=True)
    for name, array in feeds.items():
        np.save(inputs / f"{name}.npy", array)
    proc = subprocess.run([str(QTOOL), "run", "--model", str(path), "--inputs", str(inputs), "--output-dir", str(outputs)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {o.name: np.load(outputs / f"{o.name}.npy") for o in model.graph.output}


def run_both(tmp_path: Path, model: onnx.ModelProto, feeds: dict) -> tuple[np.ndarray, np.ndarray]:
    """(onnxruntime's output, qtool's output) of the model's single output."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = session.run(None, feeds)[0]
    return expected, run_qtool(tmp_path, model, feeds)["result"]


def assert_identical(tmp_path: Path, model: onnx.ModelProto, feeds: dict, what: str) -> np.ndarray:
    expected, actual = run_both(tmp_path, model, feeds)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, \
        f"{what}: qtool {actual.dtype}{actual.shape}, onnxruntime {expected.dtype}{expected.shape}"
    np.testing.assert_array_equal(actual, expected, err_msg=what)
    return expected


def codes(rng: np.random.Generator, dtype, shape) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)


def zero_point(rng: np.random.Generator, dtype) -> np.ndarray:
    return codes(rng, dtype, ())


def scale(rng: np.random.Generator, low: float = -3, high: float = -1) -> np.ndarray:
    return np.array(10 ** rng.uniform(low, high), F32)


def all_codes(dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.arange(info.min, info.max + 1).astype(dtype)


# --------------------------------------------------------------------------
# QLinearAdd, QLinearMul
# --------------------------------------------------------------------------

BINARY_SHAPES = [
    ((64,), (64,)),
    ((37,), (37,)),          # a tail shorter than the vector width
    ((2, 3, 4, 5), (5,)),
    ((2, 3, 4, 5), (3, 1, 1)),
    ((1,), (37,)),           # input 0 is the scalar of every span: onnxruntime swaps the operands
    ((33,), (1,)),
    ((4, 1), (1, 6)),
    ((3, 1, 5), (3, 4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((4, 1), (1,)),          # all shared axes of size 1: input 0 counts as the scalar
    ((2, 1, 1), (1, 3, 1)),
]


def binary_operands(rng, dtype, shape_a, shape_b, scales):
    """A, B and C's parameters; the zero points are optional in the schema but onnxruntime's
    type inference rejects a QLinearAdd/QLinearMul without them, so they are always given."""
    a, b = codes(rng, dtype, shape_a), codes(rng, dtype, shape_b)
    zps = [zero_point(rng, dtype) for _ in range(3)]
    return [("a", a, False), ("a_scale", scales[0], True), ("a_zero_point", zps[0], True),
            ("b", b, False), ("b_scale", scales[1], True), ("b_zero_point", zps[1], True),
            ("c_scale", scales[2], True), ("c_zero_point", zps[2], True)]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", ["QLinearAdd", "QLinearMul"])
def test_qlinear_binary_broadcasting(tmp_path, op, dtype, shapes):
    rng = np.random.default_rng(zlib.crc32(repr((op, dtype.__name__, shapes)).encode()))
    for index, scales in enumerate([[scale(rng) for _ in range(3)],
                                    # power-of-two ratios: exact halves, where rounding order shows
                                    [np.array(v, F32) for v in (0.5, 0.25, 1.0)],
                                    [np.array(v, F32) for v in (0.125, 0.5, 0.0625)]]):
        model, feeds = one_node_model(op, binary_operands(rng, dtype, *shapes, scales))
        assert_identical(tmp_path, model, feeds, f"{op} {dtype.__name__} {shapes} scales #{index}")


@pytest.mark.parametrize("layout", ["normal", "swapped"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", ["QLinearAdd", "QLinearMul"])
def test_qlinear_binary_every_code_pair(tmp_path, op, dtype, layout):
    """All 65536 pairs of codes per scale set; [256,1] + [1,256] makes input 0 the repeated
    value of each span (onnxruntime's swapped operand order), [1,256] + [256,1] input 1."""
    rng = np.random.default_rng(17 if layout == "normal" else 18)
    column, row = all_codes(dtype).reshape(256, 1), all_codes(dtype).reshape(1, 256)
    a, b = (row, column) if layout == "normal" else (column, row)
    for index in range(6):
        scales = [scale(rng) for _ in range(3)]
        zps = [zero_point(rng, dtype) for _ in range(3)]
        model, feeds = one_node_model(op, [("a", a, False), ("a_scale", scales[0], True), ("a_zero_point", zps[0], True),
                                           ("b", b, False), ("b_scale", scales[1], True), ("b_zero_point", zps[1], True),
                                           ("c_scale", scales[2], True), ("c_zero_point", zps[2], True)])
        assert_identical(tmp_path, model, feeds, f"{op} {dtype.__name__} {layout} scale set {index}")


# Parameters where QLinearAdd's two operand orders round differently (found by search):
# (A_scale, B_scale, C_scale, A_zp, B_zp, C_zp, a, b, result in order A, B, result swapped).
SWAP_SENSITIVE = [
    (0.02221901, 0.002537652, 0.06351293, 254, 55, 156, 87, 3, 96, 95),
    (0.0022148238, 0.0011198819, 0.0476705, 22, 2, 119, 178, 183, 131, 130),
    (0.06187504, 0.0011321052, 0.04076355, 153, 135, 48, 139, 18, 23, 24),
]


@pytest.mark.parametrize("case", SWAP_SENSITIVE)
def test_qlinear_add_operand_order(tmp_path, case):
    """A one-element input 0 is handed to MLAS as its second operand: the last bit follows."""
    sa, sb, sc, za, zb, zc, a, b, normal, swapped = case
    for shape_a, shape_b, want in [((4,), (4,), normal), ((4,), (1,), normal), ((1,), (4,), swapped), ((), (2, 2), swapped)]:
        operands = [("a", np.full(shape_a, a, np.uint8), False), ("a_scale", np.array(sa, F32), True),
                    ("a_zero_point", np.array(za, np.uint8), True), ("b", np.full(shape_b, b, np.uint8), False),
                    ("b_scale", np.array(sb, F32), True), ("b_zero_point", np.array(zb, np.uint8), True),
                    ("c_scale", np.array(sc, F32), True), ("c_zero_point", np.array(zc, np.uint8), True)]
        model, feeds = one_node_model("QLinearAdd", operands)
        expected = assert_identical(tmp_path, model, feeds, f"QLinearAdd {shape_a}+{shape_b} {case}")
        assert (expected == want).all(), "the case no longer tells the operand orders apart"


# --------------------------------------------------------------------------
# QGemm
# --------------------------------------------------------------------------

GEMM_CASES = [
    # (A type, B type, M, K, N, transA, transB, per-column B, C shape or None, quantized output, alpha)
    (np.uint8, np.int8, 4, 16, 8, 0, 0, False, None, True, 1.0),
    (np.uint8, np.int8, 7, 33, 5, 0, 1, True, (5,), True, 1.0),
    (np.uint8, np.uint8, 3, 20, 6, 1, 0, False, (1, 6), True, 1.0),
    (np.uint8, np.uint8, 5, 9, 4, 1, 1, True, (5, 1), True, 0.5),
    (np.int8, np.int8, 6, 64, 10, 0, 0, True, (6, 10), True, 1.0),
    (np.int8, np.int8, 2, 17, 3, 0, 1, False, (), True, 2.0),
    (np.uint8, np.int8, 4, 12, 6, 0, 0, True, (6,), False, 1.0),
    (np.int8, np.int8, 3, 8, 5, 1, 1, False, None, False, 0.75),
    (np.uint8, np.int8, 64, 96, 48, 0, 1, True, (48,), True, 1.0),
    (np.uint8, np.uint8, 200, 300, 70, 0, 0, False, (70,), True, 1.0),
]


@pytest.mark.parametrize("b_constant", [True, False], ids=["B-initializer", "B-input"])
@pytest.mark.parametrize("case", GEMM_CASES, ids=lambda c: "-".join(str(v.__name__ if isinstance(v, type) else v) for v in c))
def test_qgemm(tmp_path, case, b_constant):
    """onnxruntime prepacks a constant B; a B fed at run time takes its unpacked path."""
    a_type, b_type, m, k, n, trans_a, trans_b, per_column, c_shape, quantized, alpha = case
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = codes(rng, a_type, (k, m) if trans_a else (m, k))
    b = codes(rng, b_type, (n, k) if trans_b else (k, n))
    b_scale = np.array([10 ** rng.uniform(-3, -2) for _ in range(n)], F32) if per_column else scale(rng, -3, -2)
    b_zero = codes(rng, b_type, (n,)) if per_column else zero_point(rng, b_type)
    operands = [("a", a, False), ("a_scale", scale(rng, -2, -1), True), ("a_zero_point", zero_point(rng, a_type), True),
                ("b", b, b_constant), ("b_scale", b_scale, True), ("b_zero_point", b_zero, True),
                ("c", rng.integers(-5000, 5000, size=c_shape).astype(np.int32), True) if c_shape is not None else None]
    if quantized:
        operands += [("y_scale", scale(rng, -2, 0), True), ("y_zero_point", zero_point(rng, a_type), True)]
    attrs = {"transA": trans_a, "transB": trans_b, "alpha": alpha}
    model, feeds = one_node_model("QGemm", operands, attrs, None if quantized else TensorProto.FLOAT)
    assert_identical(tmp_path, model, feeds, f"QGemm {case}")


# --------------------------------------------------------------------------
# QLinearGlobalAveragePool, QLinearAveragePool
# --------------------------------------------------------------------------

def pool_operands(rng, dtype, shape):
    """x with its parameters and the output's; QLinearAveragePool's zero points are optional
    in the schema, but onnxruntime's type inference rejects the node without them."""
    return [("x", codes(rng, dtype, shape), False), ("x_scale", scale(rng, -2, -1), True),
            ("x_zero_point", zero_point(rng, dtype), True), ("y_scale", scale(rng, -2, -1), True),
            ("y_zero_point", zero_point(rng, dtype), True)]


@pytest.mark.parametrize("channels_last", [0, 1])
@pytest.mark.parametrize("shape", [(1, 8, 7, 7), (2, 3, 5, 4), (2, 16, 1, 1), (1, 5, 9), (1, 4, 3, 2, 5), (2, 1, 6, 6),
                                   (1, 96, 28, 28)])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_global_average_pool(tmp_path, dtype, shape, channels_last):
    rng = np.random.default_rng(sum(shape) * 7 + channels_last)
    model, feeds = one_node_model("QLinearGlobalAveragePool", pool_operands(rng, dtype, shape), {"channels_last": channels_last})
    assert_identical(tmp_path, model, feeds, f"QLinearGlobalAveragePool {shape} channels_last={channels_last}")


AVERAGE_POOL_CASES = [
    # (input shape in NCHW order, attributes)
    ((1, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    ((2, 4, 7, 9), {"kernel_shape": [3, 3]}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1, "count_include_pad": 1}),
    ((1, 3, 6, 5), {"kernel_shape": [3, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 3, 6, 5), {"kernel_shape": [3, 2], "strides": [2, 1], "auto_pad": "SAME_LOWER"}),
    ((1, 3, 6, 5), {"kernel_shape": [2, 2], "auto_pad": "VALID"}),
    ((2, 3, 10), {"kernel_shape": [3], "strides": [2], "pads": [1, 2]}),
    ((1, 2, 4, 5, 6), {"kernel_shape": [2, 3, 2], "strides": [2, 1, 2], "pads": [0, 1, 1, 1, 0, 0]}),
    ((1, 4, 5, 5), {"kernel_shape": [5, 5]}),  # the whole image: onnxruntime's global average path
    ((2, 3, 4, 6), {"kernel_shape": [4, 6], "strides": [1, 1]}),
    ((1, 32, 40, 40), {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
]


@pytest.mark.parametrize("channels_last", [0, 1])
@pytest.mark.parametrize("case", AVERAGE_POOL_CASES, ids=lambda c: f"{c[0]}-{'-'.join(f'{k}{v}' for k, v in c[1].items())}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_average_pool(tmp_path, dtype, case, channels_last):
    shape, attrs = case
    if channels_last:
        shape = (shape[0],) + shape[2:] + (shape[1],)
    rng = np.random.default_rng(len(AVERAGE_POOL_CASES) + sum(shape) + channels_last)
    model, feeds = one_node_model("QLinearAveragePool", pool_operands(rng, dtype, shape), dict(attrs, channels_last=channels_last))
    assert_identical(tmp_path, model, feeds, f"QLinearAveragePool {shape} {attrs} channels_last={channels_last}")


# --------------------------------------------------------------------------
# QLinearConcat, QLinearWhere
# --------------------------------------------------------------------------

CONCAT_CASES = [
    # (shapes, axis, index of an input that shares the output's scale and zero point, or None)
    ([(2, 3, 4), (2, 5, 4)], 1, None),
    ([(2, 3), (2, 3), (2, 1)], -1, 1),
    ([(1, 4, 2, 2), (3, 4, 2, 2)], 0, None),
    ([(3, 2, 7), (3, 2, 1), (3, 2, 2)], 2, 0),
]


@pytest.mark.parametrize("case", CONCAT_CASES, ids=lambda c: f"axis{c[1]}-{len(c[0])}inputs")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_concat(tmp_path, dtype, case):
    shapes, axis, shared = case
    rng = np.random.default_rng(axis + 10 * len(shapes))
    y_scale, y_zero = scale(rng, -2, -1), zero_point(rng, dtype)
    operands = [("y_scale", y_scale, True), ("y_zero_point", y_zero, True)]
    for i, shape in enumerate(shapes):
        same = i == shared
        operands += [(f"x{i}", codes(rng, dtype, shape), False), (f"x{i}_scale", y_scale if same else scale(rng, -2, -1), True),
                     (f"x{i}_zero_point", y_zero if same else zero_point(rng, dtype), True)]
    model, feeds = one_node_model("QLinearConcat", operands, {"axis": axis})
    assert_identical(tmp_path, model, feeds, f"QLinearConcat {case}")


WHERE_SHAPES = [((4, 5), (4, 5), (4, 5)), ((2, 1, 5), (3, 1), (1, 5)), ((6,), (1,), (6,)), ((3, 4), (3, 4), ())]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_where(tmp_path, dtype, shapes):
    rng = np.random.default_rng(len(shapes[0]) * 13 + len(shapes[1]))
    condition = rng.integers(0, 2, size=shapes[0]).astype(bool)
    for same_as_output in [False, True]:
        z_scale, z_zero = scale(rng, -2, -1), zero_point(rng, dtype)
        x_scale, x_zero = (z_scale, z_zero) if same_as_output else (scale(rng, -2, -1), zero_point(rng, dtype))
        operands = [("condition", condition, False),
                    ("x", codes(rng, dtype, shapes[1]), False), ("x_scale", x_scale, True), ("x_zero_point", x_zero, True),
                    ("y", codes(rng, dtype, shapes[2]), False), ("y_scale", scale(rng, -2, -1), True),
                    ("y_zero_point", zero_point(rng, dtype), True), ("z_scale", z_scale, True), ("z_zero_point", z_zero, True)]
        model, feeds = one_node_model("QLinearWhere", operands)
        assert_identical(tmp_path, model, feeds, f"QLinearWhere {shapes} x copied={same_as_output}")


# --------------------------------------------------------------------------
# QLinearSigmoid, QLinearLeakyRelu
# --------------------------------------------------------------------------

LOOKUP_CASES = [("QLinearSigmoid", {}), ("QLinearLeakyRelu", {}), ("QLinearLeakyRelu", {"alpha": 0.2}),
                ("QLinearLeakyRelu", {"alpha": 0.01}), ("QLinearLeakyRelu", {"alpha": 1.5})]


@pytest.mark.parametrize("case", LOOKUP_CASES, ids=lambda c: f"{c[0]}-{c[1].get('alpha', 'default')}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_lookup_every_code(tmp_path, dtype, case):
    """Every input code against several scale sets: the whole 256-entry table each time."""
    op, attrs = case
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    for index in range(8):
        x_scale = scale(rng, -3, -0.5)
        # Odd sigmoid sets use onnxruntime's quantizer's output scale for sigmoid, 1/256.
        y_scale = np.array(1 / 256, F32) if op == "QLinearSigmoid" and index % 2 else scale(rng, -3, -1)
        operands = [("x", np.tile(all_codes(dtype), 3).reshape(3, 16, 16), False), ("x_scale", x_scale, True),
                    ("x_zero_point", zero_point(rng, dtype), True), ("y_scale", y_scale, True),
                    # set 3 leaves out the optional output zero point (0)
                    ("y_zero_point", zero_point(rng, dtype), True) if index != 3 else None]
        model, feeds = one_node_model(op, operands, attrs)
        assert_identical(tmp_path, model, feeds, f"{op} {dtype.__name__} {attrs} scale set {index}")


# --------------------------------------------------------------------------
# QLinearSoftmax
# --------------------------------------------------------------------------

SOFTMAX_CASES = [
    # (shape, opset attribute, axis or None)
    ((4, 10), 13, None),
    ((2, 3, 5), 13, 1),
    ((2, 3, 5), 13, 0),
    ((3, 7, 4), 12, 1),
    ((3, 7, 4), 11, 2),
    ((3, 7, 4), 12, None),
    ((1, 300), 13, -1),
    ((2, 2, 2, 9), 13, 2),
    ((512, 1000), 13, -1),
]


@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=lambda c: f"{c[0]}-opset{c[1]}-axis{c[2]}")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_qlinear_softmax(tmp_path, dtype, case):
    shape, opset, axis = case
    rng = np.random.default_rng(sum(shape) + opset)
    for index in range(4):
        # onnxruntime's quantizer gives softmax outputs scale 1/256 with zero point 0 (uint8)
        # or -128 (int8); other sets exercise the general formula.
        standard = index < 2
        y_scale = np.array(1 / 256, F32) if standard else scale(rng, -3, -1.5)
        y_zero = np.array(0 if dtype == np.uint8 else -128, dtype) if standard else zero_point(rng, dtype)
        # Set 1 has a wide x_scale: rows are dominated by their maximum, whose output (256 at
        # scale 1/256) must saturate.
        x_scale = np.array(0.5, F32) if index == 1 else scale(rng, -2, -0.5)
        operands = [("x", codes(rng, dtype, shape), False), ("x_scale", x_scale, True),
                    ("x_zero_point", zero_point(rng, dtype), True), ("y_scale", y_scale, True), ("y_zero_point", y_zero, True)]
        attrs = {"opset": opset} | ({} if axis is None else {"axis": axis})
        model, feeds = one_node_model("QLinearSoftmax", operands, attrs)
        assert_identical(tmp_path, model, feeds, f"QLinearSoftmax {dtype.__name__} {case} set {index}")


# --------------------------------------------------------------------------
# a whole model from onnxruntime's QOperator quantizer
# --------------------------------------------------------------------------

def small_float_model(rng: np.random.Generator) -> onnx.ModelProto:
    """Conv, LeakyRelu, Sigmoid, Mul, Add, AveragePool, MaxPool, Concat, GlobalAveragePool,
    Gemm and Softmax: every op the QOperator quantizer turns into a com.microsoft op here."""
    def weight(name, shape, spread=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * spread).astype(F32), name)
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("LeakyRelu", ["c1"], ["r1"], alpha=0.1),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["c2"], ["s2"]),
        helper.make_node("Mul", ["r1", "s2"], ["m"]),
        helper.make_node("Add", ["m", "r1"], ["a"]),
        helper.make_node("AveragePool", ["a"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("MaxPool", ["a"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Concat", ["p", "p2"], ["cat"], axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "wg", "bg"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], axis=-1),
    ]
    weights = [weight("w1", (8, 3, 3, 3)), weight("b1", (8,), 0.1), weight("w2", (8, 8, 3, 3), 0.1), weight("b2", (8,), 0.1),
               weight("wg", (10, 16)), weight("bg", (10,), 0.1)]
    graph = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("types", [("QUInt8", "QInt8"), ("QInt8", "QInt8"), ("QUInt8", "QUInt8")], ids=lambda t: f"{t[0]}-{t[1]}")
def test_quantized_model_from_onnxruntime(tmp_path, types):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    rng = np.random.default_rng(0)
    samples = [{"x": rng.standard_normal((1, 3, 16, 16)).astype(F32)} for _ in range(9)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.samples = iter(samples[:8])

        def get_next(self):
            return next(self.samples, None)

    onnx.save(small_float_model(rng), tmp_path / "float.onnx")
    quantize_static(str(tmp_path / "float.onnx"), str(tmp_path / "quantized.onnx"), Reader(), quant_format=QuantFormat.QOperator,
                    activation_type=getattr(QuantType, types[0]), weight_type=getattr(QuantType, types[1]))
    model = onnx.load(tmp_path / "quantized.onnx")
    emitted = {n.op_type for n in model.graph.node if n.domain == MS}
    assert {"QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearConcat", "QLinearAveragePool",
            "QLinearGlobalAveragePool", "QGemm", "QLinearSoftmax"} <= emitted, emitted
    model.graph.output[0].name = "result"
    for node in model.graph.node:
        node.output[:] = ["result" if name == "y" else name for name in node.output]
    assert_identical(tmp_path, model, samples[8], f"QOperator model {types}")


# --------------------------------------------------------------------------
# the float-output ops: DynamicQuantizeLSTM, Attention, QAttention
# --------------------------------------------------------------------------
# These end in float arithmetic (activations, softmax, exp) that qtool and onnxruntime compute
# with different approximations and summation orders, so they are compared with tolerances
# derived per op below rather than bit for bit.

def multi_output_model(op: str, operands: list, outputs: list[str], attrs: dict) -> tuple[onnx.ModelProto, dict]:
    """Like one_node_model, with float outputs named `outputs` ("" leaves one out)."""
    model, feeds = one_node_model(op, operands, attrs, output_type=TensorProto.FLOAT)
    node = model.graph.node[0]
    node.output[:] = outputs
    model.graph.ClearField("output")
    model.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs if name)
    return model, feeds


def run_both_outputs(tmp_path: Path, model: onnx.ModelProto, feeds: dict) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, onnxruntime's, qtool's) per graph output. onnxruntime runs one intra-op thread:
    its LSTM splits the batch across threads and quantizes each part's H with its own range."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in model.graph.output]
    expected, actual = session.run(names, feeds), run_qtool(tmp_path, model, feeds)
    for name, reference in zip(names, expected):
        assert actual[name].shape == reference.shape, f"{name}: qtool {actual[name].shape}, onnxruntime {reference.shape}"
    return [(name, reference, actual[name]) for name, reference in zip(names, expected)]


def quantize_weights(w: np.ndarray, per_channel: bool, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """w [directions, rows, columns] quantized along its last axis (one scale per column, or
    one per direction), symmetric as onnxruntime's quantizer does for weights: zero point 0
    for int8, 128 for uint8 (its LSTM kernel reads one uint8 zero point per direction)."""
    scales = (np.abs(w).max(axis=1 if per_channel else (1, 2)) / 127).astype(F32)
    zeros = np.full(scales.shape, 0 if dtype == np.int8 else 128, dtype)
    shape = (-1, 1, w.shape[2]) if per_channel else (-1, 1, 1)
    info = np.iinfo(dtype)
    q = np.round(w / scales.reshape(shape)) + zeros.reshape(shape).astype(np.int32)
    return np.clip(q, info.min, info.max).astype(dtype), scales, zeros


LSTM_CASES = [(direction, per_channel, dtype, extras)
              for direction in ["forward", "reverse", "bidirectional"]
              for per_channel, dtype in [(False, np.int8), (True, np.int8), (False, np.uint8)]
              for extras in ["plain", "states+peepholes+lengths", "lengths-without-Y"]]


@pytest.mark.parametrize("direction,per_channel,dtype,extras", LSTM_CASES,
                         ids=lambda v: v if isinstance(v, str) else ("per-channel" if v is True else "per-tensor" if v is False
                                                                      else np.dtype(v).name))
def test_dynamic_quantize_lstm(tmp_path, direction, per_channel, dtype, extras):
    """Tolerance: both sides quantize X (once) and H (per step) to uint8 with the same formula,
    so the int32 sums are equal and what differs is float rounding in the gates (~1e-6). A
    rounding difference can move one H value across a code boundary, changing that code by 1
    and each pre-activation it feeds by s_H·|R| <= (2/255)·max|R| (|h| < 1 so s_H <= 2/255);
    sigmoid and tanh do not amplify it. So every element must be within 4 such steps, and at
    least 90% of them within 1e-4 (a wrong scale, zero point or weight layout is off by 0.1 and
    more everywhere)."""
    rng = np.random.default_rng(zlib.crc32(f"{direction}{per_channel}{np.dtype(dtype).name}{extras}".encode()))
    seq, batch, size, hidden = (int(v) for v in (rng.integers(2, 7), rng.integers(1, 5), rng.integers(3, 13), rng.integers(2, 11)))
    dirs = 2 if direction == "bidirectional" else 1
    w = rng.uniform(-0.6, 0.6, (dirs, 4 * hidden, size)).astype(F32)
    r = rng.uniform(-0.6, 0.6, (dirs, 4 * hidden, hidden)).astype(F32)
    # onnxruntime's layout: [directions, input, 4·hidden], quantized per gate unit (a column).
    wq, ws, wz = quantize_weights(w.transpose(0, 2, 1), per_channel, dtype)
    rq, rs, rz = quantize_weights(r.transpose(0, 2, 1), per_channel, dtype)
    x = rng.standard_normal((seq, batch, size)).astype(F32)
    full, with_lengths = extras.startswith("states"), extras != "plain"
    lengths = rng.integers(1, seq + 1, batch).astype(np.int32) if with_lengths else None
    if with_lengths and batch > 1:
        lengths[0] = seq
    state = lambda: rng.standard_normal((dirs, batch, hidden)).astype(F32) * 0.5  # noqa: E731
    operands = [("X", x, False), ("W", wq, True), ("R", rq, True),
                ("B", rng.uniform(-0.5, 0.5, (dirs, 8 * hidden)).astype(F32), True),
                ("sequence_lens", lengths, False) if with_lengths else None,
                ("initial_h", state(), False) if full else None, ("initial_c", state(), False) if full else None,
                ("P", rng.uniform(-0.5, 0.5, (dirs, 3 * hidden)).astype(F32), True) if full else None,
                ("W_scale", ws, True), ("W_zero_point", wz, True), ("R_scale", rs, True), ("R_zero_point", rz, True)]
    # Without Y, onnxruntime's H range also covers the final states of ended entries.
    outputs = ["", "Y_h", "Y_c"] if extras == "lengths-without-Y" else ["Y", "Y_h", "Y_c"]
    model, feeds = multi_output_model("DynamicQuantizeLSTM", operands, outputs,
                                      {"hidden_size": hidden, "direction": direction})
    step = 2 / 255 * float(np.abs(r).max())
    for name, expected, actual in run_both_outputs(tmp_path, model, feeds):
        error = np.abs(actual - expected)
        assert error.max() <= 4 * step, f"{name}: max error {error.max():.3g} > {4 * step:.3g}"
        assert np.mean(error <= 1e-4) >= 0.9, f"{name}: only {np.mean(error <= 1e-4):.0%} within 1e-4"


def attention_operands(rng, batch: int, seq: int, hidden: int, mask: str, past: int):
    """Float input, packed QKV weights and bias, and a mask_index of the given form."""
    x = rng.standard_normal((batch, seq, hidden)).astype(F32)
    w = (rng.standard_normal((hidden, 3 * hidden)) / np.sqrt(hidden)).astype(F32)
    b = (rng.standard_normal(3 * hidden) * 0.1).astype(F32)
    total = past + seq
    lengths = rng.integers(1, total + 1, batch).astype(np.int32)
    masks = {
        "none": None,
        "key-lengths": lengths,
        "end-start": np.concatenate([lengths, np.minimum(rng.integers(0, 2, batch), lengths - 1)]).astype(np.int32),
        "raw-2d": (rng.random((batch, total)) < 0.7).astype(np.int32),
        "dummy-2d": np.ones((batch, 1), np.int32),
        "3d": (rng.random((batch, seq, total)) < 0.7).astype(np.int32),
    }
    return x, w, b, masks[mask]


ATTENTION_MASKS = ["none", "key-lengths", "end-start", "raw-2d", "dummy-2d", "3d"]


def assert_attention_close(results, what: str):
    """Tolerance: the products are float dot products of at most 64 terms and the softmax
    differs in its exp approximation, each ~1e-7 relative; outputs are convex combinations of
    V rows, so 1e-5 relative to the largest output covers rounding, while a wrong head split,
    scale or mask moves outputs by 0.01 and more."""
    for name, expected, actual in results:
        bound = 1e-5 * max(1.0, float(np.abs(expected).max()))
        error = np.abs(actual - expected).max()
        assert error <= bound, f"{what} {name}: max error {error:.3g} > {bound:.3g}"


@pytest.mark.parametrize("mask", ATTENTION_MASKS)
@pytest.mark.parametrize("unidirectional", [0, 1])
def test_attention(tmp_path, mask, unidirectional):
    rng = np.random.default_rng(zlib.crc32(f"attention{mask}{unidirectional}".encode()))
    heads, head_size = int(rng.integers(1, 4)), int(rng.integers(2, 9))
    batch, seq, hidden = int(rng.integers(1, 4)), int(rng.integers(1, 7)), heads * head_size
    past_length = int(rng.integers(1, 4)) if mask in ("none", "raw-2d") else 0
    x, w, b, mask_index = attention_operands(rng, batch, seq, hidden, mask, past_length)
    past = rng.standard_normal((2, batch, heads, past_length, head_size)).astype(F32) if past_length else None
    operands = [("input", x, False), ("weights", w, True), ("bias", b, True),
                ("mask_index", mask_index, False) if mask_index is not None else None,
                ("past", past, False) if past is not None else None]
    model, feeds = multi_output_model("Attention", operands, ["output", "present"],
                                      {"num_heads": heads, "unidirectional": unidirectional})
    assert_attention_close(run_both_outputs(tmp_path, model, feeds), f"Attention mask={mask}")


@pytest.mark.parametrize("mask", ["none", "key-lengths", "raw-2d", "3d"])
@pytest.mark.parametrize("dtype,per_column", [(np.int8, False), (np.uint8, False), (np.int8, True)],
                         ids=["int8", "uint8", "int8-per-column"])
def test_qattention(tmp_path, mask, dtype, per_column):
    """QAttention against onnxruntime's QAttention, or (per-column weight scales, which
    onnxruntime's kernel rejects) against its float Attention on the dequantized operands:
    both equal the float attention of (x − zx)·sx and (w − zw)·sw up to rounding."""
    rng = np.random.default_rng(zlib.crc32(f"qattention{mask}{np.dtype(dtype).name}{per_column}".encode()))
    heads, head_size = int(rng.integers(1, 4)), int(rng.integers(2, 9))
    batch, seq, hidden = int(rng.integers(1, 4)), int(rng.integers(1, 7)), heads * head_size
    x, w, b, mask_index = attention_operands(rng, batch, seq, hidden, mask, 0)
    x_scale, x_zero = np.array(np.abs(x).max() / 127, F32), np.array(128, np.uint8)
    xq = np.clip(np.round(x / x_scale) + 128, 0, 255).astype(np.uint8)
    wq, w_scale, w_zero = quantize_weights(w[None], per_column, dtype)
    wq, w_scale, w_zero = wq[0], w_scale.reshape(-1), w_zero.reshape(-1)
    if not per_column:
        w_scale, w_zero = w_scale[0], w_zero[0]
    operands = [("input", xq, False), ("weight", wq, True), ("bias", b, True), ("input_scale", x_scale, True),
                ("weight_scale", w_scale, True), ("mask_index", mask_index, False) if mask_index is not None else None,
                ("input_zero_point", x_zero, True), ("weight_zero_point", w_zero, True)]
    model, feeds = multi_output_model("QAttention", operands, ["output"], {"num_heads": heads})
    if not per_column:
        assert_attention_close(run_both_outputs(tmp_path, model, feeds), "QAttention")
        return
    dequantized_x = ((xq.astype(np.int32) - 128) * x_scale).astype(F32)
    dequantized_w = ((wq.astype(np.int32) - w_zero.astype(np.int32)) * w_scale).astype(F32)
    float_model, float_feeds = multi_output_model(
        "Attention", [("input", dequantized_x, False), ("weights", dequantized_w, True), ("bias", b, True),
                      ("mask_index", mask_index, False) if mask_index is not None else None], ["output"], {"num_heads": heads})
    session = ort.InferenceSession(float_model.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = session.run(None, float_feeds)[0]
    actual = run_qtool(tmp_path, model, feeds)["output"]
    assert_attention_close([("output", expected, actual)], "QAttention per column vs float Attention")

