"""Calibration samples for `make`'s quantize-static demo on Fixtures/models/small_cnn.onnx:
16 smooth, deterministic 3x32x32 images (sums of low-frequency waves plus a little noise)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "demo-calibration" / "small_cnn" / "input"


def image(rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:32, 0:32] / 32.0
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 2 * np.pi)
        channels.append(np.sin(2 * np.pi * (fx * x + fy * y) + phase) + 0.1 * rng.standard_normal((32, 32)))
    return np.stack(channels)[None].astype(np.float32)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261121)
    for index in range(16):
        np.save(OUT / f"sample_{index:04d}.npy", image(rng))


if __name__ == "__main__":
    main()
