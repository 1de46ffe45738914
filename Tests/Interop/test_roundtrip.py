"""1. Round trip and 2. checker + runtime on qtool's outputs."""

from __future__ import annotations

import onnx
import onnxruntime as ort
import pytest

from interop_util import (
    FIXTURES_DIR,
    SHARED_DIR,
    all_models,
    fixture_models,
    is_canonical,
    model_params,
    read_manifest,
    shared_models,
)

MODELS = all_models()
VALID = [m for m in MODELS if m.valid]


def test_manifest_complete():
    """Every fixture model is listed in MANIFEST.txt and every listed one exists."""
    listed = set(read_manifest())
    present = {p.name for p in FIXTURES_DIR.glob("*.onnx")}
    assert listed == present
    assert any(k == "valid" for k in read_manifest().values())
    assert "small_cnn.onnx" in present


def test_fixtures_total_size_small():
    total = sum(p.stat().st_size for p in FIXTURES_DIR.iterdir() if p.is_file())
    assert total < 2 * 1024 * 1024


@pytest.mark.parametrize("model", model_params(MODELS))
def test_roundtrip(model, converted, shared_coverage):
    out = converted.get(model)
    a = onnx.load(str(model.path))
    b = onnx.load(str(out))
    assert a == b, f"{out} is not message-equal to {model.path}"
    if is_canonical(model.path):
        a_bytes = model.path.read_bytes()
        b_bytes = out.read_bytes()
        if a_bytes != b_bytes:
            first = next((i for i, (x, y) in enumerate(zip(a_bytes, b_bytes)) if x != y),
                         min(len(a_bytes), len(b_bytes)))
            pytest.fail(f"canonical input, but output bytes differ: sizes {len(a_bytes)} vs {len(b_bytes)}, "
                        f"first difference at offset {first}")
    if model.origin == "shared":
        shared_coverage.add(model.id)


def test_zz_shared_models_covered(shared_coverage):
    """The round trip above really ran over every shared model (when present).
    Runs after test_roundtrip in file order; meant to run with it."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared models folder {SHARED_DIR} is absent")
    expected = {m.id for m in shared_models()}
    assert expected, f"{SHARED_DIR} holds no *.onnx"
    assert shared_coverage == expected, f"round trip passed only for {sorted(shared_coverage)}"


@pytest.mark.parametrize("model", model_params(VALID))
def test_valid_output_passes_checker_and_loads_in_onnxruntime(model, converted):
    if model.origin == "shared":
        # the premise: the input itself is valid
        onnx.checker.check_model(str(model.path), full_check=True)
    out = converted.get(model)
    onnx.checker.check_model(str(out), full_check=True)
    ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])


def test_some_fixtures_are_valid():
    assert len([m for m in fixture_models() if m.valid]) >= 5
