"""`qtool debug` against onnxruntime's qdq_loss_debug on the same float model, QDQ model
(onnxruntime's quantize_static, defaults) and samples: wall time and peak RSS of each whole
process (minimum over REPEATS runs; the machine is shared), and how far apart their activation
SQNRs are. qtool is timed twice: activations and weights only (what qdq_loss_debug does), and
with its sensitivity pass on its default 4 samples."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debug_reference import finite, ort_quantize_static, qdq_loss_debug  # noqa: E402
from shared_data import SHARED, samples, write_calibration  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QTOOL = os.environ.get("QTOOL", str(REPO / ".build" / "release" / "qtool"))
REPEATS = int(os.environ.get("QTOOL_BENCH_REPEATS", "3"))
# Samples per model: qdq_loss_debug keeps every activation of every sample in memory.
MODELS = {
    "digits_cnn.onnx": 32,
    "mobilenet_v2.onnx": 8,
    "ocr_cls_ppocr_mobile_v2.onnx": 32,
    "paraphrase_minilm_l3_v2.onnx": 16,
}


def ort_worker(float_model: str, qdq_model: str, data_dir: str, count: str, out: str) -> None:
    """qdq_loss_debug in its own process, so its time and memory are its own."""
    data = samples_from(Path(data_dir), int(count))
    Path(out).write_text(json.dumps(qdq_loss_debug(Path(float_model), Path(qdq_model), data)))


def samples_from(folder: Path, count: int) -> list[dict]:
    import numpy as np

    inputs = sorted(p.name for p in folder.iterdir() if p.is_dir())
    files = sorted(p.name for p in (folder / inputs[0]).glob("*.npy"))[:count]
    return [{name: np.load(folder / name / f) for name in inputs} for f in files]


def timed(command: list[str]) -> tuple[float, float, str]:
    """(wall s, peak RSS MB, stdout) of one run under /usr/bin/time -v."""
    with tempfile.NamedTemporaryFile(suffix=".time") as stats:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", stats.name, *command], capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:3])} failed: {proc.stderr[-500:]}")
        text = Path(stats.name).read_text()
    h, m, s = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text).groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return int(h or 0) * 3600 + int(m) * 60 + float(s), rss, proc.stdout


def best(command: list[str]) -> tuple[float, float, str]:
    runs = [timed(command) for _ in range(REPEATS)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def bench(name: str, count: int, root: Path) -> str:
    float_model, qdq_model, data_dir = root / "float.onnx", root / "qdq.onnx", root / "data"
    subprocess.run([QTOOL, "preprocess", "--input", str(SHARED / name), "--output", str(float_model)], check=True,
                   capture_output=True)
    data = samples(SHARED / name)[:count]
    write_calibration(data, data_dir)
    ort_quantize_static(float_model, qdq_model, data)
    debug = [QTOOL, "debug", "--float-model", str(float_model), "--qdq-model", str(qdq_model), "--calibrate-dataset",
             str(data_dir), "--format", "json", "--quiet"]
    q_wall, q_rss, stdout = best(debug + ["--sensitivity-samples", "0"])
    s_wall, s_rss, _ = best(debug)
    ours = {a["name"]: a["sqnr_db"] for a in json.loads(stdout)["activations"]}
    out = root / "ort.json"
    o_wall, o_rss, _ = best([sys.executable, __file__, "--ort-worker", str(float_model), str(qdq_model), str(data_dir),
                             str(count), str(out)])
    reference = json.loads(out.read_text())
    gaps = [abs(ours[n] - r["xmodel_err"]) for n, r in reference.items() if n in ours and finite(r.get("xmodel_err"))]
    gap = f"{max(gaps):.3f} dB over {len(gaps)}" if gaps else "none compared"
    return (f"| {name.removesuffix('.onnx')} | {count} | {o_wall:.2f} s, {o_rss:.0f} MB | {q_wall:.2f} s, {q_rss:.0f} MB | "
            f"{o_wall / q_wall:.1f}×, {o_rss / q_rss:.1f}× | {s_wall:.2f} s, {s_rss:.0f} MB | {gap} |")


def main() -> int:
    print(f"debug: qtool debug ({QTOOL}) vs onnxruntime qdq_loss_debug, onnxruntime's QDQ models, min of {REPEATS} runs")
    print("| model | samples | qdq_loss_debug | qtool debug (no sensitivity) | qtool advantage (wall, RSS) "
          "| qtool debug with sensitivity | max SQNR gap |")
    print("|---|---|---|---|---|---|---|")
    for name, count in MODELS.items():
        if not (SHARED / name).is_file():
            print(f"| {name} | absent | | | | | |")
            continue
        with tempfile.TemporaryDirectory() as folder:
            print(bench(name, count, Path(folder)), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--ort-worker":
        ort_worker(*sys.argv[2:7])
        sys.exit(0)
    sys.exit(main())
