#!/usr/bin/env python3
"""Deterministic generator of qtool's small fixture models.

Writes every model into Fixtures/models/ with onnx.save (canonical protobuf
serialization), plus MANIFEST.txt. Fixed seeds, no timestamps, no absolute
paths: running it twice gives identical bytes (checked by --check).

    .venv/bin/python Fixtures/gen/make_fixtures.py          # regenerate
    .venv/bin/python Fixtures/gen/make_fixtures.py --check  # regenerate in a
        temporary folder and fail if anything differs from Fixtures/models

Each model is either
  valid  - passes onnx.checker.check_model(full_check=True) and loads (and
           runs) in onnxruntime; the interop tests check qtool's outputs of
           these with the checker and onnxruntime too;
  exotic - only for round-trip/inspect tests: uses every corner of the
           format (custom-domain nodes, all attribute and tensor types,
           training_info, ...) that the checker or onnxruntime may refuse.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx
from onnx import (
    AttributeProto,
    FunctionProto,
    GraphProto,
    ModelProto,
    NodeProto,
    SparseTensorProto,
    TensorProto,
    TypeProto,
    ValueInfoProto,
    helper,
    numpy_helper,
)

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "models"))

PRODUCER = "qtool-fixtures"
PRODUCER_VERSION = "1"
CUSTOM_DOMAIN = "com.example.qtool"

# (file name, "valid"|"exotic", description) in the order they are written.
MANIFEST: list[tuple[str, str, str]] = []


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def entry(key: str, value: str) -> onnx.StringStringEntryProto:
    e = onnx.StringStringEntryProto()
    e.key = key
    e.value = value
    return e


def opset(domain: str, version: int) -> onnx.OperatorSetIdProto:
    return helper.make_operatorsetid(domain, version)


def finish(model: ModelProto, ir_version: int) -> ModelProto:
    model.ir_version = ir_version
    model.producer_name = PRODUCER
    model.producer_version = PRODUCER_VERSION
    return model


def f32(rng: np.random.Generator, shape, scale=1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def tensor_vi(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def write(model: ModelProto, out_dir: str, name: str, kind: str, what: str, **save_kwargs) -> None:
    assert kind in ("valid", "exotic")
    path = os.path.join(out_dir, name)
    # onnx.save appends to an existing external data file: start clean.
    loc = save_kwargs.get("location")
    if loc and os.path.exists(os.path.join(out_dir, loc)):
        os.remove(os.path.join(out_dir, loc))
    onnx.save(model, path, **save_kwargs)
    MANIFEST.append((name, kind, what))


# --------------------------------------------------------------------------
# valid models
# --------------------------------------------------------------------------

def small_cnn() -> ModelProto:
    """Conv-BN-ReLU-MaxPool x2, Flatten, Gemm; opset 13, symbolic batch."""
    rng = np.random.default_rng(1001)

    def conv_bn(prefix, cin, cout, x, out):
        w = numpy_helper.from_array(f32(rng, (cout, cin, 3, 3), (2.0 / (cin * 9)) ** 0.5), f"{prefix}.weight")
        b = numpy_helper.from_array(f32(rng, (cout,), 0.1), f"{prefix}.bias")
        scale = numpy_helper.from_array((1.0 + 0.1 * rng.standard_normal(cout)).astype(np.float32), f"{prefix}.bn.scale")
        bias = numpy_helper.from_array(f32(rng, (cout,), 0.1), f"{prefix}.bn.bias")
        mean = numpy_helper.from_array(f32(rng, (cout,), 0.2), f"{prefix}.bn.mean")
        var = numpy_helper.from_array(rng.uniform(0.5, 1.5, cout).astype(np.float32), f"{prefix}.bn.var")
        nodes = [
            helper.make_node("Conv", [x, w.name, b.name], [f"{prefix}.conv_out"], name=f"{prefix}.conv",
                             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
            helper.make_node("BatchNormalization", [f"{prefix}.conv_out", scale.name, bias.name, mean.name, var.name],
                             [f"{prefix}.bn_out"], name=f"{prefix}.bn", epsilon=1e-5),
            helper.make_node("Relu", [f"{prefix}.bn_out"], [f"{prefix}.relu_out"], name=f"{prefix}.relu"),
            helper.make_node("MaxPool", [f"{prefix}.relu_out"], [out], name=f"{prefix}.pool",
                             kernel_shape=[2, 2], strides=[2, 2]),
        ]
        return nodes, [w, b, scale, bias, mean, var]

    n1, i1 = conv_bn("block1", 3, 8, "input", "block1.out")
    n2, i2 = conv_bn("block2", 8, 16, "block1.out", "block2.out")
    fc_w = numpy_helper.from_array(f32(rng, (10, 16 * 8 * 8), (1.0 / 1024) ** 0.5), "fc.weight")
    fc_b = numpy_helper.from_array(f32(rng, (10,), 0.01), "fc.bias")
    nodes = n1 + n2 + [
        helper.make_node("Flatten", ["block2.out"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", fc_w.name, fc_b.name], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "small_cnn",
        [tensor_vi("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [tensor_vi("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=i1 + i2 + [fc_w, fc_b],
        doc_string="A small image classifier (random weights) for qtool's README demo.",
    )
    model = helper.make_model(graph, opset_imports=[opset("", 13)])
    model.doc_string = "small_cnn: Conv-BN-ReLU-MaxPool x2 + Gemm, 3x32x32 -> 10 classes"
    model.model_version = 1
    return finish(model, 8)


def subgraphs() -> ModelProto:
    """If / Loop (with a nested If) / Scan, all bodies use outer-scope names."""
    rng = np.random.default_rng(1002)
    F = TensorProto.FLOAT
    scale = numpy_helper.from_array(f32(rng, (4,)), "scale")
    offset = numpy_helper.from_array(f32(rng, (4,)), "offset")
    s0 = numpy_helper.from_array(np.zeros(4, np.float32), "scan_init")
    cond_true = numpy_helper.from_array(np.array(True), "cond_true")

    then_g = helper.make_graph(
        [helper.make_node("Mul", ["x", "scale"], ["then_out"], name="then_mul")],
        "then_branch", [], [tensor_vi("then_out", F, ["N", 4])])
    else_g = helper.make_graph(
        [helper.make_node("Add", ["x", "offset"], ["else_out"], name="else_add")],
        "else_branch", [], [tensor_vi("else_out", F, ["N", 4])])
    if_node = helper.make_node("If", ["cond"], ["y_if"], name="top_if", then_branch=then_g, else_branch=else_g)

    # Loop body: v_out = v_in + scale (outer scope), then a nested If on
    # the outer-scope input "cond" choosing Identity or Neg of it, where the
    # nested branches reference the body's own value "v_add".
    inner_then = helper.make_graph(
        [helper.make_node("Identity", ["v_add"], ["inner_then_out"], name="inner_identity")],
        "inner_then", [], [tensor_vi("inner_then_out", F, ["N", 4])])
    inner_else = helper.make_graph(
        [helper.make_node("Neg", ["v_add"], ["inner_else_out"], name="inner_neg")],
        "inner_else", [], [tensor_vi("inner_else_out", F, ["N", 4])])
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond"),
            helper.make_node("Add", ["v_in", "scale"], ["v_add"], name="body_add"),
            helper.make_node("If", ["cond"], ["v_out"], name="body_if", then_branch=inner_then, else_branch=inner_else),
            helper.make_node("Mul", ["v_out", "offset"], ["v_scan"], name="body_scan_out"),
        ],
        "loop_body",
        [tensor_vi("iter", TensorProto.INT64, []), tensor_vi("cond_in", TensorProto.BOOL, []),
         tensor_vi("v_in", F, ["N", 4])],
        [tensor_vi("cond_out", TensorProto.BOOL, []), tensor_vi("v_out", F, ["N", 4]),
         tensor_vi("v_scan", F, ["N", 4])])
    loop_node = helper.make_node("Loop", ["trip", "cond_true", "x"], ["y_loop", "y_loop_scan"], name="top_loop", body=body)

    scan_body = helper.make_graph(
        [
            helper.make_node("Add", ["s_in", "x_t"], ["s_out"], name="scan_add"),
            helper.make_node("Mul", ["s_out", "scale"], ["y_t"], name="scan_mul"),
        ],
        "scan_body",
        [tensor_vi("s_in", F, [4]), tensor_vi("x_t", F, [4])],
        [tensor_vi("s_out", F, [4]), tensor_vi("y_t", F, [4])])
    scan_node = helper.make_node("Scan", ["scan_init", "x"], ["scan_state", "scan_out"], name="top_scan",
                                 body=scan_body, num_scan_inputs=1)

    graph = helper.make_graph(
        [if_node, loop_node, scan_node], "subgraphs",
        [tensor_vi("x", F, ["N", 4]), tensor_vi("cond", TensorProto.BOOL, []),
         tensor_vi("trip", TensorProto.INT64, [])],
        [tensor_vi("y_if", F, ["N", 4]), tensor_vi("y_loop", F, ["N", 4]),
         tensor_vi("y_loop_scan", F, [None, "N", 4]), tensor_vi("scan_state", F, [4]),
         tensor_vi("scan_out", F, ["N", 4])],
        initializer=[scale, offset, s0, cond_true],
    )
    model = helper.make_model(graph, opset_imports=[opset("", 16)])
    return finish(model, 8)


# (ir_version, opset) pairs; each a tiny valid model.
IR_OPSETS = [(3, 8), (4, 9), (5, 10), (6, 11), (7, 12), (8, 14), (9, 19), (10, 21), (11, 23)]


def ir_model(ir: int, op: int) -> ModelProto:
    rng = np.random.default_rng(2000 + ir)
    F = TensorProto.FLOAT
    w = numpy_helper.from_array(f32(rng, (3, 4)), "w")
    b = numpy_helper.from_array(f32(rng, (4,)), "b")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["mm"], name="matmul"),
        helper.make_node("Add", ["mm", "b"], ["add"], name="add"),
        helper.make_node("Relu", ["add"], ["y"], name="relu"),
    ]
    inputs = [tensor_vi("x", F, [2, 3])]
    if ir < 4:
        # before IR 4 every initializer must also be a graph input
        inputs += [tensor_vi("w", F, [3, 4]), tensor_vi("b", F, [4])]
    graph = helper.make_graph(nodes, f"ir{ir}_opset{op}", inputs, [tensor_vi("y", F, [2, 4])], initializer=[w, b])
    model = helper.make_model(graph, opset_imports=[opset("", op)])
    return finish(model, ir)


def external_weights() -> ModelProto:
    """MLP whose initializers are all stored in a side file."""
    rng = np.random.default_rng(1003)
    F = TensorProto.FLOAT
    inits = [
        numpy_helper.from_array(f32(rng, (16, 64), 0.25), "fc1.weight"),   # 4096 B
        numpy_helper.from_array(f32(rng, (64,), 0.1), "fc1.bias"),         # 256 B
        numpy_helper.from_array(f32(rng, (64, 10), 0.125), "fc2.weight"),  # 2560 B
        numpy_helper.from_array(f32(rng, (10,), 0.1), "fc2.bias"),         # 40 B
        numpy_helper.from_array(np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], np.int64), "reverse_idx"),  # 80 B
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "fc1.weight"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "fc1.bias"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("MatMul", ["h2", "fc2.weight"], ["h3"], name="fc2"),
        helper.make_node("Add", ["h3", "fc2.bias"], ["h4"], name="fc2_bias"),
        helper.make_node("Gather", ["h4", "reverse_idx"], ["y"], name="reverse", axis=1),
    ]
    graph = helper.make_graph(nodes, "external_weights", [tensor_vi("x", F, ["batch", 16])],
                              [tensor_vi("y", F, ["batch", 10])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[opset("", 13)])
    return finish(model, 8)


def local_function() -> ModelProto:
    """A model-local FunctionProto (with a default attribute) called by a node."""
    rng = np.random.default_rng(1004)
    F = TensorProto.FLOAT
    alpha_ref = AttributeProto()
    alpha_ref.name = "value_float"
    alpha_ref.ref_attr_name = "alpha"
    alpha_ref.type = AttributeProto.FLOAT
    const = helper.make_node("Constant", [], ["alpha_t"], name="alpha_const")
    const.attribute.append(alpha_ref)
    fn = helper.make_function(
        "local.fns", "ScaledRelu", ["a"], ["b"],
        [const,
         helper.make_node("Mul", ["a", "alpha_t"], ["scaled"], name="fn_mul"),
         helper.make_node("Relu", ["scaled"], ["b"], name="fn_relu")],
        [opset("", 17)],
        attribute_protos=[helper.make_attribute("alpha", 0.5)],
        doc_string="b = relu(alpha * a); alpha defaults to 0.5",
    )
    w = numpy_helper.from_array(f32(rng, (4, 4)), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
         helper.make_node("ScaledRelu", ["h"], ["y"], name="call_default", domain="local.fns"),
         helper.make_node("ScaledRelu", ["y"], ["z"], name="call_alpha2", domain="local.fns", alpha=2.0)],
        "local_function", [tensor_vi("x", F, ["N", 4])], [tensor_vi("z", F, ["N", 4])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[opset("", 17), opset("local.fns", 1)], functions=[fn])
    return finish(model, 8)


def qdq_linear() -> ModelProto:
    """A QDQ-quantized linear layer: int8 weights, per-channel scales, opset 19."""
    rng = np.random.default_rng(1005)
    F = TensorProto.FLOAT
    w = rng.integers(-127, 128, (8, 4)).astype(np.int8)
    inits = [
        numpy_helper.from_array(w, "w_q"),
        numpy_helper.from_array(np.abs(f32(rng, (4,), 0.01)) + np.float32(1e-3), "w_scale"),
        numpy_helper.from_array(np.zeros(4, np.int8), "w_zp"),
        numpy_helper.from_array(np.array(0.05, np.float32), "x_scale"),
        numpy_helper.from_array(np.array(3, np.uint8), "x_zp"),
        numpy_helper.from_array(f32(rng, (4,), 0.1), "bias"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["x_q"], name="q_x"),
        helper.make_node("DequantizeLinear", ["x_q", "x_scale", "x_zp"], ["x_dq"], name="dq_x"),
        helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zp"], ["w_dq"], name="dq_w", axis=1),
        helper.make_node("MatMul", ["x_dq", "w_dq"], ["mm"], name="matmul"),
        helper.make_node("Add", ["mm", "bias"], ["y"], name="add"),
    ]
    graph = helper.make_graph(nodes, "qdq_linear", [tensor_vi("x", F, ["batch", 8])], [tensor_vi("y", F, ["batch", 4])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[opset("", 19)])
    return finish(model, 9)


# --------------------------------------------------------------------------
# exotic models
# --------------------------------------------------------------------------

def _raw(name: str, dtype: int, dims, data: bytes) -> TensorProto:
    t = TensorProto()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    t.raw_data = data
    return t


def _typed(name: str, dtype: int, dims, field: str, values) -> TensorProto:
    t = TensorProto()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    getattr(t, field).extend(values)
    return t


def tensor_types() -> ModelProto:
    """Every TensorProto data type as initializer, raw_data and typed fields."""
    T = TensorProto
    inits: list[TensorProto] = []
    nan = float("nan")
    inf = float("inf")

    # --- raw_data, one per type -------------------------------------------
    fl = [-1.5, 0.0, -0.0, inf, -inf, nan, 3.25]
    inits.append(_raw("raw_float", T.FLOAT, [7], np.array(fl, "<f4").tobytes()))
    inits.append(_raw("raw_uint8", T.UINT8, [4], np.array([0, 1, 127, 255], np.uint8).tobytes()))
    inits.append(_raw("raw_int8", T.INT8, [4], np.array([-128, -1, 0, 127], np.int8).tobytes()))
    inits.append(_raw("raw_uint16", T.UINT16, [3], np.array([0, 1, 65535], "<u2").tobytes()))
    inits.append(_raw("raw_int16", T.INT16, [3], np.array([-32768, -1, 32767], "<i2").tobytes()))
    inits.append(_raw("raw_int32", T.INT32, [2, 2], np.array([-2**31, -1, 0, 2**31 - 1], "<i4").tobytes()))
    inits.append(_raw("raw_int64", T.INT64, [4], np.array([-2**63, -1, 0, 2**63 - 1], "<i8").tobytes()))
    inits.append(_raw("raw_bool", T.BOOL, [3], np.array([True, False, True]).tobytes()))
    inits.append(_raw("raw_float16", T.FLOAT16, [5], np.array([1.0, -2.0, 65504.0, inf, nan], "<f2").tobytes()))
    inits.append(_raw("raw_double", T.DOUBLE, [4], np.array([1e300, -0.0, nan, -inf], "<f8").tobytes()))
    inits.append(_raw("raw_uint32", T.UINT32, [3], np.array([0, 1, 2**32 - 1], "<u4").tobytes()))
    inits.append(_raw("raw_uint64", T.UINT64, [3], np.array([0, 1, 2**64 - 1], "<u8").tobytes()))
    inits.append(_raw("raw_complex64", T.COMPLEX64, [2], np.array([1 + 2j, -3.5 - 0.25j], "<c8").tobytes()))
    inits.append(_raw("raw_complex128", T.COMPLEX128, [2], np.array([1e-300 + 2j, -3.5 - 1e300j], "<c16").tobytes()))
    inits.append(_raw("raw_bfloat16", T.BFLOAT16, [4], np.array([0x3F80, 0xC000, 0x7F80, 0x7FC0], "<u2").tobytes()))
    for tname, dtype in [("float8e4m3fn", T.FLOAT8E4M3FN), ("float8e4m3fnuz", T.FLOAT8E4M3FNUZ),
                         ("float8e5m2", T.FLOAT8E5M2), ("float8e5m2fnuz", T.FLOAT8E5M2FNUZ),
                         ("float8e8m0", T.FLOAT8E8M0)]:
        inits.append(_raw(f"raw_{tname}", dtype, [5], bytes([0x00, 0x38, 0x7F, 0x80, 0xFF])))
    # 4-bit types: two per byte, odd count -> last high nibble is padding
    for tname, dtype in [("uint4", T.UINT4), ("int4", T.INT4), ("float4e2m1", T.FLOAT4E2M1)]:
        inits.append(_raw(f"raw_{tname}", dtype, [5], bytes([0x21, 0xF7, 0x08])))
    # 2-bit types: four per byte
    for tname, dtype in [("uint2", T.UINT2), ("int2", T.INT2)]:
        inits.append(_raw(f"raw_{tname}", dtype, [6], bytes([0b11100100, 0b00000110])))

    # --- typed fields ------------------------------------------------------
    inits.append(_typed("typed_float", T.FLOAT, [7], "float_data", fl))
    inits.append(_typed("typed_int32", T.INT32, [4], "int32_data", [-2**31, -1, 0, 2**31 - 1]))
    inits.append(_typed("typed_int16", T.INT16, [2], "int32_data", [-32768, 32767]))
    inits.append(_typed("typed_int8", T.INT8, [3], "int32_data", [-128, 0, 127]))
    inits.append(_typed("typed_uint16", T.UINT16, [2], "int32_data", [0, 65535]))
    inits.append(_typed("typed_uint8", T.UINT8, [2], "int32_data", [0, 255]))
    inits.append(_typed("typed_bool", T.BOOL, [3], "int32_data", [1, 0, 1]))
    inits.append(_typed("typed_float16", T.FLOAT16, [3], "int32_data", [0x3C00, 0xC000, 0x7E00]))
    inits.append(_typed("typed_bfloat16", T.BFLOAT16, [2], "int32_data", [0x3F80, 0xFF80]))
    inits.append(_typed("typed_float8e4m3fn", T.FLOAT8E4M3FN, [3], "int32_data", [0x00, 0x38, 0x7E]))
    inits.append(_typed("typed_float8e5m2", T.FLOAT8E5M2, [2], "int32_data", [0x3C, 0xFC]))
    inits.append(_typed("typed_int4", T.INT4, [3], "int32_data", [0x8F, 0x07]))
    inits.append(_typed("typed_uint4", T.UINT4, [4], "int32_data", [0x21, 0xFE]))
    inits.append(_typed("typed_int64", T.INT64, [4], "int64_data", [-2**63, -1, 0, 2**63 - 1]))
    inits.append(_typed("typed_double", T.DOUBLE, [3], "double_data", [1e-310, -0.0, nan]))
    inits.append(_typed("typed_uint32", T.UINT32, [2], "uint64_data", [0, 2**32 - 1]))
    inits.append(_typed("typed_uint64", T.UINT64, [3], "uint64_data", [0, 2**63, 2**64 - 1]))
    inits.append(_typed("typed_complex64", T.COMPLEX64, [2], "float_data", [1.0, 2.0, -3.5, -0.25]))
    inits.append(_typed("typed_complex128", T.COMPLEX128, [1], "double_data", [1e300, -1e-300]))
    inits.append(_typed("typed_string", T.STRING, [2, 2], "string_data",
                        [b"hello", b"", "gr\u00fc\u00dfe \u2713".encode(), b"\x00\xff\xfe binary"]))

    # --- shapes and odd corners -------------------------------------------
    inits.append(_raw("scalar_float", T.FLOAT, [], np.array(2.5, "<f4").tobytes()))
    inits.append(_raw("empty_float", T.FLOAT, [0, 3], b""))         # raw_data present but empty
    inits.append(_typed("empty_int64", T.INT64, [0], "int64_data", []))
    big = np.arange(300, dtype="<i4") * 7 - 1000
    inits.append(_raw("bigger_int32", T.INT32, [3, 10, 10], big.tobytes()))
    seg = _raw("segmented", T.FLOAT, [4], np.array([1, 2, 3, 4], "<f4").tobytes())
    seg.segment.begin = 4
    seg.segment.end = 8
    inits.append(seg)
    doc = _raw("documented", T.INT64, [2], np.array([7, -7], "<i8").tobytes())
    doc.doc_string = "a tensor with a doc string and metadata"
    doc.metadata_props.extend([entry("origin", "make_fixtures.py"), entry("unit", "apples")])
    inits.append(doc)
    explicit = _raw("explicit_default_location", T.FLOAT, [1], np.array([1.0], "<f4").tobytes())
    explicit.data_location = TensorProto.DEFAULT   # optional field explicitly set to its default
    inits.append(explicit)

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="id")], "tensor_types",
        [tensor_vi("x", T.FLOAT, [1])], [tensor_vi("y", T.FLOAT, [1])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[opset("", 25)])
    return finish(model, 13)


def _sparse(name: str, dims, values, indices) -> SparseTensorProto:
    v = numpy_helper.from_array(np.asarray(values, np.float32), name)
    idx = np.asarray(indices, np.int64)
    i = numpy_helper.from_array(idx, f"{name}_indices")
    return helper.make_sparse_tensor(v, i, dims)


def _small_graph(name: str, op: str = "Identity") -> GraphProto:
    return helper.make_graph(
        [helper.make_node(op, [f"{name}_in"], [f"{name}_out"], name=f"{name}_node")], name,
        [tensor_vi(f"{name}_in", TensorProto.FLOAT, [2])], [tensor_vi(f"{name}_out", TensorProto.FLOAT, [2])])


def attribute_types() -> ModelProto:
    """Every AttributeProto type on a custom-domain node (plus odd values)."""
    A = AttributeProto
    rng = np.random.default_rng(1006)
    attrs: list[AttributeProto] = []

    def add(key, value, attr_type=None, doc=None):
        attrs.append(helper.make_attribute(key, value, doc_string=doc, attr_type=attr_type))

    add("f", 0.5, doc="a FLOAT attribute with a doc string")
    add("f_zero", 0.0, A.FLOAT)
    add("f_negzero", -0.0, A.FLOAT)
    add("f_nan", float("nan"), A.FLOAT)
    add("i", 42)
    add("i_zero", 0, A.INT)
    add("i_neg", -7)
    add("i_min", -2**63)
    add("s", b"hello")
    add("s_empty", b"", A.STRING)
    add("s_binary", b"\x00\xff\x80 not utf-8")
    add("t", numpy_helper.from_array(f32(rng, (2, 3)), "attr_tensor"))
    add("g", _small_graph("attr_graph"))
    add("floats", [1.0, -2.5, float("inf")])
    add("ints", [1, -1, 2**40, -2**63])
    add("ints_empty", [], A.INTS)
    add("strings", [b"a", b"", "\u00e9".encode()])
    add("tensors", [numpy_helper.from_array(np.array([1, 2], np.int32), "tensors_0"),
                    helper.make_tensor("tensors_1", TensorProto.DOUBLE, [1], [3.5])])
    add("graphs", [_small_graph("graphs_0"), _small_graph("graphs_1", "Neg")])
    add("sparse_tensor", _sparse("sp_attr", [3, 4], [1.0, 2.0], [1, 10]))
    add("sparse_tensors", [_sparse("sp_attr_0", [5], [7.0], [3]),
                           _sparse("sp_attr_1", [2, 2], [1.0, -1.0], [[0, 0], [1, 1]])])
    add("tp", helper.make_tensor_type_proto(TensorProto.FLOAT, [3, "N"]))
    add("type_protos", [helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None)),
                        helper.make_map_type_proto(TensorProto.STRING,
                                                   helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))])
    # an attribute with only a name and a ref_attr_name (as inside functions)
    ref = AttributeProto()
    ref.name = "ref"
    ref.ref_attr_name = "outer_attr"
    ref.type = A.INT
    attrs.append(ref)

    node = NodeProto()
    node.op_type = "AllAttrs"
    node.domain = CUSTOM_DOMAIN
    node.name = "all_attrs"
    node.input.extend(["x", ""])            # empty name = omitted optional input
    node.output.append("y")
    node.attribute.extend(attrs)
    graph = helper.make_graph(
        [node], "attribute_types",
        [tensor_vi("x", TensorProto.FLOAT, [2])], [tensor_vi("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[opset("", 25), opset(CUSTOM_DOMAIN, 1)])
    return finish(model, 13)


def graph_features() -> ModelProto:
    """Every other corner of ModelProto/GraphProto/NodeProto/TypeProto."""
    rng = np.random.default_rng(1007)
    F = TensorProto.FLOAT

    # --- value infos with all TypeProto kinds ------------------------------
    x = tensor_vi("x", F, ["N", 4])
    x.type.denotation = "TENSOR"
    x.type.tensor_type.shape.dim[0].denotation = "DATA_BATCH"
    x.type.tensor_type.shape.dim[1].denotation = "DATA_FEATURE"
    x.doc_string = "main input"
    x.metadata_props.append(entry("role", "features"))
    seq_in = helper.make_value_info("seq_in", helper.make_sequence_type_proto(
        helper.make_tensor_type_proto(F, ["L"])))
    map_in = helper.make_value_info("map_in", helper.make_map_type_proto(
        TensorProto.INT64, helper.make_tensor_type_proto(F, [3])))
    opt_in = helper.make_value_info("opt_in", helper.make_optional_type_proto(
        helper.make_tensor_type_proto(F, [2, None])))
    sparse_in = helper.make_value_info("sparse_in", helper.make_sparse_tensor_type_proto(F, [10, "M"]))
    opaque_t = TypeProto()
    opaque_t.opaque_type.domain = CUSTOM_DOMAIN
    opaque_t.opaque_type.name = "Handle"
    opaque_in = helper.make_value_info("opaque_in", opaque_t)
    norank_in = helper.make_value_info("norank_in", helper.make_tensor_type_proto(TensorProto.INT32, None))
    unk = tensor_vi("unknown_dims", TensorProto.UINT8, [None, "W", 3])
    seq_of_map = helper.make_value_info("seq_of_maps", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.DOUBLE, []))))

    y = tensor_vi("y", F, ["N", 4])
    y.doc_string = "main output"
    mid = tensor_vi("mid", F, ["N", 4])
    mid.type.tensor_type.shape.dim[0].denotation = "DATA_BATCH"
    mid.metadata_props.append(entry("stage", "after matmul"))

    # --- functions (two overloads of one name) -----------------------------
    fn_nodes = [
        helper.make_node("Constant", [], ["c"], name="fn_const"),
        helper.make_node("Mul", ["a", "c"], ["b"], name="fn_mul"),
    ]
    ref = AttributeProto()
    ref.name = "value_float"
    ref.ref_attr_name = "beta"
    ref.type = AttributeProto.FLOAT
    fn_nodes[0].attribute.append(ref)
    fn_v2 = helper.make_function(
        "local", "Scale", ["a"], ["b"], fn_nodes, [opset("", 25)],
        attributes=["alpha"], attribute_protos=[helper.make_attribute("beta", 1.5)],
        doc_string="b = a * beta", overload="v2",
        value_info=[tensor_vi("c", F, [])])
    fn_v2.metadata_props.append(entry("fn", "v2"))
    fn_v1 = helper.make_function(
        "local", "Scale", ["a"], ["b"], [helper.make_node("Identity", ["a"], ["b"])], [opset("", 25)],
        overload="v1")

    # --- nodes ----------------------------------------------------------------
    mm = helper.make_node("MatMul", ["x", "w"], ["mid"], name="matmul", doc_string="x @ w")
    mm.metadata_props.extend([entry("source", "layer1"), entry("note", "\u2713 unicode")])
    dev = onnx.NodeDeviceConfigurationProto()
    dev.configuration_id = "two_devices"
    dev.pipeline_stage = 1
    spec = dev.sharding_spec.add()
    spec.tensor_name = "x"
    spec.device.extend([0, 1])
    grp = spec.index_to_device_group_map.add()
    grp.key = 0
    grp.value.extend([0, 1])
    sd = spec.sharded_dim.add()
    sd.axis = 0
    ssd = sd.simple_sharding.add()
    ssd.dim_param = "N"
    ssd.num_shards = 2
    ssd2 = sd.simple_sharding.add()
    ssd2.dim_value = 8
    ssd2.num_shards = 4
    mm.device_configurations.append(dev)
    call = helper.make_node("Scale", ["mid"], ["y"], name="call_scale", domain="local", overload="v2", alpha=3)
    call_v1 = helper.make_node("Scale", ["mid"], ["y_v1"], name="call_scale_v1", domain="local", overload="v1")
    add_sp = helper.make_node("Add", ["mid", "sp_dense"], ["y_sp"], name="uses_sparse")
    dense = helper.make_node("Constant", [], ["sp_dense"], name="sparse_const",
                             sparse_value=_sparse("sp_const", [4], [1.0], [2]))

    # --- initializers ---------------------------------------------------------
    w = numpy_helper.from_array(f32(rng, (4, 4)), "w")
    w.doc_string = "weights"
    sp_init = _sparse("sp_init", [4, 4], [0.5, -0.5, 2.0], [0, 5, 15])
    sp_init2 = _sparse("sp_init_coo", [3, 3], [1.0, 2.0], [[0, 1], [2, 2]])

    qa = onnx.TensorAnnotation()
    qa.tensor_name = "mid"
    qa.quant_parameter_tensor_names.extend([entry("SCALE_TENSOR", "mid_scale"), entry("ZERO_POINT_TENSOR", "mid_zp")])

    graph = helper.make_graph(
        [dense, mm, call, call_v1, add_sp], "graph_features",
        [x, seq_in, map_in, opt_in, sparse_in, opaque_in, norank_in, unk, seq_of_map],
        [y, tensor_vi("y_v1", F, ["N", 4]), tensor_vi("y_sp", F, ["N", 4])],
        initializer=[w], value_info=[mid], doc_string="graph doc string \u00e9",
        sparse_initializer=[sp_init, sp_init2])
    graph.quantization_annotation.append(qa)
    graph.metadata_props.append(entry("graph_key", "graph_value"))

    # --- training info --------------------------------------------------------
    init_g = helper.make_graph(
        [helper.make_node("RandomNormal", [], ["w_init"], name="rand", shape=[4, 4], seed=1.0)],
        "initialization", [], [tensor_vi("w_init", F, [4, 4])])
    algo_g = helper.make_graph(
        [helper.make_node("Sub", ["w", "grad"], ["w_new"], name="sgd")], "algorithm",
        [tensor_vi("grad", F, [4, 4])], [tensor_vi("w_new", F, [4, 4])])
    training = helper.make_training_info(algo_g, [("w", "w_new")], init_g, [("w", "w_init")])

    model = helper.make_model(
        graph,
        opset_imports=[opset("", 25), opset("local", 1), opset("ai.onnx.ml", 5), opset(CUSTOM_DOMAIN, 3)],
        functions=[fn_v2, fn_v1])
    model.training_info.append(training)
    model.domain = "com.example.fixtures"
    model.model_version = 7
    model.doc_string = "exercises every field of the ONNX format qtool must preserve"
    model.metadata_props.extend([entry("author", "qtool"), entry("license", "MIT"), entry("empty", "")])
    cfg = model.configuration.add()
    cfg.name = "two_devices"
    cfg.num_devices = 2
    cfg.device.extend(["cpu:0", "cpu:1"])
    return finish(model, 13)


def dangling_reference() -> ModelProto:
    """Structurally broken: a node reads a value nothing defines (validator must report it)."""
    F = TensorProto.FLOAT
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "missing_tensor"], ["y"], name="bad_add")], "dangling_reference",
        [tensor_vi("x", F, [2])], [tensor_vi("y", F, [2])])
    model = helper.make_model(graph, opset_imports=[opset("", 13)])
    return finish(model, 8)


# --------------------------------------------------------------------------
# self checks (run at generation time so a fixture can't silently be wrong)
# --------------------------------------------------------------------------

def _run_ort_smoke(path: str) -> None:
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {}
    rng = np.random.default_rng(7)
    for inp in sess.get_inputs():
        shape = [d if isinstance(d, int) else 2 for d in inp.shape]
        if inp.type == "tensor(float)":
            feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
        elif inp.type == "tensor(bool)":
            feeds[inp.name] = np.array(True)
        elif inp.type == "tensor(int64)":
            feeds[inp.name] = np.array(3, np.int64) if not shape else np.ones(shape, np.int64)
        else:
            raise AssertionError(f"{path}: no smoke feed for {inp.type}")
    sess.run(None, feeds)


def self_check(out_dir: str) -> None:
    for name, kind, _ in MANIFEST:
        path = os.path.join(out_dir, name)
        data = open(path, "rb").read()
        m = onnx.load(path, load_external_data=False)
        assert m.SerializeToString() == data, f"{name} is not canonical"
        if kind == "valid":
            onnx.checker.check_model(path, full_check=True)
            _run_ort_smoke(path)


def generate(out_dir: str) -> None:
    MANIFEST.clear()
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith((".onnx", ".data")) or f == "MANIFEST.txt":
            os.remove(os.path.join(out_dir, f))

    write(small_cnn(), out_dir, "small_cnn.onnx", "valid",
          "README demo CNN: Conv/BatchNormalization/Relu/MaxPool/Flatten/Gemm, opset 13, symbolic batch")
    write(subgraphs(), out_dir, "subgraphs.onnx", "valid",
          "If, Loop with a nested If, Scan; bodies reference outer-scope names; opset 16")
    for ir, op in IR_OPSETS:
        write(ir_model(ir, op), out_dir, f"ir{ir:02d}_opset{op:02d}.onnx", "valid",
              f"IR version {ir}, opset {op}: MatMul/Add/Relu" + (" (initializers listed as inputs)" if ir < 4 else ""))
    write(external_weights(), out_dir, "external_weights.onnx", "valid",
          "MLP with every initializer in the side file external_weights.data",
          save_as_external_data=True, all_tensors_to_one_file=True, location="external_weights.data",
          size_threshold=0)
    write(local_function(), out_dir, "local_function.onnx", "valid",
          "model-local FunctionProto with a default attribute (attribute_proto, ref_attr_name), called twice")
    write(qdq_linear(), out_dir, "qdq_linear.onnx", "valid",
          "QuantizeLinear/DequantizeLinear, int8 per-channel weights, IR 9 opset 19")
    write(tensor_types(), out_dir, "tensor_types.onnx", "exotic",
          "every TensorProto data type in raw_data and typed fields, scalar/empty tensors, segment, "
          "tensor doc_string/metadata_props, explicit default data_location; IR 13 opset 25")
    write(attribute_types(), out_dir, "attribute_types.onnx", "exotic",
          "every AttributeProto type (FLOAT..TYPE_PROTOS) on a custom-domain node, ref_attr_name, empty lists")
    write(graph_features(), out_dir, "graph_features.onnx", "exotic",
          "sparse_initializer, sequence/map/optional/sparse/opaque types, dim_param/denotations, "
          "quantization_annotation, metadata_props everywhere, FunctionProto overloads, training_info, "
          "device_configurations, ModelProto.configuration; IR 13")
    write(dangling_reference(), out_dir, "dangling_reference.onnx", "exotic",
          "invalid graph: a node input that nothing defines (validator findings)")

    width = max(len(n) for n, _, _ in MANIFEST)
    with open(os.path.join(out_dir, "MANIFEST.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by Fixtures/gen/make_fixtures.py - do not edit\n")
        f.write("# name  valid|exotic  what it covers\n")
        for name, kind, what in MANIFEST:
            f.write(f"{name.ljust(width)}  {kind.ljust(6)}  {what}\n")
    self_check(out_dir)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary folder and compare with Fixtures/models")
    ap.add_argument("--out", default=MODELS_DIR, help="output folder (default: Fixtures/models)")
    args = ap.parse_args()
    if not args.check:
        generate(args.out)
        total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
        print(f"wrote {len(MANIFEST)} models to {args.out} ({total} bytes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        cmp = filecmp.dircmp(tmp, args.out)
        names = sorted(set(os.listdir(tmp)) | set(os.listdir(args.out)))
        bad = [n for n in names
               if not (os.path.exists(os.path.join(tmp, n)) and os.path.exists(os.path.join(args.out, n))
                       and filecmp.cmp(os.path.join(tmp, n), os.path.join(args.out, n), shallow=False))]
        del cmp
        if bad:
            print("fixtures differ from a fresh generation: " + ", ".join(bad), file=sys.stderr)
            return 1
        print(f"fixtures are up to date ({len(names)} files)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
