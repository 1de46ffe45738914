"""Malformed input: truncated and corrupted files never crash or hang qtool, in any subcommand."""

from __future__ import annotations

import json
import os
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
import pytest

from interop_util import FIXTURES_DIR, REPO, run_qtool

TIMEOUT = 20.0
TRUNCATIONS = 50
CORRUPTIONS = 80           # per fixture; 400 in all
# small_cnn is mostly weight bytes (long length fields: good for truncation);
# the others are dense structure, where a flipped byte changes tags and lengths
FIXTURES = ["small_cnn.onnx", "subgraphs.onnx", "tensor_types.onnx", "graph_features.onnx", "attribute_types.onnx"]
WORKERS = max(1, min(4, os.cpu_count() or 1))


def is_protobuf(data: bytes) -> bool:
    try:
        onnx.load_model_from_string(data)
        return True
    except Exception:
        return False


def cases(data: bytes, seed: int):
    n = len(data)
    cuts = sorted({round(i * n / TRUNCATIONS) for i in range(TRUNCATIONS)} | {1, n - 1})
    for c in cuts:
        yield f"truncate@{c}", data[:c]
    rng = random.Random(seed)
    for i in range(CORRUPTIONS):
        pos = rng.randrange(n)
        b = bytearray(data)
        b[pos] ^= rng.randrange(1, 256)
        yield f"corrupt{i}@{pos}={b[pos]:#04x}", bytes(b)


def check_case(work: Path, label: str, data: bytes) -> list[str]:
    """Runs convert and inspect on one damaged file; returns problems found."""
    problems = []
    d = work / label.replace("@", "_").replace("=", "_")
    in_dir, out_dir = d / "in", d / "out"
    in_dir.mkdir(parents=True)
    out_dir.mkdir()
    inp = in_dir / "damaged.onnx"
    inp.write_bytes(data)
    valid_pb = None

    def protobuf_ok() -> bool:
        nonlocal valid_pb
        if valid_pb is None:
            valid_pb = is_protobuf(data)
        return valid_pb

    def run(*args):
        try:
            return run_qtool(*args, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"{label}: `qtool {' '.join(map(str, args))}` timed out after {TIMEOUT}s")
            return None

    def check_failure(cmd: str, p) -> None:
        lines = p.stderr_text.strip("\n").splitlines()
        if len(lines) != 1 or not lines[0].startswith("qtool: error:"):
            problems.append(f"{label}: {cmd} exit 1 but stderr is not one 'qtool: error:' line: "
                            f"{p.stderr_text[:300]!r}")

    out = out_dir / "out.onnx"
    p = run("convert", "--input", inp, "--output", out)
    if p is not None:
        if p.returncode == 1:
            check_failure("convert", p)
            left = os.listdir(out_dir)
            if left:
                problems.append(f"{label}: convert failed but left {left} in the output folder")
        elif p.returncode == 0:
            if not protobuf_ok():
                problems.append(f"{label}: convert exit 0 on a file that is not a valid protobuf")
            try:
                onnx.load(str(out), load_external_data=False)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{label}: convert exit 0 but onnx cannot load the output: {e}")
        else:
            problems.append(f"{label}: convert exit {p.returncode} (want 0 or 1); "
                            f"stderr {p.stderr_text[:300]!r}")

    p = run("inspect", inp, "--json")
    if p is not None:
        if p.returncode == 1:
            check_failure("inspect", p)
        elif p.returncode == 0:
            if not protobuf_ok():
                problems.append(f"{label}: inspect exit 0 on a file that is not a valid protobuf")
            try:
                json.loads(p.stdout_text)
            except json.JSONDecodeError:
                problems.append(f"{label}: inspect exit 0 but stdout is not JSON")
        else:
            problems.append(f"{label}: inspect exit {p.returncode} (want 0 or 1); "
                            f"stderr {p.stderr_text[:300]!r}")
    if not problems:
        for f in out_dir.iterdir():
            f.unlink()
    return problems


@pytest.mark.parametrize("name", FIXTURES)
def test_truncated_and_corrupted(qtool, tmp_path, name):
    data = (FIXTURES_DIR / name).read_bytes()
    seed = sum(name.encode())  # fixed per fixture
    all_cases = list(cases(data, seed))
    assert len(all_cases) >= TRUNCATIONS + CORRUPTIONS - 5
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda c: check_case(tmp_path, *c), all_cases))
    problems = [p for r in results for p in r]
    if problems:
        shown = "\n".join(problems[:25])
        pytest.fail(f"{len(problems)} problems over {len(all_cases)} damaged copies of {name}:\n{shown}")


# --------------------------------------------------------------------------
# the subcommands that work on a model: run, preprocess and the quantizers
# --------------------------------------------------------------------------

WORKING_EVERY = 2          # every 2nd damaged copy of each model (66) through each of them
# Models that run, with a generator of their inputs: (input name, array) pairs for one sample.
WORKING_MODELS = {
    "small_cnn.onnx": lambda rng: [("input", rng.standard_normal((1, 3, 32, 32)).astype(np.float32))],
    "ir08_opset14.onnx": lambda rng: [("x", rng.standard_normal((2, 3)).astype(np.float32))],
    "subgraphs.onnx": lambda rng: [("x", rng.standard_normal((2, 4)).astype(np.float32)),
                                   ("cond", np.array(bool(rng.integers(2)))), ("trip", np.array(3, np.int64))],
}


def write_model_data(root: Path, make, samples: int = 4) -> tuple[Path, Path]:
    """One run's inputs (<name>.npy) and a calibration folder (<name>/<sample>.npy)."""
    rng = np.random.default_rng(11)
    inputs, calibration = root / "inputs", root / "calibration"
    inputs.mkdir(parents=True)
    for name, array in make(rng):
        np.save(inputs / f"{name}.npy", array)
    for i in range(samples):
        for name, array in make(rng):
            (calibration / name).mkdir(parents=True, exist_ok=True)
            np.save(calibration / name / f"sample_{i}.npy", array)
    return inputs, calibration


def working_subcommands(model: Path, out: Path, inputs: Path, calibration: Path) -> dict[str, list]:
    commands = {
        "run": ["run", "--model", model, "--inputs", inputs, "--output-dir", out],
        "preprocess": ["preprocess", "--input", model, "--output", out / "p.onnx"],
        "quantize-static": ["quantize-static", "--input", model, "--output", out / "q.onnx",
                            "--calibrate-dataset", calibration, "--calibrate-method", "minmax", "--quiet"],
        "quantize-dynamic": ["quantize-dynamic", "--input", model, "--output", out / "d.onnx", "--quiet"],
    }
    return commands


def check_working_case(work: Path, label: str, data: bytes, inputs: Path, calibration: Path) -> list[str]:
    d = work / label.replace("@", "_").replace("=", "_")
    (d / "in").mkdir(parents=True)
    model = d / "in" / "damaged.onnx"
    model.write_bytes(data)
    problems = []
    for command, args in working_subcommands(model, d / "out", inputs, calibration).items():
        out = d / "out"
        out.mkdir(exist_ok=True)
        try:
            p = run_qtool(*args, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"{label}: {command} timed out after {TIMEOUT}s")
            continue
        if p.returncode == 1:
            lines = p.stderr_text.strip("\n").splitlines()
            if not lines or not lines[-1].startswith("qtool: error:") or sum(l.startswith("qtool: error:") for l in lines) != 1:
                problems.append(f"{label}: {command} exit 1 without one closing 'qtool: error:' line: {p.stderr_text[-300:]!r}")
            left = [f for f in os.listdir(out) if f.endswith(".onnx") or f.endswith(".npy")]
            if left:
                problems.append(f"{label}: {command} failed but left {left}")
        elif p.returncode == 0:
            for written in out.glob("*.onnx"):
                try:
                    onnx.load(str(written), load_external_data=False)
                except Exception as e:  # noqa: BLE001
                    problems.append(f"{label}: {command} exit 0 but onnx cannot load {written.name}: {e}")
        else:
            problems.append(f"{label}: {command} exit {p.returncode} (want 0 or 1): {p.stderr_text[-300:]!r}")
        for f in out.iterdir():
            f.unlink()
    return problems


@pytest.mark.parametrize("name", sorted(WORKING_MODELS))
def test_damaged_models_through_run_preprocess_and_the_quantizers(qtool, tmp_path, name):
    data = (FIXTURES_DIR / name).read_bytes()
    inputs, calibration = write_model_data(tmp_path / "data", WORKING_MODELS[name])
    undamaged = check_working_case(tmp_path / "work", "undamaged", data, inputs, calibration)
    assert not undamaged, "the undamaged model must go through every subcommand: " + "\n".join(undamaged)
    chosen = list(cases(data, seed=2024))[::WORKING_EVERY]
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda c: check_working_case(tmp_path / "work", *c, inputs, calibration), chosen))
    problems = [p for r in results for p in r]
    if problems:
        pytest.fail(f"{len(problems)} problems over {len(chosen)} damaged copies of {name}:\n" + "\n".join(problems[:25]))
