"""`qtool preprocess` on the real shared models: the output passes the full checker, carries
the pre-process marker, loads in onnxruntime, computes what the original computes (in
onnxruntime and in qtool's interpreter), and knows at least as many shapes as onnxruntime's
own quant_pre_process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
from shape_counts import count  # noqa: E402
from shared_data import samples, shared_models, write_inputs  # noqa: E402

from interop_util import QTOOL

RTOL = 1e-4
ATOL = 1e-4
SAMPLES_PER_MODEL = 2


def preprocess(model: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(QTOOL), "preprocess", "--input", str(model), "--output", str(output), *extra],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc


def run_qtool(model: Path, sample: dict, folder: Path) -> dict[str, np.ndarray]:
    inputs, outputs = folder / "in", folder / "out"
    write_inputs(sample, inputs)
    proc = subprocess.run([str(QTOOL), "run", "--model", str(model), "--inputs", str(inputs), "--output-dir", str(outputs)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return {p.stem: np.load(p) for p in outputs.glob("*.npy")}


@pytest.mark.parametrize("model", shared_models(), ids=lambda p: p.name)
def test_preprocessed_model_is_valid_and_equivalent(model: Path, tmp_path: Path):
    output = tmp_path / "pre.onnx"
    preprocess(model, output)
    checked = onnx.load(str(output))
    onnx.checker.check_model(checked, full_check=True)
    assert {p.key: p.value for p in checked.metadata_props}.get("onnx.quant.pre_process") == "qtool"

    original = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    processed = ort.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    names = [o.name for o in original.get_outputs()]
    assert names == [o.name for o in processed.get_outputs()]
    for index, sample in enumerate(samples(model)[:SAMPLES_PER_MODEL]):
        for name, before, after in zip(names, original.run(None, sample), processed.run(None, sample)):
            np.testing.assert_allclose(after, before, rtol=RTOL, atol=ATOL, err_msg=f"onnxruntime: {name}")
        ours_before = run_qtool(model, sample, tmp_path / f"before{index}")
        ours_after = run_qtool(output, sample, tmp_path / f"after{index}")
        for key, value in ours_before.items():
            np.testing.assert_allclose(ours_after[key], value, rtol=RTOL, atol=ATOL, err_msg=f"qtool: {key}")


@pytest.mark.parametrize("model", shared_models(), ids=lambda p: p.name)
def test_knows_at_least_as_many_shapes_as_onnxruntime(model: Path, tmp_path: Path, monkeypatch):
    from onnxruntime.quantization.shape_inference import quant_pre_process

    monkeypatch.chdir(tmp_path)  # onnxruntime leaves temporary models in the working folder

    ours = tmp_path / "qtool.onnx"
    preprocess(model, ours)
    theirs = tmp_path / "ort.onnx"
    try:
        quant_pre_process(str(model), str(theirs))
        reference = count(onnx.load(str(theirs))).full
    except Exception:  # onnxruntime's preprocess aborts on some models: nothing to beat
        reference = 0
    counts = count(onnx.load(str(ours)))
    print(f"{model.name}: qtool {counts.full}/{counts.tensors} shapes known, onnxruntime {reference}")
    # A graph our passes shrank further can hold fewer tensors than onnxruntime's: knowing
    # every one of them is the most there is to know.
    assert counts.full >= reference or counts.full == counts.tensors


def test_boolean_flags_take_no_value(tmp_path: Path):
    model = shared_models()[0] if shared_models() else pytest.skip("no shared models")
    proc = subprocess.run([str(QTOOL), "preprocess", "--input", str(model), "--output", str(tmp_path / "x.onnx"),
                           "--skip_optimization", "False"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and not (tmp_path / "x.onnx").exists()
    assert proc.stderr.count("\n") >= 1


def test_onnxruntime_spellings_are_accepted(tmp_path: Path):
    model = shared_models()[0] if shared_models() else pytest.skip("no shared models")
    output = tmp_path / "x.onnx"
    preprocess(model, output, "--skip_optimization", "--skip_symbolic_shape", "--auto_merge", "--int_max", "2147483647",
               "--guess_output_rank", "--save_as_external_data", "--all_tensors_to_one_file",
               "--external_data_location", "x.data", "--external_data_size_threshold", "0")
    assert (tmp_path / "x.data").exists()
    onnx.checker.check_model(str(output), full_check=True)
