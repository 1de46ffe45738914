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
    for key in ("ir_version", "opsets", "producer_name", "producer_version", "inputs", "outputs",
                "op_histogram", "op_histogram_all", "parameters", "external_data_files", "findings"):
        assert key in got, f"missing key {key!r}"

    assert got["ir_version"] == want["ir_version"]
    assert sorted(got["opsets"], key=lambda d: (d["domain"], d["version"])) == want["opsets"]
    assert got["producer_name"] == want["producer_name"]
    assert got["producer_version"] == want["producer_version"]

    for key in ("inputs", "outputs"):
        assert [v["name"] for v in got[key]] == [v["name"] for v in want[key]], key
        for g, w in zip(got[key], want[key]):
            if "elem_type" in w:  # tensor-typed values
                assert g.get("elem_type") == w["elem_type"], (key, w["name"])
                assert g.get("shape") == w["shape"], (key, w["name"])

    assert got["op_histogram"] == want["op_histogram"]
    assert got["op_histogram_all"] == want["op_histogram_all"]

    params = got["parameters"]
    assert params["count"] == want["parameters"]["count"]
    got_bytes = {k: v for k, v in params["bytes_by_type"].items() if v != 0}
    want_bytes = {k: v for k, v in want["parameters"]["bytes_by_type"].items() if v != 0}
    assert got_bytes == want_bytes

    assert sorted(got["external_data_files"]) == want["external_data_files"]

    findings = got["findings"]
    assert isinstance(findings, list) and all(isinstance(f, str) for f in findings)
    if model.valid:
        assert findings == [], f"validator findings on a model the onnx checker accepts: {findings}"


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
