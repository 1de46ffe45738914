#!/usr/bin/env python3
"""Golden ranges from onnxruntime's calibrators for qtool's calibration tests.

Feeds deterministic float32 batches (widening ranges, outliers, one-sided, constant tensors)
into onnxruntime.quantization.calibrate and writes inputs and thresholds to
Fixtures/calibration-golden.json:

- MinMax through a real MinMaxCalibrater (a one-node Identity model, so ReduceMin/ReduceMax
  run in onnxruntime), plain, symmetric and moving average; "stride" calls collect_data once
  per chunk of samples, as quantize_static does with CalibStridedMinMax.
- Entropy, Percentile and Distribution by driving HistogramCollector directly:
  "all" collects every batch in one call (what quantize_static does: one collect_data over the
  whole reader, so one histogram of all samples); "strided" collects batch by batch, which
  goes through merge_histogram / the bin-extending path for later batches.

Batches are stored as base64 of little-endian float32, thresholds as the float32 values
onnxruntime returned (a Python float holds a float32 exactly).

    .venv/bin/python Fixtures/gen/make_calibration_golden.py
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

from onnxruntime.quantization.calibrate import HistogramCollector, MinMaxCalibrater

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "calibration-golden.json"))
BATCH = 1024
# merge_histogram keeps the first batch's bin width, so a narrow first batch followed by wide
# ones makes millions of bins (tiny_then_wide: ~12 million), and onnxruntime's entropy search,
# quadratic in the bins, never finishes, or numpy refuses to make that many bins. Such cases
# are left out.
MAX_STRIDED_BINS = 8192


def datasets() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(20240611)

    def normal(mean, std, n=BATCH):
        return rng.normal(mean, std, n).astype(np.float32)

    laplace = [rng.laplace(0.0, 1.0, BATCH).astype(np.float32) for _ in range(3)]
    laplace[1][17] = 50.0
    laplace[2][900] = -30.0
    minmax_samples = [(normal(0.1 * (i % 5), 1.0 + (i % 7), 16)) for i in range(150)]
    return {
        "gaussian_widening": [normal(0.0, 1.0), normal(0.5, 2.0), normal(-0.3, 4.0)],
        "laplace_outliers": laplace,
        "relu": [np.maximum(normal(0.2, 1.5), 0).astype(np.float32) for _ in range(3)],
        "negative": [(-np.abs(normal(0.0, 2.0)) - 0.1).astype(np.float32) for _ in range(3)],
        "shrinking": [normal(0.0, 5.0), normal(0.0, 1.0), normal(0.0, 0.5)],
        "tiny_then_wide": [rng.uniform(-1e-3, 1e-3, BATCH).astype(np.float32), normal(0.0, 3.0), normal(1.0, 3.0)],
        "constant": [np.full(BATCH, 2.5, dtype=np.float32) for _ in range(3)],
        "zeros": [np.zeros(BATCH, dtype=np.float32) for _ in range(3)],
        "minmax_samples": minmax_samples,
    }


def splitmix_uniform(seed: int, count: int) -> np.ndarray:
    """count uniforms in [0, 1), multiples of 2^-24, from splitmix64 of seed·2^32 + i: exact in
    float32, so the Swift tests regenerate the same values bit for bit."""
    x = np.arange(count, dtype=np.uint64) + np.uint64(seed << 32) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)


def generated(spec: dict) -> np.ndarray:
    """A large batch described by `spec`, rebuilt in Swift with the same float32 operations:
    g = u0 + u1 + u2 + u3 − 2 (Irwin–Hall, near Gaussian), "gauss": g·scale + shift,
    "cube": g·g·g·scale (heavy tails), "relu": max(g·scale + shift, 0)."""
    u = [splitmix_uniform(spec["seed"] * 4 + k, spec["count"]) for k in range(4)]
    g = ((u[0] + u[1]) + u[2]) + u[3] - np.float32(2)
    scale, shift = np.float32(spec["scale"]), np.float32(spec["shift"])
    if spec["kind"] == "gauss":
        return g * scale + shift
    if spec["kind"] == "cube":
        return g * g * g * scale
    return np.maximum(g * scale + shift, np.float32(0))


# Large batches (4 × 65536 values), generated rather than stored: dense histograms, as real
# activations give.
GENERATED = {
    "large_gaussian_widening": [dict(kind="gauss", seed=10 + i, count=65536, scale=1.0 + i, shift=0.1 * i) for i in range(4)],
    "large_cube": [dict(kind="cube", seed=20 + i, count=65536, scale=3.0, shift=0.0) for i in range(4)],
    "large_relu": [dict(kind="relu", seed=30 + i, count=65536, scale=2.0 + 0.5 * i, shift=0.3) for i in range(4)],
}

HISTOGRAM_DATASETS = [
    "gaussian_widening", "laplace_outliers", "relu", "negative",
    "shrinking", "tiny_then_wide", "constant", "zeros", *GENERATED,
]

# (method, num_bins, num_quantized_bins, percentile, symmetric, scenario)
HISTOGRAM_CONFIGS = [
    ("entropy", 128, 128, 99.999, False, "same"),
    ("entropy", 2048, 128, 99.999, False, "same"),
    ("entropy", 1024, 256, 99.999, False, "same"),
    ("percentile", 2048, 128, 99.999, True, "same"),
    ("percentile", 2048, 128, 99.9, True, "same"),
    ("percentile", 2048, 128, 99.0, False, "same"),
    ("percentile", 512, 128, 99.99, False, "same"),
    ("distribution", 2048, 128, 99.999, False, "same"),
    ("distribution", 1024, 128, 99.999, False, "p3"),
]

# (symmetric, moving_average, averaging_constant, stride)
MINMAX_CONFIGS = [
    (False, False, 0.01, None),
    (True, False, 0.01, None),
    (False, True, 0.01, None),
    (True, True, 0.01, None),
    (False, True, 0.2, 1),
    (False, True, 0.05, 10),
    (True, True, 0.1, 30),
]


def encode(array: np.ndarray) -> str:
    return base64.b64encode(array.astype("<f4").tobytes()).decode("ascii")


def f32(value) -> float | None:
    """A float32 result as a JSON number; NaN (onnxruntime's deviation of a constant tensor) as null."""
    number = float(np.float32(np.asarray(value).reshape(-1)[0]))
    return None if np.isnan(number) else number


class Reader:
    def __init__(self, batches):
        self.items = iter([{"x": b} for b in batches])

    def get_next(self):
        return next(self.items, None)


def identity_model(path: str) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def minmax_golden(name, batches, config, folder):
    symmetric, moving, constant, stride = config
    model = os.path.join(folder, "identity.onnx")
    identity_model(model)
    calibrator = MinMaxCalibrater(
        model, augmented_model_path=os.path.join(folder, "augmented.onnx"),
        symmetric=symmetric, moving_average=moving, averaging_constant=constant)
    calibrator.augment_graph()
    calibrator.create_inference_session()
    step = stride or len(batches)
    for start in range(0, len(batches), step):
        calibrator.collect_data(Reader(batches[start:start + step]))
    low, high = calibrator.compute_data()["x"].range_value
    return {"dataset": name, "symmetric": symmetric, "moving_average": moving,
            "averaging_constant": constant, "stride": stride, "min": f32(low), "max": f32(high)}


def histogram_golden(name, batches, config, mode):
    method, bins, quantized, percentile, symmetric, scenario = config
    collector = HistogramCollector(method=method, symmetric=symmetric, num_bins=bins,
                                   num_quantized_bins=quantized, percentile=percentile, scenario=scenario)
    with contextlib.redirect_stdout(io.StringIO()), np.errstate(invalid="ignore"):   # progress prints, NaN std
        if mode == "all":
            collector.collect({"x": batches})
        else:
            try:
                for batch in batches:
                    collector.collect({"x": [batch]})
            except ValueError:   # "Too many bins for data range": numpy refuses the extended histogram
                return None
        if len(collector.histogram_dict["x"][0]) > MAX_STRIDED_BINS:
            return None
        result = collector.compute_collection_result()["x"]
    entry = {"dataset": name, "method": method, "num_bins": bins, "num_quantized_bins": quantized,
             "percentile": percentile, "symmetric": symmetric, "scenario": scenario, "mode": mode}
    if method == "distribution":
        entry.update(min=f32(result.lowest), max=f32(result.highest), avg=f32(result.avg), std=f32(result.std),
                     bin_width=f32(result.hist_edges[1] - result.hist_edges[0]))
    else:
        edges = collector.histogram_dict["x"][1]   # percentile's result carries hist[:2], not edges
        low, high = result[0], result[1]
        entry.update(min=f32(low), max=f32(high), bin_width=f32(edges[1] - edges[0]), final_bins=len(edges) - 1)
    return entry


def main() -> None:
    data = datasets()
    golden = {"datasets": {k: [encode(b) for b in v] for k, v in data.items()}, "generated": GENERATED,
              "minmax": [], "histogram": []}
    with tempfile.TemporaryDirectory() as folder:
        for name in data:
            for config in MINMAX_CONFIGS:
                golden["minmax"].append(minmax_golden(name, data[name], config, folder))
    data.update({name: [generated(spec) for spec in specs] for name, specs in GENERATED.items()})
    for name in HISTOGRAM_DATASETS:
        for config in HISTOGRAM_CONFIGS:
            for mode in ("all", "strided") if name not in GENERATED else ("all",):
                entry = histogram_golden(name, data[name], config, mode)
                if entry is not None:
                    golden["histogram"].append(entry)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=0, sort_keys=True, allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(golden['minmax'])} minmax, {len(golden['histogram'])} histogram cases")


if __name__ == "__main__":
    main()
