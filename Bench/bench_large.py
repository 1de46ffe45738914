#!/usr/bin/env python3
"""Over 2 GB: convert, preprocess and quantize-dynamic on a model past protobuf's limit.

Generates once (cached in <repo>/.bench/large/, git-ignored) a chain of LAYERS MatMul+Add+Relu
blocks with DIM x DIM float32 weights, all in one external-data side file (2.7 GB of weights:
such a model can only exist with external data), streaming the weights to disk so the
generator itself stays small. Then runs, each as its own process:

  qtool convert           (external data kept)
  qtool preprocess
  qtool quantize-dynamic  (when the subcommand exists)

and prints wall time and peak RSS of each next to the model size: the weights are read from
the memory map and written out a tensor at a time, so peak RSS must stay well below it.
The quantized model is checked with onnx.checker (by path, as it is over 2 GB only as float)
and its output is compared with the float model's on one input in onnxruntime.

    .venv/bin/python Bench/bench_large.py [--qtool PATH] [--keep]
Environment: QTOOL (default <repo>/.build/release/qtool), BENCH_LARGE_LAYERS (default 40).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".bench" / "large"
DIM = 4096
LAYERS = int(os.environ.get("BENCH_LARGE_LAYERS", "40"))
SEED = 7
MODEL = WORK / f"chain_{LAYERS}x{DIM}.onnx"
DATA_NAME = MODEL.name + ".data"


def external(name: str, dims: list[int], offset: int) -> TensorProto:
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims, data_location=TensorProto.EXTERNAL)
    nbytes = int(np.prod(dims)) * 4
    for key, value in (("location", DATA_NAME), ("offset", str(offset)), ("length", str(nbytes))):
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def generate() -> None:
    stamp = WORK / (MODEL.name + ".json")
    want = {"layers": LAYERS, "dim": DIM, "seed": SEED}
    if MODEL.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == want:
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"generating {MODEL} ({LAYERS * DIM * DIM * 4 / 1e9:.2f} GB of weights; once, cached) ...",
          file=sys.stderr, flush=True)
    rng = np.random.default_rng(SEED)
    nodes, inits, offset, prev = [], [], 0, "x"
    with open(WORK / DATA_NAME, "wb") as data:
        for i in range(LAYERS):
            # Row blocks keep the generator's memory at a few MB whatever DIM is.
            for rows in range(0, DIM, 256):
                block = rng.standard_normal((256, DIM), dtype=np.float32) * np.float32(1.4 / DIM ** 0.5)
                data.write(block.tobytes())
            inits.append(external(f"w{i}", [DIM, DIM], offset))
            offset += DIM * DIM * 4
            bias = (rng.standard_normal(DIM, dtype=np.float32) * np.float32(0.01))
            data.write(bias.tobytes())
            inits.append(external(f"b{i}", [DIM], offset))
            offset += DIM * 4
            out = "y" if i == LAYERS - 1 else f"r{i}"
            nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"], name=f"matmul{i}"),
                      helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"], name=f"add{i}"),
                      helper.make_node("Relu" if i < LAYERS - 1 else "Identity", [f"a{i}"], [out], name=f"act{i}")]
            prev = out
    graph = helper.make_graph(nodes, "large_chain",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, DIM])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, DIM])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    with open(MODEL, "wb") as f:
        f.write(model.SerializeToString())
    stamp.write_text(json.dumps(want))


def run_measured(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "qtool-rss-kb %M"] + args, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    rss_lines = [line for line in p.stderr.splitlines() if line.startswith("qtool-rss-kb ")]
    rss = int(rss_lines[-1].split()[1]) / 1024 if rss_lines else max(before, 0) / 1024
    return wall, rss, p


def output_cosine(float_model: Path, quantized: Path) -> float:
    import onnxruntime as ort
    x = np.random.default_rng(1).standard_normal((1, DIM), dtype=np.float32)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    ys = []
    for path in (float_model, quantized):
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        ys.append(session.run(None, {"x": x})[0].ravel().astype(np.float64))
        del session
    a, b = ys
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main() -> int:
    ap = argparse.ArgumentParser(description="qtool on a model over 2 GB")
    ap.add_argument("--qtool", default=os.environ.get("QTOOL", str(REPO / ".build" / "release" / "qtool")))
    ap.add_argument("--keep", action="store_true", help="keep the outputs in .bench/large/out")
    args = ap.parse_args()
    generate()
    size_gb = (MODEL.stat().st_size + (WORK / DATA_NAME).stat().st_size) / 1e9
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    has_dynamic = subprocess.run([args.qtool, "quantize-dynamic", "--help"], capture_output=True).returncode == 0
    steps = [("convert", ["convert", "--input", MODEL, "--output", out / "converted.onnx"]),
             ("preprocess", ["preprocess", "--input", MODEL, "--output", out / "pre.onnx"])]
    if has_dynamic:
        steps.append(("quantize-dynamic", ["quantize-dynamic", "--input", MODEL, "--output", out / "q.onnx"]))
    print(f"\nmodel: {MODEL.relative_to(REPO)} + {DATA_NAME}: {size_gb:.2f} GB "
          f"({LAYERS} x MatMul {DIM}x{DIM} + Add + Relu, external data)")
    print(f"{'step':18}{'wall (s)':>10}{'peak RSS (MB)':>15}{'RSS / model':>13}")
    failed = False
    for name, step in steps:
        wall, rss, p = run_measured([args.qtool] + [str(a) for a in step])
        if p.returncode != 0:
            print(f"{name:18} failed (exit {p.returncode}): {p.stderr.strip().splitlines()[-1:]}")
            failed = True
            continue
        print(f"{name:18}{wall:10.1f}{rss:15.0f}{rss / (size_gb * 1e3):13.2f}")
    if has_dynamic and (out / "q.onnx").is_file():
        onnx.checker.check_model(str(out / "q.onnx"), full_check=True)
        q_size = sum(f.stat().st_size for f in out.iterdir() if f.name.startswith("q.onnx"))
        print(f"quantized: {q_size / 1e9:.2f} GB, passes onnx.checker; output cosine to float in onnxruntime: "
              f"{output_cosine(MODEL, out / 'q.onnx'):.4f}")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
