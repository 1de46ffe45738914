#!/usr/bin/env python3
"""IO benchmark: python onnx.load/onnx.save against qtool's load/save.

Generates once (cached in <repo>/.bench/, git-ignored) a model of 50 chained
MatMuls with 2048x2048 float32 weights in raw_data (838,860,800 bytes of
weights, saved inline with onnx.save: below protobuf's 2 GB limit), then for
several repetitions measures, on a warm page cache for both sides:

  python  onnx.load(path)                 and  onnx.save(model, tmp)
  qtool   `qtool convert --input big --output tmp --timings`, which prints
          one stderr line `timing load_ms=<float> save_ms=<float>`
          (load = mmap + parse into the IR, save = serialize + write)

and prints the medians and the ratios against the targets.

    .venv/bin/python Bench/bench_io.py [--reps 5] [--qtool PATH] [--enforce]

--enforce exits 1 when a target is missed (default: report only).
Environment: QTOOL (default <repo>/.build/release/qtool).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / ".bench"
LAYERS = 50
DIM = 2048
SEED = 20240601
MODEL_NAME = f"matmul_chain_{LAYERS}x{DIM}.onnx"
TIMING_RE = re.compile(r"^timing load_ms=([0-9.eE+-]+) save_ms=([0-9.eE+-]+)\s*$", re.M)
LOAD_TARGET = 20.0
SAVE_TARGET = 2.0


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(SEED)
    inits, nodes = [], []
    prev = "x"
    for i in range(LAYERS):
        w = (rng.standard_normal((DIM, DIM), dtype=np.float32) * np.float32(1.0 / DIM ** 0.5))
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        out = "y" if i == LAYERS - 1 else f"h{i}"
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [out], name=f"matmul{i}"))
        prev = out
    graph = helper.make_graph(
        nodes, "matmul_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", DIM])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", DIM])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", 13)])
    model.ir_version = 8
    model.producer_name = "qtool-bench"
    model.producer_version = "1"
    return model


def ensure_model() -> Path:
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / MODEL_NAME
    stamp = BENCH_DIR / (MODEL_NAME + ".json")
    want = {"layers": LAYERS, "dim": DIM, "seed": SEED, "onnx": onnx.__version__}
    if path.is_file() and stamp.is_file():
        try:
            have = json.loads(stamp.read_text())
        except json.JSONDecodeError:
            have = None
        if have == {**want, "size": path.stat().st_size}:
            return path
    print(f"generating {path} (once; cached) ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    model = build_model()
    tmp = path.with_suffix(".onnx.tmp")
    onnx.save(model, str(tmp))
    del model
    gc.collect()
    os.replace(tmp, path)
    stamp.write_text(json.dumps({**want, "size": path.stat().st_size}))
    print(f"  done in {time.perf_counter() - t:.1f}s, {path.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    return path


def warm(path: Path) -> None:
    """Reads the file once so both sides start from a warm page cache."""
    with open(path, "rb") as f:
        while f.read(64 << 20):
            pass


def rm(path: Path) -> None:
    for p in (path, Path(str(path) + ".data")):
        if p.exists():
            p.unlink()


def bench_python(model_path: Path, out: Path) -> tuple[float, float]:
    gc.collect()
    t0 = time.perf_counter()
    m = onnx.load(str(model_path))
    t1 = time.perf_counter()
    onnx.save(m, str(out))
    t2 = time.perf_counter()
    del m
    gc.collect()
    rm(out)
    return (t1 - t0) * 1e3, (t2 - t1) * 1e3


def bench_qtool(qtool: Path, model_path: Path, out: Path) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    p = subprocess.run([str(qtool), "convert", "--input", str(model_path), "--output", str(out), "--timings"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = (time.perf_counter() - t0) * 1e3
    rm(out)
    if p.returncode != 0:
        raise RuntimeError(f"qtool convert failed (exit {p.returncode}): {p.stderr.strip()[:500]}")
    m = TIMING_RE.search(p.stderr)
    if not m:
        raise RuntimeError(f"qtool printed no 'timing load_ms=<float> save_ms=<float>' line on stderr: "
                           f"{p.stderr.strip()[:500]!r}")
    return float(m.group(1)), float(m.group(2)), wall


def main() -> int:
    ap = argparse.ArgumentParser(description="python onnx vs qtool load/save benchmark")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--qtool", default=os.environ.get("QTOOL", str(REPO / ".build" / "release" / "qtool")))
    ap.add_argument("--enforce", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args()
    qtool = Path(args.qtool)

    model_path = ensure_model()
    size_mb = model_path.stat().st_size / 1e6
    out_dir = BENCH_DIR / "out"
    out_dir.mkdir(exist_ok=True)
    warm(model_path)

    py_load, py_save, q_load, q_save, q_wall = [], [], [], [], []
    qtool_error = None
    if not qtool.is_file():
        qtool_error = f"qtool binary not found at {qtool}"
    for rep in range(args.reps):
        lo, sa = bench_python(model_path, out_dir / "python.onnx")
        py_load.append(lo)
        py_save.append(sa)
        if qtool_error is None:
            try:
                ql, qs, qw = bench_qtool(qtool, model_path, out_dir / "qtool.onnx")
                q_load.append(ql)
                q_save.append(qs)
                q_wall.append(qw)
            except RuntimeError as e:
                qtool_error = str(e)
        print(f"rep {rep + 1}/{args.reps}: onnx.load {lo:.0f} ms, onnx.save {sa:.0f} ms"
              + (f"; qtool load {q_load[-1]:.1f} ms, save {q_save[-1]:.1f} ms, process {q_wall[-1]:.0f} ms"
                 if qtool_error is None else ""), file=sys.stderr, flush=True)

    med = statistics.median
    print(f"\nmodel: {model_path.relative_to(REPO)} ({size_mb:.1f} MB, {LAYERS} x MatMul {DIM}x{DIM} float32), "
          f"{args.reps} repetitions, medians, warm page cache")
    print(f"{'':8}{'python onnx (ms)':>18}{'qtool (ms)':>14}{'ratio':>10}")
    if qtool_error is not None:
        print(f"{'load':8}{med(py_load):18.1f}{'-':>14}{'-':>10}")
        print(f"{'save':8}{med(py_save):18.1f}{'-':>14}{'-':>10}")
        print(f"\nqtool: {qtool_error}")
        return 1
    load_ratio = med(py_load) / med(q_load) if med(q_load) > 0 else float("inf")
    save_ratio = med(py_save) / med(q_save) if med(q_save) > 0 else float("inf")
    print(f"{'load':8}{med(py_load):18.1f}{med(q_load):14.1f}{load_ratio:9.1f}x")
    print(f"{'save':8}{med(py_save):18.1f}{med(q_save):14.1f}{save_ratio:9.1f}x")
    print(f"(qtool whole convert process: {med(q_wall):.0f} ms)")
    print()
    ok_load = load_ratio >= LOAD_TARGET
    ok_save = save_ratio >= SAVE_TARGET
    print(f"load: onnx.load / qtool = {load_ratio:.1f}x (target >= {LOAD_TARGET:g}x) {'OK' if ok_load else 'MISSED'}")
    print(f"save: onnx.save / qtool = {save_ratio:.1f}x (target >= {SAVE_TARGET:g}x) {'OK' if ok_save else 'MISSED'}")
    if args.enforce and not (ok_load and ok_save):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
