"""`qtool preprocess` against onnxruntime's quant_pre_process on every shared model: wall time
and how many tensors end with a known shape (every dim a size or a name; concrete in brackets)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import onnx
from onnxruntime.quantization.shape_inference import quant_pre_process

from shape_counts import count
from shared_data import shared_models

QTOOL = os.environ["QTOOL"]


def timed(action) -> tuple[float, str | None]:
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # onnxruntime prints its diagnostics
            action()
    except Exception as error:  # onnxruntime's preprocess aborts on some models
        message = (str(error).splitlines() or [""])[0][:60]
        return time.perf_counter() - start, f"{type(error).__name__}: {message}".rstrip(": ")
    return time.perf_counter() - start, None


def run_qtool(model: Path, output: Path) -> None:
    subprocess.run([QTOOL, "preprocess", "--input", str(model), "--output", str(output)],
                   check=True, capture_output=True, timeout=900)


def main() -> int:
    print("preprocess: qtool vs onnxruntime quant_pre_process (shapes known / tensors, concrete in brackets)")
    print(f"{'model':34} {'ort s':>7} {'qtool s':>8} {'speedup':>8}  {'ort shapes':>16} {'qtool shapes':>16}")
    for model in shared_models():
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)  # onnxruntime leaves temporary models in the working folder
            ours, theirs = Path(tmp) / "qtool.onnx", Path(tmp) / "ort.onnx"
            ort_time, ort_error = timed(lambda: quant_pre_process(str(model), str(theirs)))
            qtool_time, _ = timed(lambda: run_qtool(model, ours))
            mine = count(onnx.load(str(ours)))
            if ort_error is None:
                ref = count(onnx.load(str(theirs)))
                ref_text = f"{ref.full}/{ref.tensors} [{ref.concrete}]"
            else:
                ref_text = "failed"
            print(f"{model.name:34} {ort_time:7.2f} {qtool_time:8.2f} {ort_time / qtool_time:7.1f}x  {ref_text:>16} "
                  f"{f'{mine.full}/{mine.tensors} [{mine.concrete}]':>16}" + (f"  (ort: {ort_error})" if ort_error else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
