"""Unit tests of Bench/quant_metrics.py (the accuracy metrics of the quantization benchmark) on
tiny hand-made arrays. Needs no qtool binary and no shared models."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Bench"))
import quant_metrics as qm  # noqa: E402


# --------------------------------------------------------------------------
# edit distance and character accuracy
# --------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, distance", [
    ("", "", 0),
    ("abc", "", 3),
    ("", "abc", 3),
    ("abc", "abc", 0),
    ("kitten", "sitting", 3),
    ("flaw", "lawn", 2),
    ("abc", "acb", 2),          # a transposition is two edits
    ("保质期", "保质", 1),        # code points, not bytes
])
def test_edit_distance(a, b, distance):
    assert qm.edit_distance(a, b) == distance
    assert qm.edit_distance(b, a) == distance


def test_char_accuracy_sums_over_samples():
    # distances 0 and 1 over truths of 3 and 2 characters: 1 - 1/5
    assert qm.char_accuracy(["abc", "x"], ["abc", "xy"]) == pytest.approx(0.8)
    assert qm.char_accuracy(["abc"], ["abc"]) == 1.0
    # a long wrong prediction can push accuracy below zero, as the definition says
    assert qm.char_accuracy(["abcdef"], ["a"]) == pytest.approx(-4.0)


# --------------------------------------------------------------------------
# CTC greedy decoding
# --------------------------------------------------------------------------

CHARS = ["", "a", "b", "c", " "]  # blank, dictionary lines 1..3, space last


def one_hot(classes, width=len(CHARS)):
    out = np.zeros((len(classes), width), dtype=np.float32)
    out[np.arange(len(classes)), classes] = 1.0
    return out


def test_ctc_merges_repeats_and_drops_blanks():
    assert qm.ctc_greedy_decode(one_hot([1, 1, 0, 1, 2, 2, 0, 0, 3]), CHARS) == "aabc"


def test_ctc_blank_separates_repeated_characters():
    assert qm.ctc_greedy_decode(one_hot([1, 1, 1]), CHARS) == "a"
    assert qm.ctc_greedy_decode(one_hot([1, 0, 1]), CHARS) == "aa"


def test_ctc_strips_spaces_and_accepts_batch_of_one():
    scores = one_hot([4, 1, 4, 4, 2, 4])[None]  # [1, T, C]
    assert qm.ctc_greedy_decode(scores, CHARS) == "a b"


def test_ctc_all_blank_is_empty():
    assert qm.ctc_greedy_decode(one_hot([0, 0, 0]), CHARS) == ""


def test_ctc_takes_argmax_of_probabilities():
    scores = np.array([[0.1, 0.7, 0.1, 0.1, 0.0],
                       [0.5, 0.2, 0.1, 0.1, 0.1],
                       [0.1, 0.1, 0.1, 0.6, 0.1]], dtype=np.float32)
    assert qm.ctc_greedy_decode(scores, CHARS) == "ac"


def test_read_dictionary_maps_line_i_to_class_i(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text("x\ny\n", encoding="utf-8")
    chars = qm.read_dictionary(path)
    assert chars == ["", "x", "y", " "]
    assert qm.ctc_greedy_decode(one_hot([2, 3, 1], width=4), chars) == "y x"


# --------------------------------------------------------------------------
# SQNR and cosine
# --------------------------------------------------------------------------

def test_sqnr_of_identical_arrays_is_infinite():
    x = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    assert qm.sqnr(x, x.copy()) == math.inf
    assert qm.sqnr([x, x], [x, x]) == math.inf


def test_sqnr_value():
    x = np.array([3.0, 4.0])                  # ‖x‖ = 5
    y = np.array([3.0, 4.5])                  # ‖x − y‖ = 0.5
    assert qm.sqnr(x, y) == pytest.approx(20.0)
    x = np.array([1.0, 0.0])
    assert qm.sqnr(x, np.array([0.9, 0.0])) == pytest.approx(20.0)


def test_sqnr_concatenates_samples():
    # noise only in the second sample: 20·log10(‖(3, 4)‖ / ‖(0, 0.5)‖)
    reference = [np.array([[3.0]]), np.array([[4.0]])]
    quantized = [np.array([[3.0]]), np.array([[4.5]])]
    assert qm.sqnr(reference, quantized) == pytest.approx(20.0)


def test_sqnr_zero_reference():
    assert qm.sqnr(np.zeros(3), np.zeros(3)) == math.inf
    assert qm.sqnr(np.zeros(3), np.ones(3)) == -math.inf


def test_worst_sqnr_takes_the_lowest_output():
    reference = [{"a": np.array([1.0, 0.0]), "b": np.array([1.0])}]
    quantized = [{"a": np.array([0.9, 0.0]), "b": np.array([1.0])}]
    worst, per_output = qm.worst_sqnr(reference, quantized, ["a", "b"])
    assert per_output["b"] == math.inf
    assert worst == pytest.approx(20.0)


def test_cosine():
    a = np.array([1.0, 0.0])
    assert qm.cosine(a, a) == pytest.approx(1.0)
    assert qm.cosine(a, 3 * a) == pytest.approx(1.0)
    assert qm.cosine(a, np.array([0.0, 2.0])) == pytest.approx(0.0)
    assert qm.cosine(a, -a) == pytest.approx(-1.0)
    assert qm.cosine(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(1 / math.sqrt(2))
    assert qm.cosine(np.zeros(2), np.zeros(2)) == 1.0


def test_mean_cosine_averages_samples():
    reference = [np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])]
    other = [np.array([[2.0, 0.0]]), np.array([[1.0, 0.0]])]
    assert qm.mean_cosine(reference, other) == pytest.approx(0.5)


# --------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------

def test_accuracy_and_agreements():
    assert qm.accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == pytest.approx(0.75)
    logits = [np.array([[0.1, 0.9]]), np.array([[0.8, 0.2]])]
    assert qm.top1_agreement(logits, [np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])]) == pytest.approx(0.5)
    assert qm.decision_agreement([0.9, 0.1, 0.6], [0.7, 0.4, 0.5]) == pytest.approx(2 / 3)  # 0.5 is not > 0.5


def test_read_tsv_keeps_text_spaces(tmp_path):
    path = tmp_path / "gt.tsv"
    path.write_text("h\tcol\nsample_0000.npy\ta b \nsample_0001.npy\t180\tx\n", encoding="utf-8")
    rows = qm.read_tsv(path, header=True)
    assert rows == {"sample_0000.npy": ["a b "], "sample_0001.npy": ["180", "x"]}
