"""`qtool quantize-static` on the real shared models: every output passes the full checker and
runs in onnxruntime, in QDQ and QOperator form, per tensor and per channel; the quantized model
stays close to the float one (final-output SQNR floor), and the tensor map is present."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
from shared_data import samples, shared_models, write_calibration  # noqa: E402

from interop_util import QTOOL

CALIBRATION_SAMPLES = 8
EVALUATION_SAMPLES = 4
# A floor far below what the bench measures with qtool's defaults (per channel): it catches a
# broken rewrite, not a weak calibration. Per-tensor weights (onnxruntime's default) are checked
# for validity only: on the OCR recognizer, MiniLM and the VAD models they are poor by nature.
SQNR_FLOOR_DB = 5.0
VARIANTS = {
    "qdq-per-channel": [],
    "qdq-per-tensor": ["--per-tensor"],
    "qoperator-per-channel": ["--quant-format", "qoperator"],
    "qoperator-per-tensor": ["--quant-format", "qoperator", "--per-tensor"],
}


def sqnr(reference: np.ndarray, actual: np.ndarray) -> float:
    noise = np.linalg.norm((reference - actual).astype(np.float64))
    return float("inf") if noise == 0 else 20 * np.log10(np.linalg.norm(reference.astype(np.float64)) / noise)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("model", shared_models(), ids=lambda p: p.name)
def test_quantized_model_is_valid_and_close(model: Path, variant: str, tmp_path: Path):
    data = samples(model)
    write_calibration(data[:CALIBRATION_SAMPLES], tmp_path / "calibration")
    output = tmp_path / "q.onnx"
    proc = subprocess.run([str(QTOOL), "quantize-static", "--input", str(model), "--output", str(output),
                           "--calibrate-dataset", str(tmp_path / "calibration"), "--quiet", *VARIANTS[variant]],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    quantized = onnx.load(str(output))
    onnx.checker.check_model(quantized, full_check=True)
    tensor_map = json.loads({p.key: p.value for p in quantized.metadata_props}["qtool.tensor_map"])
    assert tensor_map, "no tensor was quantized"
    ops = {n.op_type for n in quantized.graph.node}
    for graph_node in quantized.graph.node:
        for attribute in graph_node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                ops |= {n.op_type for n in attribute.g.node}
    assert ops & {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul"}

    float_session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    quant_session = ort.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    names = [o.name for o in float_session.get_outputs()]
    for sample in data[-EVALUATION_SAMPLES:]:
        expected = dict(zip(names, float_session.run(None, sample)))
        actual = dict(zip(names, quant_session.run(names, sample)))
        for name in names:
            if expected[name].dtype != np.float32:
                np.testing.assert_array_equal(actual[name], expected[name])
                continue
            assert actual[name].shape == expected[name].shape
            assert np.isfinite(actual[name]).all()
            if "per-tensor" not in variant:
                assert sqnr(expected[name], actual[name]) > SQNR_FLOOR_DB, f"{name}: {sqnr(expected[name], actual[name]):.1f} dB"
