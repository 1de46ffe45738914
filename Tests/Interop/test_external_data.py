"""3. External data: keeping, folding in (--internal) and moving out (--external-data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import onnx
import onnxruntime as ort
import pytest

from interop_util import (
    FIXTURES_DIR,
    all_tensors,
    describe,
    external_info,
    is_external,
    normalized,
    run_qtool,
    sha256,
)

EXT_MODEL = FIXTURES_DIR / "external_weights.onnx"
EXT_DATA = FIXTURES_DIR / "external_weights.data"
CNN = FIXTURES_DIR / "small_cnn.onnx"


def check_valid(path: Path) -> None:
    onnx.checker.check_model(str(path), full_check=True)
    ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def convert(inp: Path, out: Path, *opts: str):
    p = run_qtool("convert", "--input", inp, "--output", out, *opts)
    assert p.returncode == 0, describe(p)
    assert out.is_file(), describe(p)
    return p


def files_in(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


def initializer_raw_sizes(path: Path) -> dict[str, int]:
    m = onnx.load(str(path))
    return {t.name: len(t.raw_data) for t in m.graph.initializer}


def test_fixture_is_really_external():
    m = onnx.load(str(EXT_MODEL), load_external_data=False)
    assert m.graph.initializer and all(is_external(t) for t in m.graph.initializer)
    assert EXT_DATA.is_file()


def test_default_keeps_external_data_in_other_folder(qtool, tmp_path):
    out_dir = tmp_path / "elsewhere"
    out_dir.mkdir()
    out = out_dir / "converted.onnx"
    convert(EXT_MODEL, out)
    assert files_in(out_dir) == {"converted.onnx", "external_weights.data"}

    a = onnx.load(str(EXT_MODEL), load_external_data=False)
    b = onnx.load(str(out), load_external_data=False)
    # same locations, offsets and lengths
    assert a == b
    src = EXT_DATA.read_bytes()
    dst = (out_dir / "external_weights.data").read_bytes()
    for t in b.graph.initializer:
        info = external_info(t)
        assert is_external(t) and info["location"] == "external_weights.data", t.name
        off, ln = int(info.get("offset", 0)), int(info["length"])
        assert dst[off:off + ln] == src[off:off + ln], f"{t.name}: side file bytes differ"

    assert onnx.load(str(EXT_MODEL)) == onnx.load(str(out))
    check_valid(out)


def test_default_same_folder_leaves_side_file_intact(qtool, tmp_path):
    """Output beside the input: the input's side file must survive untouched.
    (Whether the output shares it or gets its own side file is qtool's choice.)"""
    shutil.copy(EXT_MODEL, tmp_path / EXT_MODEL.name)
    shutil.copy(EXT_DATA, tmp_path / EXT_DATA.name)
    inp = tmp_path / EXT_MODEL.name
    before = {n: sha256(tmp_path / n) for n in files_in(tmp_path)}
    out = tmp_path / "copy.onnx"
    convert(inp, out)
    after = {n: sha256(tmp_path / n) for n in before}
    assert before == after, "input model or its side file changed"

    b = onnx.load(str(out), load_external_data=False)
    locations = set()
    for t in b.graph.initializer:
        assert is_external(t), f"{t.name} should stay external"
        locations.add(external_info(t)["location"])
    assert files_in(tmp_path) == set(before) | {"copy.onnx"} | locations, "unexpected files written"
    assert onnx.load(str(inp)) == onnx.load(str(out))
    check_valid(out)


def test_internal_folds_everything_inline(qtool, tmp_path):
    out = tmp_path / "inline.onnx"
    convert(EXT_MODEL, out, "--internal")
    assert files_in(tmp_path) == {"inline.onnx"}, "no side file expected with --internal"
    b = onnx.load(str(out), load_external_data=False)
    for t in all_tensors(b):
        assert not is_external(t) and not t.external_data, f"{t.name} still external"
    assert normalized(onnx.load(str(EXT_MODEL))) == normalized(b)
    check_valid(out)
    # the folded model stands alone: it still loads when copied elsewhere
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(out, alone / "m.onnx")
    assert normalized(onnx.load(str(alone / "m.onnx"))) == normalized(b)


@pytest.mark.parametrize("source,threshold", [
    (EXT_MODEL, 1024),     # external input: sizes 4096, 256, 2560, 40, 80
    (EXT_MODEL, 4096),     # boundary: a tensor of exactly N bytes moves out
    (CNN, 1024),           # inline input
    (CNN, 1),              # everything with data moves out
])
def test_external_data_threshold(qtool, tmp_path, source, threshold):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "model.onnx"
    convert(source, out, "--external-data", "--external-data-threshold", str(threshold))

    sizes = initializer_raw_sizes(source)
    big = {n for n, s in sizes.items() if s >= threshold}
    assert big and (threshold == 1 or big != set(sizes)), "test premise: some tensors on each side"
    assert files_in(out_dir) == {"model.onnx", "model.onnx.data"}

    b = onnx.load(str(out), load_external_data=False)
    side_size = (out_dir / "model.onnx.data").stat().st_size
    ranges = []
    for t in b.graph.initializer:
        if t.name in big:
            info = external_info(t)
            assert is_external(t), f"{t.name} ({sizes[t.name]} B) should be external"
            assert info.get("location") == "model.onnx.data", info
            off, ln = int(info.get("offset", 0)), int(info.get("length", sizes[t.name]))
            assert ln == sizes[t.name]
            assert off + ln <= side_size
            ranges.append((off, off + ln))
            assert not t.HasField("raw_data")
        else:
            assert not is_external(t) and not t.external_data, f"{t.name} ({sizes[t.name]} B) should stay inline"
            assert len(t.raw_data) == sizes[t.name]
    ranges.sort()
    assert all(a[1] <= b_[0] for a, b_ in zip(ranges, ranges[1:])), f"overlapping side-file ranges {ranges}"

    assert normalized(onnx.load(str(source))) == normalized(onnx.load(str(out)))
    check_valid(out)
