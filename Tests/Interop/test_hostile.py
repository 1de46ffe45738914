"""Hostile and semantically broken inputs, through every subcommand.

Hostile sizes (Fixtures/malformed, written by Fixtures/gen/make_malformed.py): a length near
2^63, a million levels of nesting, dims that overflow or are not backed by data, external data
that escapes the model's folder. Each subcommand refuses each with exit 1 and one
`qtool: error:` line naming the file, leaves no output, and does so under an address-space
limit far below what the input asks for (so it never allocated for it).

Semantic errors (unknown op, missing opset, cycle, undefined input, contradicting shapes,
calibration files of the wrong dtype/shape/name, NaN/Inf): an error that names the node,
tensor or file; for NaN/Inf a counted warning. Determinism: the same command twice, and
`--threads 1` against `--threads 2`, give identical bytes.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from interop_util import QTOOL, REPO, describe, run_qtool

MALFORMED = REPO / "Fixtures" / "malformed"
HOSTILE = sorted(p.name for p in MALFORMED.glob("*.onnx"))
ADDRESS_SPACE_LIMIT = 3 << 30      # 3 GiB: far below what any hostile file declares
TIMEOUT = 60.0


def has_subcommand(name: str) -> bool:
    return QTOOL.is_file() and run_qtool(name, "--help").returncode == 0


def run_limited(*args) -> subprocess.CompletedProcess:
    """qtool under an address-space limit: an allocation sized from hostile dims fails loudly."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    cmd = [str(QTOOL)] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, preexec_fn=limit)
    p.stdout_text = p.stdout.decode("utf-8", "replace")
    p.stderr_text = p.stderr.decode("utf-8", "replace")
    return p


def float_input_data(root: Path, name: str = "x", shape=(1, 4), samples: int = 2) -> Path:
    rng = np.random.default_rng(0)
    (root / name).mkdir(parents=True, exist_ok=True)
    for i in range(samples):
        np.save(root / name / f"s{i}.npy", rng.standard_normal(shape).astype(np.float32))
    return root


def subcommands(model: Path, work: Path) -> dict[str, list]:
    """Every subcommand that reads a model, with an output inside `work/out`."""
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    data = float_input_data(work / "data")
    inputs = work / "inputs"
    inputs.mkdir(exist_ok=True)
    np.save(inputs / "x.npy", np.zeros((1, 4), np.float32))
    commands = {
        "inspect": ["inspect", model],
        "convert": ["convert", "--input", model, "--output", out / "m.onnx"],
        "run": ["run", "--model", model, "--inputs", inputs, "--output-dir", out],
        "preprocess": ["preprocess", "--input", model, "--output", out / "m.onnx"],
        "quantize-static": ["quantize-static", "--input", model, "--output", out / "m.onnx",
                            "--calibrate-dataset", data],
    }
    if has_subcommand("quantize-dynamic"):
        commands["quantize-dynamic"] = ["quantize-dynamic", "--input", model, "--output", out / "m.onnx"]
    return commands


def assert_refused(p, *mentions: str, exit_codes=(1,)) -> None:
    assert p.returncode in exit_codes, describe(p)
    lines = p.stderr_text.strip("\n").splitlines()
    errors = [line for line in lines if line.startswith("qtool: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], "want one closing 'qtool: error:' line\n" + describe(p)
    assert len(errors[0]) < 600, "the error line should be short\n" + describe(p)
    for m in mentions:
        assert m in errors[0], f"the error should mention {m!r}\n" + describe(p)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_by_every_subcommand(qtool, tmp_path, name):
    model = MALFORMED / name
    for command, args in subcommands(model, tmp_path).items():
        p = run_limited(*args)
        assert p.returncode == 1, f"{command}: " + describe(p)
        assert_refused(p, str(model))
        left = sorted(os.listdir(tmp_path / "out"))
        assert not left, f"{command} left {left} behind"


def identity_model_with_external(location: str) -> onnx.ModelProto:
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def test_external_data_symlink_out_of_the_folder_is_refused(qtool, tmp_path):
    outside = tmp_path / "outside.bin"
    outside.write_bytes(np.arange(4, dtype=np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").symlink_to(outside)
    onnx.save(identity_model_with_external("weights.bin"), folder / "m.onnx")
    for command, args in subcommands(folder / "m.onnx", tmp_path / "work").items():
        p = run_limited(*args)
        assert_refused(p, "weights.bin")
        assert "folder" in p.stderr_text, f"{command}: the error should say the data leaves the folder\n" + describe(p)


def test_external_data_past_the_end_of_its_file_is_refused(qtool, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\0" * 8)          # 16 bytes declared
    onnx.save(identity_model_with_external("weights.bin"), folder / "m.onnx")
    for command, args in subcommands(folder / "m.onnx", tmp_path / "work").items():
        assert_refused(run_limited(*args), "weights.bin", "'w'")


# --------------------------------------------------------------------------
# semantic errors
# --------------------------------------------------------------------------

def graph_model(nodes, inputs=("x",), outputs=("y",), initializers=(), opsets=(("", 13),)) -> onnx.ModelProto:
    graph = helper.make_graph(
        list(nodes), "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4]) for n in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs], list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets], ir_version=8)


SEMANTIC = {
    # name: (model, words the error must contain)
    "unknown_op": (graph_model([helper.make_node("Frobnicate", ["x"], ["y"], name="frob")]), ["frob", "Frobnicate"]),
    "missing_opset": (graph_model([helper.make_node("Relu", ["x"], ["y"], name="r", domain="com.example")]),
                      ["com.example"]),
    "cycle": (graph_model([helper.make_node("Add", ["x", "b"], ["a"], name="first"),
                           helper.make_node("Relu", ["a"], ["b"], name="second"),
                           helper.make_node("Identity", ["a"], ["y"], name="out")]), ["cycle", "first", "second"]),
    "undefined_input": (graph_model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="adder")]), ["nowhere"]),
    "contradicting_shapes": (graph_model(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        initializers=[helper.make_tensor("w", TensorProto.FLOAT, [5, 3], np.ones(15, np.float32))]), ["mm"]),
}


@pytest.mark.parametrize("case", sorted(SEMANTIC))
def test_semantic_error_names_the_node_or_tensor(qtool, tmp_path, case):
    model, words = SEMANTIC[case]
    path = tmp_path / f"{case}.onnx"
    path.write_bytes(model.SerializeToString())
    commands = subcommands(path, tmp_path)
    for command in ("run", "preprocess", "quantize-static", "quantize-dynamic"):
        if command not in commands:
            continue
        p = run_limited(*commands[command])
        assert_refused(p, *words)
        assert not os.listdir(tmp_path / "out"), f"{command} left an output behind"


def small_model(tmp_path: Path) -> Path:
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 3], np.linspace(-1, 1, 12, dtype=np.float32))
    model = graph_model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], initializers=[w])
    path = tmp_path / "mm.onnx"
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("case, mentions", [
    ("dtype", ["x/s0.npy", "double"]),
    ("rank", ["x/s0.npy", "rank"]),
    ("missing_input", ["not_an_input", "no graph input"]),
])
def test_bad_calibration_file_is_named(qtool, tmp_path, case, mentions):
    model = small_model(tmp_path)
    data = tmp_path / "data"
    if case == "missing_input":
        float_input_data(data, name="not_an_input")
    else:
        (data / "x").mkdir(parents=True)
        bad = np.zeros((1, 4), np.float64) if case == "dtype" else np.zeros((1, 4, 2), np.float32)
        np.save(data / "x" / "s0.npy", bad)
    p = run_qtool("quantize-static", "--input", model, "--output", tmp_path / "q.onnx", "--calibrate-dataset", data)
    assert_refused(p, *mentions)
    assert not (tmp_path / "q.onnx").exists()


def test_nan_and_inf_in_calibration_data_are_counted_not_used(qtool, tmp_path):
    model = small_model(tmp_path)
    data = float_input_data(tmp_path / "data", samples=3)
    poisoned = np.load(data / "x" / "s1.npy")
    poisoned[0, 0], poisoned[0, 2] = np.nan, np.inf
    np.save(data / "x" / "s1.npy", poisoned)
    p = run_qtool("quantize-static", "--input", model, "--output", tmp_path / "q.onnx", "--calibrate-dataset", data,
                  "--calibrate-method", "minmax")
    assert p.returncode == 0, describe(p)
    assert "NaN/Inf" in p.stderr_text and "2 in input 'x'" in p.stderr_text, describe(p)
    q = onnx.load(tmp_path / "q.onnx")
    scales = [onnx.numpy_helper.to_array(t) for t in q.graph.initializer if t.name.endswith("_scale")]
    assert scales and all(np.all(np.isfinite(s)) and np.all(s < 1) for s in scales), scales


# --------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------

FIXTURE_CNN = REPO / "Fixtures" / "models" / "small_cnn.onnx"
DEMO_DATA = REPO / "Fixtures" / "demo-calibration" / "small_cnn"


@pytest.mark.parametrize("method", ["minmax", "entropy", "percentile", "mse"])
def test_quantize_static_is_deterministic_across_runs_and_thread_counts(qtool, tmp_path, method):
    outputs = []
    for i, threads in enumerate(["1", "2", "2"]):
        out = tmp_path / f"q{i}.onnx"
        p = run_qtool("quantize-static", "--input", FIXTURE_CNN, "--output", out, "--calibrate-dataset", DEMO_DATA,
                      "--calibrate-method", method, "--threads", threads, "--quiet")
        assert p.returncode == 0, describe(p)
        outputs.append(out.read_bytes())
    assert outputs[1] == outputs[2], "two runs with the same options differ"
    assert outputs[0] == outputs[1], "--threads 1 and --threads 2 give different models"
