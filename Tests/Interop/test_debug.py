"""`qtool debug` on the real shared models: its activation SQNRs agree with onnxruntime's
qdq_loss_debug within 0.1 dB (qtool runs both models on its interpreter, qdq_loss_debug in
onnxruntime: the tolerance is for that), for qtool's QDQ output and for onnxruntime's
quantize_static output (paired by graph structure, no tensor map); the sensitivity list reaches
its target as measured; the HTML report renders in headless Chromium with its chart."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
from debug_reference import finite, ort_quantize_static, qdq_loss_debug  # noqa: E402
from shared_data import SHARED, samples, write_calibration  # noqa: E402

from interop_util import QTOOL

# Few samples: qdq_loss_debug keeps every activation of every sample in memory, and CI is short.
MODELS = {
    "digits_cnn.onnx": 4,
    "mobilenet_v2.onnx": 8,
    "ocr_cls_ppocr_mobile_v2.onnx": 3,
    "paraphrase_minilm_l3_v2.onnx": 2,
}
TOLERANCE_DB = 0.1


def qtool(*args, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(QTOOL), *map(str, args)], capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, f"qtool {' '.join(map(str, args))} failed:\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """Per model: the float model after qtool preprocess, its samples and their folder."""
    cache = {}

    def get(name: str):
        if name not in cache:
            model = SHARED / name
            if not model.is_file():
                pytest.skip(f"{model} is absent")
            root = tmp_path_factory.mktemp(name.replace(".onnx", ""))
            float_model = root / "float.onnx"
            qtool("preprocess", "--input", model, "--output", float_model)
            data = samples(model)[: MODELS[name]]
            write_calibration(data, root / "data")
            cache[name] = (root, float_model, data)
        return cache[name]

    return get


def quantized(producer: str, root: Path, float_model: Path, data) -> Path:
    output = root / f"{producer}.qdq.onnx"
    if not output.exists():
        if producer == "qtool":
            qtool("quantize-static", "--input", float_model, "--output", output, "--calibrate-dataset", root / "data", "--quiet")
        else:
            ort_quantize_static(float_model, output, data)
    return output


def debug_json(float_model: Path, qdq_model: Path, data_dir: Path, *extra) -> dict:
    proc = qtool("debug", "--float-model", float_model, "--qdq-model", qdq_model, "--calibrate-dataset", data_dir,
                 "--format", "json", "--quiet", *extra)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("producer", ["qtool", "onnxruntime"])
@pytest.mark.parametrize("name", list(MODELS))
def test_activation_sqnr_agrees_with_qdq_loss_debug(prepared, name: str, producer: str):
    root, float_model, data = prepared(name)
    qdq_model = quantized(producer, root, float_model, data)
    report = debug_json(float_model, qdq_model, root / "data", "--sensitivity-samples", "0")
    assert report["pairing"] == ("tensor map" if producer == "qtool" else "graph structure")
    reference = qdq_loss_debug(float_model, qdq_model, data)
    ours = {a["name"]: a for a in report["activations"]}
    common = [n for n in reference if n in ours]
    # Every tensor qdq_loss_debug pairs, qtool pairs too (it may pair more: no suffix rules).
    assert len(common) == len(reference) > 0, sorted(set(reference) - set(ours))[:10]
    compared = 0
    for tensor in common:
        for ort_key, our_key in (("xmodel_err", "sqnr_db"), ("qdq_err", "qdq_sqnr_db")):
            expected, actual = reference[tensor].get(ort_key), ours[tensor][our_key]
            if not finite(expected):
                continue
            assert finite(actual), f"{tensor}: {our_key} is {actual}, qdq_loss_debug {expected}"
            assert abs(actual - expected) <= TOLERANCE_DB, f"{tensor}: {our_key} {actual:.3f} dB, qdq_loss_debug {expected:.3f} dB"
            compared += 1
    assert compared >= len(common)


def test_sensitivity_ranks_nodes_and_the_exclusion_list_reaches_its_target(prepared):
    root, float_model, data = prepared("digits_cnn.onnx")
    qdq_model = quantized("onnxruntime", root, float_model, data)
    everything = debug_json(float_model, qdq_model, root / "data", "--sensitivity-samples", "2", "--target-sqnr", "200")
    outputs_db = min(o["sqnr_db"] for o in everything["outputs"])
    # A target above what any int8 model reaches: only all nodes in float get there.
    plan = everything["nodes_to_exclude"]
    assert plan["all_quantized_sqnr_db"] < 200 and len(plan["nodes"]) == len(everything["sensitivity"])
    ranked = [s["sqnr_db"] for s in everything["sensitivity"]]
    assert ranked == sorted(ranked) and len(ranked) >= 3
    # Each node alone costs less than all of them together.
    assert all(s > outputs_db - 1 for s in ranked)
    target = plan["all_quantized_sqnr_db"] + 3
    report = debug_json(float_model, qdq_model, root / "data", "--sensitivity-samples", "2", "--target-sqnr", f"{target}")
    plan = report["nodes_to_exclude"]
    assert plan["reached"] and plan["sqnr_db"] >= target and 0 < len(plan["nodes"]) < len(ranked)
    assert plan["nodes"] == [s["node"] for s in report["sensitivity"][: len(plan["nodes"])]]


def test_same_inputs_give_the_same_bytes_and_fail_below_gates(prepared, tmp_path: Path):
    root, float_model, data = prepared("digits_cnn.onnx")
    qdq_model = quantized("qtool", root, float_model, data)
    outputs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        qtool("debug", "--float-model", float_model, "--qdq-model", qdq_model, "--calibrate-dataset", root / "data",
              "--format", "json", "--output", out, "--quiet", "--sensitivity-samples", "1")
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    worst = min(o["sqnr_db"] for o in json.loads(outputs[0])["outputs"])
    proc = qtool("debug", "--float-model", float_model, "--qdq-model", qdq_model, "--calibrate-dataset", root / "data",
                 "--quiet", "--sensitivity-samples", "0", "--fail-below", f"{worst + 1}", check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "below --fail-below" in proc.stderr, proc.stderr
    assert "Activations" in proc.stdout  # the report is still written
    qtool("debug", "--float-model", float_model, "--qdq-model", qdq_model, "--calibrate-dataset", root / "data",
          "--quiet", "--sensitivity-samples", "0", "--fail-below", f"{worst - 1}")
    proc = qtool("debug", "--float-model", float_model, "--qdq-model", root / "missing.onnx", "--calibrate-dataset",
                 root / "data", check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("qtool: error:") and "missing.onnx" in proc.stderr


# MARK: HTML in headless Chromium

def chromium() -> str:
    """Debian's chromium (`make chromium` installs it); its absence fails the test."""
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("chromium is not installed: run `make chromium` (apt-get install -y chromium)")


def headless(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--no-first-run", "--hide-scrollbars", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def read_png(path: Path) -> np.ndarray:
    """RGB(A) pixels of an 8-bit non-interlaced PNG (what Chromium writes), rows unfiltered."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    pixels = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        row = line.copy()
        if kind == 1:
            for x in range(channels, stride):
                row[x] = (row[x] + row[x - channels]) & 255
        elif kind == 2:
            row = (line + previous) & 255
        elif kind in (3, 4):
            for x in range(stride):
                left = row[x - channels] if x >= channels else 0
                up, corner = previous[x], previous[x - channels] if x >= channels else 0
                if kind == 3:
                    predicted = (left + up) // 2
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predicted = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[x] = (line[x] + predicted) & 255
        pixels[y] = row
        previous = row
    return pixels.reshape(height, width, channels)[:, :, :3]


def test_html_report_renders_with_its_chart_in_chromium(prepared, tmp_path: Path):
    root, float_model, data = prepared("digits_cnn.onnx")
    qdq_model = quantized("qtool", root, float_model, data)
    page = tmp_path / "report.html"
    qtool("debug", "--float-model", float_model, "--qdq-model", qdq_model, "--calibrate-dataset", root / "data",
          "--format", "html", "--output", page, "--top", "2", "--quiet", "--sensitivity-samples", "1")
    text = page.read_text()
    assert "<script" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    activations = debug_json(float_model, qdq_model, root / "data", "--sensitivity-samples", "0")["activations"]
    dom = headless("--dump-dom", page.as_uri()).stdout
    chart = re.search(r'<svg id="sqnr-chart".*?</svg>', dom, re.S)
    assert chart, "no chart in the rendered DOM"
    bars = re.findall(r'<rect class="bar( worst)?"', chart.group(0))
    assert len(bars) == len(activations) and sum(1 for b in bars if b) == 2
    screenshot = tmp_path / "shot.png"
    headless(f"--screenshot={screenshot}", "--window-size=1200,900", page.as_uri())
    pixels = read_png(screenshot)

    def count(color: str) -> int:
        rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
        return int(np.all(np.abs(pixels - rgb) <= 2, axis=2).sum())

    # Both kinds of bar are painted: the highlighted worst ones and the rest.
    assert count("#d62728") > 20 and count("#4e79a7") > 100
