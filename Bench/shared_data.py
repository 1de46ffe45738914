"""Finds real inputs for the shared models: the data folder whose subfolders are named after
a model's graph inputs (data/<set>/<input name>/sample_XXXX.npy), samples sorted by name."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QTOOL_SHARED_MODELS", str(REPO.parent / "shared" / "models")))


def graph_inputs(model_path: Path) -> list[str]:
    model = onnx.load(str(model_path), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in initializers]


def data_folder(model_path: Path) -> Path | None:
    """The folder under data/ holding one subfolder per graph input of the model."""
    names = graph_inputs(model_path)
    for folder, subfolders, _ in sorted(os.walk(SHARED / "data")):
        if all(n.replace("/", "_") in subfolders for n in names):
            return Path(folder)
    return None


def samples(model_path: Path) -> list[dict[str, np.ndarray]]:
    """Every sample of the model's data set, as {input name: array}, sorted by file name."""
    folder = data_folder(model_path)
    if folder is None:
        return []
    names = graph_inputs(model_path)
    files = sorted(p.name for p in (folder / names[0].replace("/", "_")).glob("*.npy"))
    return [{n: np.load(folder / n.replace("/", "_") / f) for n in names} for f in files]


def shared_models() -> list[Path]:
    return sorted(SHARED.glob("*.onnx")) if SHARED.is_dir() else []


def write_inputs(sample: dict[str, np.ndarray], folder: Path) -> None:
    """One <input name>.npy per input, the layout `qtool run --inputs` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in sample.items():
        np.save(folder / (name.replace("/", "_") + ".npy"), array)
