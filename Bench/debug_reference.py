"""onnxruntime's side of `qtool debug`: quantize_static and qdq_loss_debug on the same samples,
shared by Tests/Interop/test_debug.py and Bench/bench_debug.py."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np


class SampleReader:
    """A CalibrationDataReader over a list of {input name: array} samples."""

    def __init__(self, data: list[dict[str, np.ndarray]]):
        self.data = data
        self.position = 0

    def get_next(self):
        if self.position >= len(self.data):
            return None
        self.position += 1
        return self.data[self.position - 1]

    def __iter__(self):
        return iter(self.data)

    def rewind(self):
        self.position = 0


def ort_quantize_static(float_model: Path, output: Path, data: list[dict[str, np.ndarray]]) -> None:
    """onnxruntime's quantize_static with its defaults (QDQ, per tensor, MinMax)."""
    from onnxruntime.quantization import QuantFormat, quantize_static

    reader = SampleReader(data)
    quantize_static(str(float_model), str(output), reader, quant_format=QuantFormat.QDQ)


def qdq_loss_debug(float_model: Path, qdq_model: Path, data: list[dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """{activation: {"xmodel_err": dB, "qdq_err": dB}} from onnxruntime's qdq_loss_debug, both
    models run in onnxruntime on `data`."""
    from onnxruntime.quantization.qdq_loss_debug import (
        collect_activations,
        compute_activation_error,
        create_activation_matching,
        modify_model_output_intermediate_tensors,
    )

    with tempfile.TemporaryDirectory() as folder:
        float_aug = Path(folder) / "float_aug.onnx"
        qdq_aug = Path(folder) / "qdq_aug.onnx"
        modify_model_output_intermediate_tensors(str(float_model), str(float_aug))
        modify_model_output_intermediate_tensors(str(qdq_model), str(qdq_aug))
        float_activations = collect_activations(str(float_aug), SampleReader(data))
        qdq_activations = collect_activations(str(qdq_aug), SampleReader(data))
    matching = create_activation_matching(qdq_activations, float_activations)
    # A tensor the float model lacks has no "float" entry, and compute_activation_error would
    # fail on it: compare only tensors both models have.
    matching = {name: match for name, match in matching.items() if "float" in match}
    return compute_activation_error(matching)


def finite(value) -> bool:
    return value is not None and math.isfinite(value)
