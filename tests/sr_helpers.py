"""Helpers of the super-resolution training tests: smooth test images and weight files read back."""

from __future__ import annotations

import h5py
import numpy as np
import seeds

from imaging import imresize


def smooth_image(h: int, w: int, seed: int) -> np.ndarray:
    """A uint8 RGB ``(h, w, 3)`` image: random values on a 4x coarser grid, upscaled bicubically
    (so that super-resolution has structure to learn)."""
    rng = seeds.rng(seed)
    small = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, 3)).astype(float)
    return np.clip(np.rint(imresize(small, 4.0)[:h, :w]), 0, 255).astype(np.uint8)


def weight_arrays(path) -> dict[str, np.ndarray]:
    """Every dataset of a ``.weights.h5`` file by its HDF5 path, in file order."""
    out: dict[str, np.ndarray] = {}

    def visit(name: str, item) -> None:  # visititems stops at the first non-None return
        if isinstance(item, h5py.Dataset):
            out[name] = item[...]

    with h5py.File(path) as h5:
        h5.visititems(visit)
    assert out, f"no arrays in {path}"
    return out


def assert_same_weights(a, b) -> None:
    """The two weight files hold the same arrays under the same names, bit for bit."""
    wa, wb = weight_arrays(a), weight_arrays(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        np.testing.assert_array_equal(wa[key], wb[key], err_msg=key)
