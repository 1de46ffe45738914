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


def _fits(array: np.ndarray, value_info) -> bool:
    """Whether an array has the element type, rank and fixed dims a graph input declares."""
    tensor = value_info.type.tensor_type
    if onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type) != array.dtype:
        return False
    dims = tensor.shape.dim
    if len(dims) != array.ndim:
        return False
    # A negative dim_value is how some exporters write "dynamic".
    return all(not d.HasField("dim_value") or d.dim_value < 0 or d.dim_value == size for d, size in zip(dims, array.shape))


# The data set of each shared model (MANIFEST.md): matching by input names alone would give
# ocr_rec the ocr_cls images (both inputs are `x`, and the width is dynamic).
DATA_SETS = {
    "digits_cnn.onnx": "digits",
    "ocr_rec_ppocrv4.onnx": "ocr_rec",
    "ocr_cls_ppocr_mobile_v2.onnx": "ocr_cls",
    "mobilenet_v2.onnx": "imagenet_torchvision",
    "paraphrase_minilm_l3_v2.onnx": "minilm/seq128",
    "silero_vad.onnx": "silero_vad",
    "silero_vad_openvino_16k.onnx": "silero_vad",
}


def data_folder(model_path: Path) -> Path | None:
    """The model's own data set when MANIFEST names it, else the folder under data/ with one
    subfolder per graph input whose samples fit the input."""
    if model_path.name in DATA_SETS and (SHARED / "data" / DATA_SETS[model_path.name]).is_dir():
        return SHARED / "data" / DATA_SETS[model_path.name]
    model = onnx.load(str(model_path), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    for folder, subfolders, _ in sorted(os.walk(SHARED / "data")):
        if not all(i.name.replace("/", "_") in subfolders for i in inputs):
            continue
        first = [sorted((Path(folder) / i.name.replace("/", "_")).glob("*.npy")) for i in inputs]
        if all(files and _fits(np.load(files[0]), i) for files, i in zip(first, inputs)):
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


def write_calibration(data: list[dict[str, np.ndarray]], folder: Path, names: list[str] | None = None) -> None:
    """The <input name>/<sample>.npy folders `qtool quantize-static --calibrate-dataset` reads;
    samples are named `names` (file names, in order) or sample_XXXX.npy."""
    names = names or [f"sample_{index:04d}.npy" for index in range(len(data))]
    for sample, file_name in zip(data, names):
        for name, array in sample.items():
            target = folder / name.replace("/", "_")
            target.mkdir(parents=True, exist_ok=True)
            np.save(target / file_name, array)
