"""pytest configuration for qtool's interop tests.

Environment:
  QTOOL                 qtool binary (default <repo>/.build/release/qtool)
  QTOOL_SHARED_MODELS   folder of real models (default <repo>/../shared/models);
                        tests over it are skipped when the folder is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interop_util import (
    QTOOL,
    SHARED_DIR,
    Model,
    describe,
    run_qtool,
)

def pytest_report_header(config):
    return [f"qtool binary: {QTOOL}", f"shared models: {SHARED_DIR} ({'present' if SHARED_DIR.is_dir() else 'ABSENT'})"]


@pytest.fixture(scope="session")
def qtool() -> Path:
    assert QTOOL.is_file(), f"qtool binary not found at {QTOOL} (build it, or set QTOOL)"
    return QTOOL


class ConvertCache:
    """Converts each model once per session (`qtool convert`, default options)."""

    def __init__(self, root: Path):
        self.root = root
        self.results: dict[str, tuple[Path, object]] = {}

    def get(self, model: Model):
        if model.id not in self.results:
            out_dir = self.root / model.id.replace("/", "__")
            if out_dir.exists():
                shutil.rmtree(out_dir)
            out_dir.mkdir(parents=True)
            out = out_dir / model.path.name
            proc = run_qtool("convert", "--input", model.path, "--output", out)
            self.results[model.id] = (out, proc)
        out, proc = self.results[model.id]
        assert proc.returncode == 0, "convert failed\n" + describe(proc)
        assert out.is_file(), f"convert exited 0 but wrote no {out}\n" + describe(proc)
        return out


@pytest.fixture(scope="session")
def converted(qtool, tmp_path_factory) -> ConvertCache:
    return ConvertCache(tmp_path_factory.mktemp("converted"))


@pytest.fixture(scope="session")
def shared_coverage() -> set[str]:
    """Ids of shared models whose round trip passed in this session."""
    return set()

