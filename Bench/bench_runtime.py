"""Interpreter latency: qtool vs onnxruntime on every shared model, same input, same thread
count, in one run. Prints median latencies and the ratio qtool / onnxruntime (target <= 3x).

The two engines alternate over several rounds (a fresh qtool process and a fresh onnxruntime
session each round) and each reports the median of its rounds' medians: on this machine a whole
process can run a third slower than the next one, which single launches turn into noise."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared_data import samples, shared_models, write_inputs  # noqa: E402

QTOOL = os.environ.get("QTOOL", str(Path(__file__).resolve().parents[1] / ".build" / "release" / "qtool"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def ort_latency(model: Path, feeds: dict) -> float:
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    for _ in range(3):
        session.run(None, feeds)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def qtool_latency(model: Path, folder: Path) -> float | str:
    proc = subprocess.run([QTOOL, "run", "--model", str(model), "--inputs", str(folder), "--threads", str(THREADS),
                           "--benchmark", str(RUNS)], capture_output=True, text=True, timeout=900)
    match = re.search(r"latency_ms median=([0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not match:
        return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    return float(match.group(1))


def main() -> int:
    print(f"interpreter latency, {THREADS} threads, median over {ROUNDS} alternating rounds of {RUNS} runs (qtool {QTOOL})")
    print(f"{'model':34} {'onnxruntime ms':>15} {'qtool ms':>10} {'ratio':>7}")
    for model in shared_models():
        data = samples(model)
        if not data:
            print(f"{model.name:34} (no data)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_inputs(data[0], folder)
            references, results = [], []
            for _ in range(ROUNDS):
                references.append(ort_latency(model, data[0]))
                results.append(qtool_latency(model, folder))
            reference = statistics.median(references)
            failures = [r for r in results if isinstance(r, str)]
            ours = failures[0] if failures else statistics.median(results)
        if isinstance(ours, str):
            print(f"{model.name:34} {reference:15.2f} {ours}")
        else:
            print(f"{model.name:34} {reference:15.2f} {ours:10.2f} {ours / reference:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
