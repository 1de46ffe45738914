"""qtool's interpreter against onnxruntime on the real shared models with their real inputs:
outputs agree within rtol 1e-4 / atol 1e-4 (the interpreter's accuracy target)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
from shared_data import samples, shared_models, write_inputs  # noqa: E402

from interop_util import QTOOL

RTOL = 1e-4
ATOL = 1e-4
SAMPLES_PER_MODEL = 3


@pytest.mark.parametrize("model", shared_models(), ids=lambda p: p.name)
def test_interpreter_matches_onnxruntime(model: Path, tmp_path: Path):
    data = samples(model)
    assert data, f"no data set found for {model.name}"
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    worst = 0.0
    for index, sample in enumerate(data[:SAMPLES_PER_MODEL]):
        inputs, outputs = tmp_path / f"in{index}", tmp_path / f"out{index}"
        write_inputs(sample, inputs)
        proc = subprocess.run([str(QTOOL), "run", "--model", str(model), "--inputs", str(inputs),
                               "--output-dir", str(outputs)], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        expected = session.run(None, sample)
        for name, reference in zip(names, expected):
            actual = np.load(outputs / (name.replace("/", "_") + ".npy"))
            assert actual.shape == reference.shape and actual.dtype == reference.dtype, name
            if np.issubdtype(reference.dtype, np.floating):
                error = np.abs(actual.astype(np.float64) - reference)
                worst = max(worst, float((error / (ATOL + RTOL * np.abs(reference))).max(initial=0)))
                np.testing.assert_allclose(actual, reference, rtol=RTOL, atol=ATOL, err_msg=f"{model.name}: {name}")
            else:
                np.testing.assert_array_equal(actual, reference, err_msg=f"{model.name}: {name}")
    print(f"{model.name}: worst error {worst:.3f} of the tolerance")
