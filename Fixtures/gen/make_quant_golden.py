#!/usr/bin/env python3
"""Golden cases for qtool's quantization numerics, computed by onnxruntime.quantization itself.

Writes Fixtures/quant-golden.json, read by Tests/QuantizationTests/NumericsGoldenTests.swift,
which demands bit-exact scales, zero points and quantized values. Every expected value comes
from onnxruntime's own functions (quant_utils, the quantizers' bias and weight-scale code),
called the way the quantizers call them; nothing here re-implements the arithmetic.

Float32 values are stored as 8 hex digits of their bit pattern (exact, NaN and -0 included);
float64 options (MinimumRealRange) as Python float repr, which round-trips.

    .venv/bin/python Fixtures/gen/make_quant_golden.py           # regenerate
    .venv/bin/python Fixtures/gen/make_quant_golden.py --check   # fail if the file differs
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import quant_utils as qu
from onnxruntime.quantization.base_quantizer import BaseQuantizer, QuantizationParams
from onnxruntime.quantization.onnx_model import ONNXModel
from onnxruntime.quantization.onnx_quantizer import ONNXQuantizer
from onnxruntime.quantization.qdq_quantizer import (
    QDQBiasQuantInfo,
    QDQQuantizer,
    QDQTensorQuantInfo,
    QDQTensorQuantParams,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "quant-golden.json")

TYPES = {
    "qint8": TensorProto.INT8,
    "quint8": TensorProto.UINT8,
    "qint16": TensorProto.INT16,
    "quint16": TensorProto.UINT16,
    "qint4": TensorProto.INT4,
    "quint4": TensorProto.UINT4,
}
MIN_REAL_RANGES = [None, 0.0001, 0.5]


def f32(x) -> str:
    """The bit pattern of x as float32: 8 hex digits."""
    return format(int(np.asarray(x, dtype=np.float32).view(np.uint32)), "08x")


def f32s(values) -> list[str]:
    return [f32(v) for v in np.asarray(values, dtype=np.float32).ravel()]


def option(x: float | None) -> str | None:
    """A float64 option as its repr (exact when parsed back), or None."""
    return None if x is None else repr(float(x))


def ints(values) -> list[int]:
    return [int(v) for v in np.asarray(values).astype(np.int64).ravel()]


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# get_qmin_qmax_for_qType


def qranges():
    cases = []
    for name, qtype in TYPES.items():
        for reduce_range in (False, True):
            for symmetric in (False, True):
                qmin, qmax = qu.get_qmin_qmax_for_qType(qtype, reduce_range=reduce_range, symmetric=symmetric)
                cases.append({"type": name, "reduce": reduce_range, "sym": symmetric, "qmin": int(qmin), "qmax": int(qmax)})
    return cases


# ---------------------------------------------------------------------------------------------
# compute_scale_zp (as the quantizers' calc_quant_params calls it: float32 rmin/rmax, the type's
# qmin/qmax, the MinimumRealRange option as a Python float)

FIXED_RANGES = [
    (0.0, 0.0), (3.0, 3.0), (-3.0, -3.0), (-1.0, 1.0), (-1.0, 2.0), (0.5, 6.0), (-6.0, -0.5),
    (1e-9, 2e-9), (-1e-30, 1e-30), (-1e-38, 1e-38), (-3e38, 3e38), (-0.0, 0.0),
    # zero points landing on .5 before rounding: scale 1/16, rmin an odd number of half steps
    (-2.5 / 16, -2.5 / 16 + 255 / 16), (-3.5 / 16, -3.5 / 16 + 255 / 16), (-0.5 / 16, -0.5 / 16 + 15 / 16),
    (-7.5 / 16, -7.5 / 16 + 15 / 16), (-2.5 / 16, -2.5 / 16 + 127 / 16),
    (-1.0, float("inf")), (float("-inf"), 1.0), (float("-inf"), float("inf")),
]


def random_ranges(seed: int, count: int):
    r = rng(seed)
    out = []
    for i in range(count):
        magnitude = 10.0 ** r.uniform(-4, 4)
        a, b = sorted(r.normal(size=2) * magnitude)
        kind = i % 3
        if kind == 1:
            a, b = abs(a), abs(a) + abs(b)  # one-sided, positive
        elif kind == 2:
            a, b = -abs(a) - abs(b), -abs(a)  # one-sided, negative
        out.append((float(np.float32(a)), float(np.float32(b))))
    return out


def scale_zp_case(name, rmin, rmax, symmetric, reduce_range, min_real_range):
    qmin, qmax = qu.get_qmin_qmax_for_qType(TYPES[name], reduce_range=reduce_range, symmetric=symmetric)
    zero, scale = qu.compute_scale_zp(
        np.array(rmin, dtype=np.float32), np.array(rmax, dtype=np.float32), qmin, qmax, symmetric, min_real_range
    )
    return [name, symmetric, reduce_range, option(min_real_range), f32(rmin), f32(rmax), f32(scale), int(zero)]


def scale_zp_cases():
    cases = []
    for name in TYPES:
        for symmetric in (False, True):
            # every range with each reduce_range, and with each MinimumRealRange on the full range
            for reduce_range, min_real_range in [(False, None), (True, None)] + [(False, m) for m in MIN_REAL_RANGES[1:]]:
                for rmin, rmax in FIXED_RANGES:
                    cases.append(scale_zp_case(name, rmin, rmax, symmetric, reduce_range, min_real_range))
    # Ranges narrower than MinimumRealRange, which is added to rmin in float32.
    r = rng(7)
    for i in range(48):
        rmin, rmax = float(np.float32(-r.uniform(0, 1e-4))), float(np.float32(r.uniform(0, 1e-4)))
        cases.append(scale_zp_case(list(TYPES)[i % 6], rmin, rmax, i % 4 == 3, False, [0.0001, 0.3][i % 2]))
    for i, (rmin, rmax) in enumerate(random_ranges(1, 240)):
        name = list(TYPES)[i % 6]
        symmetric, reduce_range = bool(i // 6 % 2), bool(i // 12 % 2)
        min_real_range = MIN_REAL_RANGES[i // 24 % 3]
        cases.append(scale_zp_case(name, rmin, rmax, symmetric, reduce_range, min_real_range))
    return cases


# ---------------------------------------------------------------------------------------------
# snap_zero_point_to_uint8 (ActivationRestrictedAsymmetric), after compute_scale_zp as in
# calc_quant_params


def restricted_cases():
    cases = []
    ranges = FIXED_RANGES[:12] + [(0.0, 1e-6), (-1e-6, 0.0)] + random_ranges(2, 30)
    for reduce_range in (False, True):
        for min_real_range in (None, 0.0, 0.0001, 0.5, -1.0):
            for rmin, rmax in ranges:
                qmin, qmax = qu.get_qmin_qmax_for_qType(TensorProto.UINT8, reduce_range=reduce_range)
                rmin32, rmax32 = np.array(rmin, dtype=np.float32), np.array(rmax, dtype=np.float32)
                qu.compute_scale_zp(rmin32, rmax32, qmin, qmax, False, min_real_range)
                zero, scale = qu.snap_zero_point_to_uint8(rmin32, rmax32, qmin=qmin, qmax=qmax, min_real_range=min_real_range)
                cases.append(["quint8", False, reduce_range, option(min_real_range), f32(rmin), f32(rmax), f32(scale), int(zero)])
    return cases


# ---------------------------------------------------------------------------------------------
# quantize_data on a flattened tensor (compute_data_quant_params + quantize_nparray)


def sample_values(r: np.random.Generator, count: int, kind: int) -> np.ndarray:
    magnitude = 10.0 ** r.uniform(-3, 3)
    values = r.normal(size=count) * magnitude
    if kind == 1:
        values = np.abs(values)
    elif kind == 2:
        values = -np.abs(values)
    elif kind == 3:
        values = np.full(count, 3.0)
    elif kind == 4:
        values = np.zeros(count)
    return values.astype(np.float32)


def data_cases():
    r = rng(3)
    cases = []
    for i in range(96):
        name = list(TYPES)[i % 6]
        symmetric, reduce_range = bool(i // 6 % 2), bool(i // 12 % 2)
        min_real_range = [None, 0.0001, 1e3][i % 3]
        count = [0, 1, 7, 24][i % 4]
        values = sample_values(r, count, i // 4 % 5)
        rmin_override = float(np.float32(-r.uniform(0, 2))) if i % 11 == 5 else None
        rmax_override = float(np.float32(r.uniform(0, 2))) if i % 13 == 7 else None
        zero, scale, quantized = qu.quantize_data(
            values, TYPES[name], symmetric, reduce_range, min_real_range, rmin_override, rmax_override
        )
        cases.append({
            "type": name, "sym": symmetric, "reduce": reduce_range, "mrr": option(min_real_range),
            "rmin": None if rmin_override is None else f32(rmin_override),
            "rmax": None if rmax_override is None else f32(rmax_override),
            "shape": [count], "axis": None, "values": f32s(values), "scale": f32s(scale), "zp": ints(zero), "q": ints(quantized),
        })
    return cases


# ---------------------------------------------------------------------------------------------
# Per-channel weights: compute_data_quant_params per channel, then quantize_onnx_initializer, as
# QDQQuantizer._calc_initializer_quant_params and _add_qdq_nodes_for_weight do.

CHANNEL_SHAPES = [([4, 3, 2, 2], 0), ([4, 3, 2, 2], 1), ([4, 3, 2, 2], -1), ([5, 7], 0), ([5, 7], 1),
                  ([3], 0), ([2, 0, 3], 0), ([6, 1, 3, 3], 0)]


def per_channel_params(weights, name, axis, symmetric, reduce_range, min_real_range):
    zero_points, scales = [], []
    for i in range(weights.shape[axis]):
        zero, scale = qu.compute_data_quant_params(
            weights.take(i, axis).ravel(), TYPES[name], symmetric, reduce_range=reduce_range, min_real_range=min_real_range
        )
        zero_points.append(zero)
        scales.append(scale)
    return np.array(zero_points), np.array(scales)


def quantized_initializer(weights, name, zero, scale, axis):
    proto = qu.quantize_onnx_initializer(numpy_helper.from_array(weights, "w"), TYPES[name], zero, scale, axis)
    return numpy_helper.to_array(proto)


def channel_cases():
    r = rng(4)
    cases = []
    for i in range(72):
        shape, axis = CHANNEL_SHAPES[i % len(CHANNEL_SHAPES)]
        name = list(TYPES)[i % 6]
        symmetric = bool(i // 6 % 2) or i % 5 == 0
        reduce_range = bool(i // 12 % 2)
        min_real_range = [None, 0.0001][i // 24 % 2]
        weights = sample_values(r, int(np.prod(shape)), i // 3 % 3).reshape(shape)
        if weights.ndim > 1 and weights.shape[axis] > 2 and weights.size:
            weights = np.moveaxis(weights, axis, 0).copy()
            weights[1] = 0.0  # an all-zero channel: degenerate, scale 1
            weights[2] = 3.0  # a constant channel: the range still starts at 0
            weights = np.moveaxis(weights, 0, axis).copy()
        norm_axis = axis % len(shape)
        zero, scale = per_channel_params(weights, name, norm_axis, symmetric, reduce_range, min_real_range)
        quantized = quantized_initializer(weights, name, zero, scale, norm_axis)
        cases.append({
            "type": name, "sym": symmetric, "reduce": reduce_range, "mrr": option(min_real_range),
            "shape": shape, "axis": axis, "values": f32s(weights),
            "scale": f32s(scale), "zp": ints(zero), "q": ints(quantized),
        })
    return cases


# ---------------------------------------------------------------------------------------------
# quantize_nparray with given parameters: ties, clipping, infinities, NaN


def quantize_cases():
    cases = []
    ties = np.array([k + 0.5 for k in range(-6, 6)], dtype=np.float32)
    specials = np.array([1e30, -1e30, np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-30], dtype=np.float32)
    for name, qtype in TYPES.items():
        qmin, qmax = qu.get_qmin_qmax_for_qType(qtype)
        for scale in (0.25, 1.0, 3.0):
            for zero in sorted({int(qmin), 0, (int(qmin) + int(qmax) + 1) // 2, int(qmax)}):
                values = np.concatenate([ties * np.float32(scale), specials,
                                         np.array([(qmax - zero + 0.5) * scale, (qmin - zero - 0.5) * scale], np.float32)])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # NaN cast
                    quantized = qu.quantize_nparray(qtype, values, np.array(scale, dtype=np.float32),
                                                    np.array(zero, dtype=qmin.dtype))
                cases.append({"type": name, "scale": f32(scale), "zp": zero, "values": f32s(values), "q": ints(quantized)})
    return cases


# ---------------------------------------------------------------------------------------------
# Bias: BaseQuantizer.quantize_bias_static_impl on a model holding only the bias


def model_with(initializers) -> ONNXModel:
    graph = helper.make_graph([], "g", [], [], initializer=initializers)
    return ONNXModel(helper.make_model(graph))


def quantize_bias(bias, input_scale, weight_scale, beta):
    """Runs the quantizers' own bias code; returns (int32 values, float32 scale)."""
    quantizer = object.__new__(BaseQuantizer)
    quantizer.model = model_with([numpy_helper.from_array(bias, "b")])
    quantizer.weight_qType = TensorProto.INT8
    logging.disable(logging.WARNING)  # the saturation warning
    names = quantizer.quantize_bias_static_impl("b", input_scale, weight_scale, beta)
    logging.disable(logging.NOTSET)
    values = numpy_helper.to_array(quantizer.model.get_initializer(names[0]))
    scale = numpy_helper.to_array(quantizer.model.get_initializer(names[1]))
    return values, scale


def bias_cases():
    r = rng(5)
    cases = []
    for i in range(48):
        channels = [1, 4, 8][i % 3]
        per_channel = i % 2 == 1
        bias = (r.normal(size=channels) * 10.0 ** r.uniform(-2, 4)).astype(np.float32)
        if i % 8 == 3:
            bias[0] = np.float32(3e9 * 1e-6 * 1e-3)  # saturates with the tiny scales below
        input_scale = np.array(10.0 ** r.uniform(-4, -1), dtype=np.float32)
        weight_scale = (10.0 ** r.uniform(-4, -1, size=channels if per_channel else ())).astype(np.float32)
        if i % 8 == 3:
            input_scale, weight_scale = np.array(1e-3, np.float32), np.full(weight_scale.shape, 1e-6, np.float32)
        beta = float(np.float32([1.0, 0.5, 0.3, 2.7][i % 4]))
        values, scale = quantize_bias(bias, input_scale, weight_scale, beta)
        cases.append({
            "bias": f32s(bias), "shape": list(bias.shape), "input_scale": f32(input_scale),
            "weight_scale": f32s(weight_scale), "beta": f32(beta), "q": ints(values), "scale": f32s(scale),
        })
    # Values on .5 ties of power-of-two bias scales: rounded half to even.
    ties = np.array([k + 0.5 for k in range(-4, 4)], dtype=np.float32)
    for weight_scale in (np.array(0.25, np.float32), np.full(8, 0.5, np.float32)):
        bias = ties * np.float32(0.5) * weight_scale
        values, scale = quantize_bias(bias, np.array(0.5, np.float32), weight_scale, 1.0)
        cases.append({
            "bias": f32s(bias), "shape": list(bias.shape), "input_scale": f32(0.5),
            "weight_scale": f32s(weight_scale), "beta": f32(1.0), "q": ints(values), "scale": f32s(scale),
        })
    return cases


# ---------------------------------------------------------------------------------------------
# Weight-scale adjustment for int32 biases, through each quantizer's own code path


def adjustment_inputs(r, i):
    """Weights tiny enough that some bias needs the adjustment; returns weights, bias, input scale."""
    channels = [1, 3, 4][i % 3]
    weights = (r.normal(size=(channels, 2, 3)) * 10.0 ** r.uniform(-6, -2)).astype(np.float32)
    bias = (r.normal(size=channels) * 10.0 ** r.uniform(0, 5)).astype(np.float32)
    if i % 5 == 4:
        bias = (r.normal(size=channels) * 1e-3).astype(np.float32)  # fits: nothing to adjust
    input_scale = np.array(10.0 ** r.uniform(-5, -2), dtype=np.float32)
    return weights, bias, input_scale


def weight_params(weights, name, per_channel, symmetric):
    if per_channel:
        zero, scale = per_channel_params(weights, name, 0, symmetric, False, None)
        return zero.astype(qu.ONNX_TYPE_TO_NP_TYPE[TYPES[name]]), scale.astype(np.float32)
    return qu.compute_data_quant_params(weights.ravel(), TYPES[name], symmetric)


ADJUST_TYPES = ["qint8", "qint16", "quint8", "qint4"]


def qdq_adjust_case(weights, bias, input_scale, name, per_channel, symmetric):
    """QDQQuantizer._adjust_weight_quant_params_for_bias_tensors, then the weight and bias
    quantized with the resulting scale as the QDQ quantizer does."""
    zero, scale = weight_params(weights, name, per_channel, symmetric)
    quantizer = object.__new__(QDQQuantizer)
    quantizer.qdq_disable_weight_adjust_for_int32_bias = False
    quantizer.model = model_with([numpy_helper.from_array(bias, "b")])
    quantizer.bias_to_quantize = {"b": QDQBiasQuantInfo("node", "x", "w", 1.0)}
    quantizer.tensors_to_quantize = {"x": QDQTensorQuantInfo(data_type=TensorProto.FLOAT)}
    activation = QuantizationParams(zero_point=np.array(0, np.uint8), scale=input_scale, quant_type=TensorProto.UINT8)
    quantizer.quantization_params = {"x": QDQTensorQuantParams(activation, None, None)}
    params = QuantizationParams(zero_point=zero, scale=scale.copy(), quant_type=TYPES[name], axis=0 if per_channel else None)
    quantizer.initializer_quant_params = {"w": params}
    quantizer._adjust_weight_quant_params_for_bias_tensors()
    new_scale = params["scale"]
    quantized = quantized_initializer(weights, name, zero, new_scale, 0 if per_channel else None)
    bias_q, bias_scale = quantize_bias(bias, input_scale, new_scale, 1.0)
    return zero, scale, new_scale, quantized, bias_q, bias_scale


def qoperator_adjust_case(weights, bias, input_scale, name, per_channel, flag, symmetric):
    """ONNXQuantizer.quantize_bias_static on a model holding the weight as the QOperator
    quantizer leaves it, with the quantizer's per_channel flag `flag`."""
    zero, scale = weight_params(weights, name, per_channel, symmetric)
    axis = 0 if per_channel else None
    dims = [len(np.atleast_1d(scale))] if per_channel else []
    quantizer = object.__new__(ONNXQuantizer)
    quantizer.model = model_with([
        numpy_helper.from_array(weights, "w"),
        numpy_helper.from_array(bias, "b"),
        helper.make_tensor("w_scale", TensorProto.FLOAT, dims, np.atleast_1d(scale).tolist()),
        helper.make_tensor("w_zero_point", TYPES[name], dims, np.atleast_1d(zero).astype(np.int64).tolist()),
        qu.quantize_onnx_initializer(numpy_helper.from_array(weights, "w"), TYPES[name], zero, scale, axis,
                                     quant_weight_name="w_quantized"),
        helper.make_tensor("x_scale", TensorProto.FLOAT, [], [float(input_scale)]),
    ])
    quantizer.per_channel = flag
    quantizer.weight_qType = TYPES[name]
    quantizer.quantization_params = {}
    quantizer.quantized_value_map = {
        "w": qu.QuantizedValue("w", "w_quantized", "w_scale", "w_zero_point", qu.QuantizedValueType.Initializer, axis),
        "x": qu.QuantizedValue("x", "x_quantized", "x_scale", "x_zero_point", qu.QuantizedValueType.Input),
    }
    logging.disable(logging.WARNING)
    quantizer.quantize_bias_static("b", "x", "w", 1.0)
    logging.disable(logging.NOTSET)
    get = lambda n: numpy_helper.to_array(quantizer.model.get_initializer(n))  # noqa: E731
    return zero, scale, get("w_scale"), get("w_quantized"), get("b_quantized"), get("b_quantized_scale")


def adjust_cases():
    r = rng(6)
    cases = []
    for i in range(72):
        weights, bias, input_scale = adjustment_inputs(r, i)
        name = ADJUST_TYPES[i % 4]
        per_channel = i // 4 % 2 == 1
        symmetric = i % 9 != 8  # asymmetric weights have nonzero zero points: never adjusted
        if i % 3 == 0:
            fmt, flag = "qdq", None
            result = qdq_adjust_case(weights, bias, input_scale, name, per_channel, symmetric)
        else:
            fmt, flag = "qoperator", per_channel if i % 3 == 1 else not per_channel
            if flag is False and per_channel and np.atleast_1d(bias).size > 1:
                flag = True  # onnxruntime fails (weight_scale.item() on a vector)
            result = qoperator_adjust_case(weights, bias, input_scale, name, per_channel, flag, symmetric)
        zero, scale, new_scale, quantized, bias_q, bias_scale = result
        cases.append({
            "format": fmt, "flag": flag, "type": name, "per_channel": per_channel, "shape": list(weights.shape),
            "values": f32s(weights), "bias": f32s(bias), "input_scale": f32(input_scale),
            "scale": f32s(scale), "zp": ints(zero), "new_scale": f32s(new_scale), "q": ints(quantized),
            "bias_q": ints(bias_q), "bias_scale": f32s(bias_scale),
        })
    return cases


def build() -> dict:
    return {
        "generator": "Fixtures/gen/make_quant_golden.py",
        "versions": {"onnxruntime": onnxruntime.__version__, "numpy": np.__version__, "onnx": onnx.__version__},
        "qranges": qranges(),
        "scale_zp": scale_zp_cases(),
        "restricted": restricted_cases(),
        "data": data_cases(),
        "channels": channel_cases(),
        "quantize": quantize_cases(),
        "bias": bias_cases(),
        "adjust": adjust_cases(),
    }


def serialize(golden: dict) -> str:
    # One case a line: diffs stay readable and the file small.
    lines = ["{"]
    keys = list(golden)
    for k, key in enumerate(keys):
        value = golden[key]
        comma = "," if k + 1 < len(keys) else ""
        if isinstance(value, list):
            lines.append(f"  {json.dumps(key)}: [")
            for c, case in enumerate(value):
                lines.append("    " + json.dumps(case, separators=(",", ":")) + ("," if c + 1 < len(value) else ""))
            lines.append("  ]" + comma)
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # infinities and NaN in the edge cases
        text = serialize(build())
    path = os.path.normpath(OUT)
    if args.check:
        with open(path) as f:
            if f.read() != text:
                print(f"{path} is stale: run {__file__}", file=sys.stderr)
                return 1
        return 0
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
