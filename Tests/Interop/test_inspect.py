"""4. `qtool inspect M --json` against what the onnx package says, and text mode."""

from __future__ import annotations

import json
import re

import pytest

from interop_util import (
    FIXTURES_DIR,
    all_models,
    describe,
    expected_inspect,
    model_params,
    run_qtool,
)

MODELS = all_models()


def inspect_json(path):
    p = run_qtool("inspect", path, "--json")
    assert p.returncode == 0, describe(p)
    try:
        return json.loads(p.stdout_text)
    except json.JSONDecodeError as e:
        pytest.fail(f"stdout is not JSON ({e})\n" + describe(p))


@pytest.mark.parametrize("model", model_params(MODELS))
def test_inspect_json(qtool, model):
    got = inspect_json(model.path)
    want = expected_inspect(model.path)
    assert isinstance(got, dict)
    missing = [k for k in ("ir_version", "opsets", "producer_name", "producer_version", "inputs", "outputs",
                           "op_histogram", "op_histogram_all", "parameters", "external_data_files", "findings")
               if k not in got]
    assert not missing, f"missing keys {missing}"

    # every mismatch is collected, so one run shows all that is wrong
    problems: list[str] = []

    def expect(what: str, g, w) -> None:
        if g != w:
            problems.append(f"{what}: qtool says {g!r}, onnx says {w!r}")

    expect("ir_version", got["ir_version"], want["ir_version"])
    expect("opsets", sorted(got["opsets"], key=lambda d: (d.get("domain"), d.get("version"))), want["opsets"])
    expect("producer_name", got["producer_name"], want["producer_name"])
    expect("producer_version", got["producer_version"], want["producer_version"])

    for key in ("inputs", "outputs"):
        expect(f"{key} names", [v.get("name") for v in got[key]], [v["name"] for v in want[key]])
        for g, w in zip(got[key], want[key]):
            if "elem_type" in w:  # tensor-typed values
                expect(f"{key} {w['name']} elem_type", g.get("elem_type"), w["elem_type"])
                expect(f"{key} {w['name']} shape", g.get("shape"), w["shape"])

    expect("op_histogram", got["op_histogram"], want["op_histogram"])
    expect("op_histogram_all", got["op_histogram_all"], want["op_histogram_all"])

    params = got["parameters"]
    expect("parameters.count", params.get("count"), want["parameters"]["count"])
    got_bytes = {k: v for k, v in params.get("bytes_by_type", {}).items() if v != 0}
    want_bytes = {k: v for k, v in want["parameters"]["bytes_by_type"].items() if v != 0}
    # strings have no fixed element size: a "string" entry is optional, but when
    # present it must be the total length of the strings
    if "string" not in got_bytes:
        want_bytes.pop("string", None)
    expect("parameters.bytes_by_type", got_bytes, want_bytes)

    expect("external_data_files", sorted(got["external_data_files"]), want["external_data_files"])

    findings = got["findings"]
    if not (isinstance(findings, list) and all(isinstance(f, str) for f in findings)):
        problems.append(f"findings is not a list of strings: {findings!r}")
    elif model.valid and findings:
        problems.append(f"validator findings on a model the onnx checker accepts: {findings}")

    assert not problems, "\n".join(problems)


def test_inspect_findings_report_dangling_input(qtool):
    got = inspect_json(FIXTURES_DIR / "dangling_reference.onnx")
    assert got["findings"], "a node reads 'missing_tensor', which nothing defines"
    assert any("missing_tensor" in f for f in got["findings"]), got["findings"]


def test_inspect_histograms_differ_with_subgraphs(qtool):
    """Premise check of the fixture: nested ops appear only in op_histogram_all."""
    got = inspect_json(FIXTURES_DIR / "subgraphs.onnx")
    assert got["op_histogram"] == {"If": 1, "Loop": 1, "Scan": 1}
    assert got["op_histogram_all"]["Neg"] == 1
    assert got["op_histogram_all"]["If"] == 2


@pytest.mark.parametrize("model", model_params(MODELS))
def test_inspect_text(qtool, model):
    p = run_qtool("inspect", model.path)
    assert p.returncode == 0, describe(p)
    ir = expected_inspect(model.path)["ir_version"]
    assert re.search(rf"(?i)\bir(?:[ _-]?version)?\b\D{{0,20}}?\b{ir}\b", p.stdout_text), \
        f"IR version {ir} not printed\n" + describe(p)
