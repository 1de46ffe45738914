#!/usr/bin/env python3
"""Deterministic generator of the calibration-data fixtures in Fixtures/calibration/.

Archives and tensor files are written by the real writers qtool must read: numpy's savez
(ZIP_STORED) and savez_compressed (DEFLATE), onnx.numpy_helper for TensorProto files, and
zlib for the raw DEFLATE vectors. The zip timestamps are pinned so two runs give identical
bytes; the DEFLATE bytes depend on the zlib version (recorded in inflate/vectors.txt).

    .venv/bin/python Fixtures/gen/make_calibration_fixtures.py          # regenerate
    .venv/bin/python Fixtures/gen/make_calibration_fixtures.py --check  # fail if stale

Layout (values are restated in Tests/QuantizationTests/CalibrationDataFixtures.swift):
  npz/{stored,compressed}.npz   savez / savez_compressed of x, ids, weird, mask, half
  npz-positional/sample.npz     savez(x, ids): positional keys arr_0, arr_1
  npz-zip64/sample.npz          savez of x, ids with zip64 records forced (extra fields,
                                zip64 end record and locator)
  onnxruntime/test_data_set_0   input_0.pb = attention_mask, input_1.pb = input_ids (named,
                                so matched by name), output_0.pb (ignored)
  onnxruntime/test_data_set_1   unnamed input_0.pb / input_1.pb (matched by position), seq 4
  inflate/<name>.deflate        raw DEFLATE streams; vectors.txt: name, size, CRC-32 of output
"""

from __future__ import annotations

import argparse
import filecmp
import os
import random
import shutil
import sys
import tempfile
import time
import zipfile
import zlib

import numpy as np
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "calibration"))
PINNED_TIME = time.mktime((2024, 1, 1, 0, 0, 0, 0, 1, -1))


def arrays() -> dict[str, np.ndarray]:
    return {
        "x": ((np.arange(16 * 64) % 97) * 0.25 - 3.0).astype(np.float32).reshape(16, 64),
        "ids": np.array([101, 2023, 2003, 1037, 3231, 102, 0], dtype=np.int64),
        "weird": np.array([0, 1, np.nan, np.inf, -np.inf, 2.5, -1, np.nan, 3], dtype=np.float64).reshape(3, 3),
        "mask": np.array([True, False, True, True, False]),
        "half": np.array([1, -2, np.inf, 0.5], dtype=np.float16),
    }


def savez(path: str, compressed: bool, *args, zip64: bool = False, **kwargs) -> None:
    saved = time.time, zipfile.ZIP64_LIMIT
    time.time = lambda: PINNED_TIME  # zipfile stamps entries with the current time
    if zip64:
        zipfile.ZIP64_LIMIT = 1  # every size and offset "needs" zip64: all its records get written
    try:
        (np.savez_compressed if compressed else np.savez)(path, *args, **kwargs)
    finally:
        time.time, zipfile.ZIP64_LIMIT = saved


def write_npz(out: str) -> None:
    os.makedirs(f"{out}/npz")
    savez(f"{out}/npz/stored.npz", False, **arrays())
    savez(f"{out}/npz/compressed.npz", True, **arrays())
    os.makedirs(f"{out}/npz-positional")
    savez(f"{out}/npz-positional/sample.npz", False, arrays()["x"], arrays()["ids"])
    os.makedirs(f"{out}/npz-zip64")
    savez(f"{out}/npz-zip64/sample.npz", False, zip64=True, x=arrays()["x"], ids=arrays()["ids"])
    with open(f"{out}/npz-zip64/sample.npz", "rb") as f:
        assert b"PK\x06\x06" in f.read(), "no zip64 end record was written"
    for folder in ("npz", "npz-positional", "npz-zip64"):
        for name in os.listdir(f"{out}/{folder}"):
            np.load(f"{out}/{folder}/{name}")  # the archives must be valid for numpy itself


def write_tensor(path: str, array: np.ndarray, name: str | None) -> None:
    proto = numpy_helper.from_array(array, name) if name else numpy_helper.from_array(array)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def write_test_data_sets(out: str) -> None:
    first = f"{out}/onnxruntime/test_data_set_0"
    os.makedirs(first)
    write_tensor(f"{first}/input_0.pb", np.array([[1, 1, 1, 1, 0, 0]], dtype=np.int64), "attention_mask")
    write_tensor(f"{first}/input_1.pb", np.array([[101, 7592, 2088, 102, 0, 0]], dtype=np.int64), "input_ids")
    write_tensor(f"{first}/output_0.pb", np.zeros((1, 3), dtype=np.float32), "output")
    second = f"{out}/onnxruntime/test_data_set_1"
    os.makedirs(second)
    write_tensor(f"{second}/input_0.pb", np.array([[101, 2129, 102, 0]], dtype=np.int64), None)
    write_tensor(f"{second}/input_1.pb", np.array([[1, 1, 1, 0]], dtype=np.int64), None)


def deflate(data: bytes, level: int = 9, mem_level: int = 8, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, mem_level, strategy)
    return compressor.compress(data) + compressor.flush()


def text(rng: random.Random, size: int) -> bytes:
    words = ("the model quantizer reads calibration samples from a folder of numpy arrays and "
             "archives then runs each one through the interpreter to collect activation ranges").split()
    out = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(words) + rng.choice(["", "", ",", ".", "\n"]))
    return " ".join(out).encode()[:size]


def inflate_vectors() -> list[tuple[str, bytes, bytes]]:
    rng = random.Random(20240101)
    prose = text(rng, 16000)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    floats = (np.sin(np.arange(2048) / 37.0) * 100 + np.arange(2048) % 7).astype(np.float32).tobytes()
    runs = b"".join(bytes([rng.randrange(4)]) * rng.randrange(1, 300) for _ in range(200))
    plain = {
        "empty": b"",
        "dynamic-text": prose,
        "dynamic-floats": floats,
        "dynamic-small-blocks": prose[:6000],
        "far-distance": noise + prose + noise,
        "fixed": prose[:3000],
        "rle": runs,
        "huffman-only": prose[:2000],
        "stored": noise[:1500],
    }
    streams = {
        "empty": deflate(b""),
        "dynamic-text": deflate(prose),
        "dynamic-floats": deflate(floats),
        # memLevel 1 gives a 128-symbol buffer: a new dynamic block every ~127 symbols.
        "dynamic-small-blocks": deflate(prose[:6000], mem_level=1),
        "far-distance": deflate(noise + prose + noise),  # repeats 20 kB back: 13 extra distance bits
        "fixed": deflate(prose[:3000], strategy=zlib.Z_FIXED),
        "rle": deflate(runs, strategy=zlib.Z_RLE),  # distance 1 matches overlap their own output
        "huffman-only": deflate(prose[:2000], strategy=zlib.Z_HUFFMAN_ONLY),  # literals only
        "stored": deflate(noise[:1500], level=0),
    }
    return [(name, plain[name], streams[name]) for name in plain]


def write_inflate(out: str) -> None:
    os.makedirs(f"{out}/inflate")
    lines = [f"# raw DEFLATE vectors from zlib {zlib.ZLIB_VERSION}: name, inflated size, CRC-32 of the inflated bytes"]
    for name, plain, stream in inflate_vectors():
        assert zlib.decompress(stream, -15) == plain
        with open(f"{out}/inflate/{name}.deflate", "wb") as f:
            f.write(stream)
        lines.append(f"{name} {len(plain)} {zlib.crc32(plain):08x}")
    with open(f"{out}/inflate/vectors.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


def generate(out: str) -> None:
    write_npz(out)
    write_test_data_sets(out)
    write_inflate(out)


def same_tree(a: str, b: str) -> bool:
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.diff_files or comparison.funny_files:
        return False
    return all(same_tree(f"{a}/{d}", f"{b}/{d}") for d in comparison.common_dirs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(f"{tmp}/calibration")
        if args.check:
            if not same_tree(f"{tmp}/calibration", OUT_DIR):
                print(f"{OUT_DIR} is stale: rerun {os.path.basename(__file__)}", file=sys.stderr)
                return 1
            return 0
        shutil.rmtree(OUT_DIR, ignore_errors=True)
        shutil.copytree(f"{tmp}/calibration", OUT_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
