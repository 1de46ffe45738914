"""Accuracy metrics for quantized models, as ../shared/models/MANIFEST.md defines them.

Pure numpy and the standard library: the functions take model outputs (arrays) and labels and
return numbers, so the benchmark and the tests share one definition of every figure.

- `sqnr`: 20·log10(‖x‖ / ‖x − y‖) over all samples concatenated (onnxruntime's qdq_loss_debug).
- `accuracy`, `top1_agreement`, `decision_agreement`, `mean_cosine`: classification and
  embedding scores.
- `ctc_greedy_decode`, `edit_distance`, `char_accuracy`: the OCR recognizer's character accuracy.
- `read_tsv`, `read_dictionary`: the label files of the shared data sets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np


# --------------------------------------------------------------------------
# output fidelity
# --------------------------------------------------------------------------

def sqnr(reference: Sequence[np.ndarray] | np.ndarray, quantized: Sequence[np.ndarray] | np.ndarray) -> float:
    """Signal-to-quantization-noise ratio in dB of `quantized` against `reference`, over all
    arrays concatenated: 20·log10(‖x‖ / ‖x − y‖). Identical outputs give +inf; a zero reference
    with any error gives -inf."""
    x = _flat(reference)
    y = _flat(quantized)
    if x.shape != y.shape:
        raise ValueError(f"sqnr: reference has {x.size} values, quantized {y.size}")
    signal = float(np.linalg.norm(x))
    noise = float(np.linalg.norm(x - y))
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 20.0 * math.log10(signal / noise)


def worst_sqnr(reference: Sequence[dict[str, np.ndarray]], quantized: Sequence[dict[str, np.ndarray]],
               names: Iterable[str]) -> tuple[float, dict[str, float]]:
    """SQNR per named output over all samples (one {output name: array} dict per sample), and
    the worst (lowest) of them."""
    per_output = {name: sqnr([r[name] for r in reference], [q[name] for q in quantized]) for name in names}
    return (min(per_output.values()) if per_output else math.inf), per_output


def _flat(arrays: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    if isinstance(arrays, np.ndarray):
        return arrays.astype(np.float64).ravel()
    if len(arrays) == 0:
        return np.zeros(0, dtype=np.float64)
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two arrays taken as flat vectors (1.0 when both are zero)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 and nb == 0.0:
        return 1.0
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


def mean_cosine(reference: Sequence[np.ndarray], other: Sequence[np.ndarray]) -> float:
    """Mean over samples of the cosine of each sample's output to the reference's."""
    if len(reference) != len(other):
        raise ValueError("mean_cosine: sample counts differ")
    return float(np.mean([cosine(r, o) for r, o in zip(reference, other)])) if reference else math.nan


def neighbour_agreement(reference: Sequence[np.ndarray], other: Sequence[np.ndarray]) -> float:
    """Rank agreement of sentence embeddings: the fraction of samples whose nearest other sample
    (by cosine) is the same under both models, as a semantic search would rank them."""
    if len(reference) != len(other):
        raise ValueError("neighbour_agreement: sample counts differ")
    if len(reference) < 2:
        return math.nan

    def nearest(embeddings: Sequence[np.ndarray]) -> np.ndarray:
        matrix = np.stack([np.asarray(e, dtype=np.float64).ravel() for e in embeddings])
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-30)
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -np.inf)
        return similarity.argmax(axis=1)

    return float(np.mean(nearest(reference) == nearest(other)))


# --------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------

def argmax_class(output: np.ndarray) -> int:
    """The predicted class of one sample's logits or probabilities (batch 1: any leading 1s)."""
    return int(np.argmax(np.asarray(output).reshape(-1)))


def accuracy(predictions: Sequence[int], labels: Sequence[int]) -> float:
    if len(predictions) != len(labels):
        raise ValueError("accuracy: prediction and label counts differ")
    return float(np.mean([int(p) == int(l) for p, l in zip(predictions, labels)])) if labels else math.nan


def top1_agreement(reference: Sequence[np.ndarray], other: Sequence[np.ndarray]) -> float:
    """Fraction of samples whose argmax class matches the reference model's."""
    return accuracy([argmax_class(o) for o in other], [argmax_class(r) for r in reference])


def decision_agreement(reference: Sequence[float], other: Sequence[float], threshold: float = 0.5) -> float:
    """Fraction of samples where both models take the same decision `p > threshold`."""
    return accuracy([float(p) > threshold for p in other], [float(p) > threshold for p in reference])


# --------------------------------------------------------------------------
# OCR recognizer: CTC greedy decoding and character accuracy
# --------------------------------------------------------------------------

def read_dictionary(path: Path) -> list[str]:
    """The recognizer's class table: blank (class 0), one class per dictionary line (class i ↔
    line i, 1-based), then a space as the last class."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [""] + [line.rstrip("\r") for line in lines] + [" "]


def ctc_greedy_decode(probabilities: np.ndarray, characters: Sequence[str], blank: int = 0) -> str:
    """Argmax per time step, merge repeats, drop blanks, map classes to characters, strip spaces.
    `probabilities` is [T, C] or [1, T, C]."""
    scores = np.asarray(probabilities)
    if scores.ndim == 3:
        if scores.shape[0] != 1:
            raise ValueError("ctc_greedy_decode: one sample at a time")
        scores = scores[0]
    if scores.ndim != 2:
        raise ValueError(f"ctc_greedy_decode: expected [T, C], got shape {scores.shape}")
    best = np.argmax(scores, axis=1)
    out: list[str] = []
    previous = -1
    for index in best.tolist():
        if index != previous and index != blank:
            out.append(characters[index])
        previous = index
    return "".join(out).strip(" ")


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(predictions: Sequence[str], truths: Sequence[str]) -> float:
    """1 − Σ edit_distance(prediction, truth) / Σ len(truth)."""
    if len(predictions) != len(truths):
        raise ValueError("char_accuracy: prediction and truth counts differ")
    total = sum(len(t) for t in truths)
    if total == 0:
        return math.nan
    return 1.0 - sum(edit_distance(p, t) for p, t in zip(predictions, truths)) / total


# --------------------------------------------------------------------------
# label files
# --------------------------------------------------------------------------

def read_tsv(path: Path, header: bool = False) -> dict[str, list[str]]:
    """A tab-separated file keyed by its first column (a sample file name); the value is the
    list of the other columns. Only the line break is removed, so text keeps its spaces."""
    rows: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f):
            line = line.rstrip("\n").rstrip("\r")
            if (header and number == 0) or not line:
                continue
            key, *rest = line.split("\t")
            rows[key] = rest
    return rows
