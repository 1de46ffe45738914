"""5. Data safety and 7. usage errors."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from interop_util import (
    FIXTURES_DIR,
    describe,
    fixture_models,
    run_qtool,
    sha256,
)

FIXTURES = fixture_models()
CNN = FIXTURES_DIR / "small_cnn.onnx"


def copy_fixture(tmp_path, name):
    src = FIXTURES_DIR / name
    dst = tmp_path / "in" / name
    dst.parent.mkdir(exist_ok=True)
    shutil.copy(src, dst)
    if name == "external_weights.onnx":
        shutil.copy(FIXTURES_DIR / "external_weights.data", dst.parent / "external_weights.data")
    return dst


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1


# ---- 5. data safety -------------------------------------------------------

@pytest.mark.parametrize("model", [pytest.param(m, id=m.id) for m in FIXTURES])
def test_input_unchanged_and_output_deterministic(qtool, tmp_path, model):
    inp = copy_fixture(tmp_path, model.path.name)
    before = {p.name: sha256(p) for p in inp.parent.iterdir()}
    outs = []
    for i in (1, 2):
        d = tmp_path / f"out{i}"
        d.mkdir()
        p = run_qtool("convert", "--input", inp, "--output", d / "out.onnx")
        assert p.returncode == 0, describe(p)
        outs.append(d / "out.onnx")
    after = {p.name: sha256(p) for p in inp.parent.iterdir()}
    assert before == after, "convert changed (or added) files in the input folder"
    assert outs[0].read_bytes() == outs[1].read_bytes(), "two runs gave different bytes"
    side = sorted(p.name for p in outs[0].parent.iterdir())
    assert side == sorted(p.name for p in outs[1].parent.iterdir())
    for name in side:
        assert sha256(outs[0].parent / name) == sha256(outs[1].parent / name), name


@pytest.mark.parametrize("spelling", ["same", "dot-segment", "relative"])
def test_output_equal_to_input_is_refused(qtool, tmp_path, spelling):
    inp = copy_fixture(tmp_path, CNN.name)
    digest = sha256(inp)
    cwd = None
    if spelling == "same":
        args = (inp, inp)
    elif spelling == "dot-segment":
        args = (inp, inp.parent / "." / ".." / "in" / inp.name)
    else:
        args, cwd = (inp, inp.name), inp.parent
    p = run_qtool("convert", "--input", args[0], "--output", args[1], cwd=cwd)
    assert p.returncode == 1, describe(p)
    assert p.stderr_text.strip(), "expected an error message"
    assert sha256(inp) == digest, "input was modified"
    assert sorted(os.listdir(inp.parent)) == [inp.name], "stray files left beside the input"


def test_missing_input_file(qtool, tmp_path):
    missing = tmp_path / "no_such_model.onnx"
    out = tmp_path / "out" / "o.onnx"
    out.parent.mkdir()
    p = run_qtool("convert", "--input", missing, "--output", out)
    assert p.returncode == 1, describe(p)
    assert one_line(p.stderr_text), describe(p)
    assert str(missing) in p.stderr_text, "the message must name the file\n" + describe(p)
    assert p.stderr_text.startswith("qtool: error:"), describe(p)
    assert os.listdir(out.parent) == []


def test_inspect_missing_file(qtool, tmp_path):
    missing = tmp_path / "no_such_model.onnx"
    p = run_qtool("inspect", missing)
    assert p.returncode == 1, describe(p)
    assert one_line(p.stderr_text) and str(missing) in p.stderr_text, describe(p)
    assert p.stderr_text.startswith("qtool: error:"), describe(p)


# ---- 7. usage errors -------------------------------------------------------

@pytest.mark.parametrize("args", [
    pytest.param(["convert", "--no-such-option", "--input", "{cnn}", "--output", "{out}"], id="convert-unknown-option"),
    pytest.param(["convert", "--output", "{out}"], id="convert-missing-input"),
    pytest.param(["convert"], id="convert-no-arguments"),
    pytest.param(["inspect", "--no-such-option", "{cnn}"], id="inspect-unknown-option"),
    pytest.param(["inspect"], id="inspect-missing-model"),
    pytest.param(["no-such-subcommand"], id="unknown-subcommand"),
])
def test_usage_errors_exit_2(qtool, tmp_path, args):
    out = tmp_path / "out.onnx"
    argv = [a.format(cnn=CNN, out=out) for a in args]
    p = run_qtool(*argv)
    assert p.returncode == 2, describe(p)
    assert p.stderr_text.strip(), "a usage error must say something on stderr"
    assert not out.exists()


def test_timings_line(qtool, tmp_path):
    """`--timings` (used by Bench/bench_io.py) prints one parsable line on stderr."""
    p = run_qtool("convert", "--input", CNN, "--output", tmp_path / "o.onnx", "--timings")
    assert p.returncode == 0, describe(p)
    lines = [ln for ln in p.stderr_text.splitlines() if ln.startswith("timing ")]
    assert len(lines) == 1, describe(p)
    assert re.fullmatch(r"timing load_ms=\d+(\.\d+)?([eE][+-]?\d+)? save_ms=\d+(\.\d+)?([eE][+-]?\d+)?",
                        lines[0].strip()), lines[0]
    assert (tmp_path / "o.onnx").read_bytes() == CNN.read_bytes()
