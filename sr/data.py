"""Degradation and patch extraction for the three training recipes.

Everything works on the luminance plane as uint8 values, with the evaluation protocol's
degradation (``/work/shared/datasets/README.md``): modcrop, ``LR = round(imresize(Y, 1/s))``,
``bicubic = round(imresize(LR, s))``, all with the shared MATLAB-compatible bicubic.

Recipes (one function each, returning dicts of uint8 arrays ``(n, h, w)`` plus ``scale`` ``(n,)``):

* ``srcnn``: 33x33 bicubic inputs, the central 21x21 HR labels, stride 14 (Dong et al.).
* ``vdsr``: 41x41 bicubic inputs and HR labels at the same place, stride 41 (Kim et al.).
* ``subpixel``: ``p x p`` LR patches with their ``ps x ps`` bicubic and HR patches.
"""

from __future__ import annotations

import numpy as np

from imaging import imresize
from sr.protocol import Degraded, degrade, round_uint8

RECIPES = ("srcnn", "vdsr", "subpixel")


def patch_grid(height: int, width: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Top-left corners of ``size x size`` patches every ``stride`` pixels (row-major)."""
    rows = range(0, height - size + 1, stride)
    cols = range(0, width - size + 1, stride)
    return [(r, c) for r in rows for c in cols]


def _stack(arrays: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    return np.stack(arrays) if arrays else np.zeros((0, *shape), np.uint8)


def srcnn_patches(d: Degraded, size: int = 33, label_size: int = 21, stride: int = 14) -> dict:
    """SRCNN pairs: ``bicubic`` ``(n, size, size)`` and centred ``label`` ``(n, label, label)``."""
    offset = (size - label_size) // 2
    corners = patch_grid(*d.hr.shape, size, stride)
    bic = [d.bicubic[r : r + size, c : c + size] for r, c in corners]
    lab = [
        d.hr[r + offset : r + offset + label_size, c + offset : c + offset + label_size]
        for r, c in corners
    ]
    return {
        "bicubic": _stack(bic, (size, size)),
        "label": _stack(lab, (label_size, label_size)),
        "scale": np.full(len(corners), d.scale, np.uint8),
    }


def vdsr_patches(d: Degraded, size: int = 41, stride: int = 41) -> dict:
    """VDSR pairs: ``bicubic`` and ``label`` ``(n, size, size)`` at the same positions."""
    corners = patch_grid(*d.hr.shape, size, stride)
    return {
        "bicubic": _stack([d.bicubic[r : r + size, c : c + size] for r, c in corners], (size,) * 2),
        "label": _stack([d.hr[r : r + size, c : c + size] for r, c in corners], (size,) * 2),
        "scale": np.full(len(corners), d.scale, np.uint8),
    }


def subpixel_patches(d: Degraded, lr_size: int, lr_stride: int) -> dict:
    """Sub-pixel triples: ``lr`` ``(n, p, p)``, ``bicubic`` and ``label`` ``(n, p*s, p*s)``."""
    s, hs = d.scale, lr_size * d.scale
    corners = patch_grid(*d.lr.shape, lr_size, lr_stride)
    return {
        "lr": _stack([d.lr[r : r + lr_size, c : c + lr_size] for r, c in corners], (lr_size,) * 2),
        "bicubic": _stack(
            [d.bicubic[r * s : r * s + hs, c * s : c * s + hs] for r, c in corners], (hs, hs)
        ),
        "label": _stack(
            [d.hr[r * s : r * s + hs, c * s : c * s + hs] for r, c in corners], (hs,) * 2
        ),
        "scale": np.full(len(corners), s, np.uint8),
    }


def dihedral(image: np.ndarray, k: int) -> np.ndarray:
    """The k-th (0..7) of the 8 rotations/flips of the last two axes of ``(..., H, W)``."""
    rotated = np.rot90(image, k % 4, axes=(-2, -1))
    return np.flip(rotated, axis=-1) if k >= 4 else rotated


def augment_images(y: np.ndarray, count: int) -> list[np.ndarray]:
    """``count`` (1, 2, 4 or 8) dihedral variants of a Y image: the paper's rotation and flip."""
    if count not in (1, 2, 4, 8):
        raise ValueError(f"augmentation count must be 1, 2, 4 or 8, got {count}")
    order = (0, 4, 1, 2, 3, 5, 6, 7)  # identity, flip, then rotations
    return [np.ascontiguousarray(dihedral(y, k)) for k in order[:count]]


def check_downscale(factors) -> tuple[float, ...]:
    """Scale-augmentation factors as a tuple of floats; ValueError unless distinct, in (0, 1]."""
    factors = tuple(float(f) for f in factors)
    if any(not 0.0 < f <= 1.0 for f in factors) or len(set(factors)) != len(factors):
        raise ValueError(f"downscale factors must be distinct and in (0, 1], got {factors}")
    return factors


def rescale_images(y: np.ndarray, factors: tuple[float, ...]) -> list[np.ndarray]:
    """HR variants of a uint8 Y image ``(H, W)``, one per factor in ``(0, 1]``.

    Each is ``round(imresize(y, f))`` with the shared MATLAB bicubic (``ceil(f * H)`` rows); 1.0
    returns ``y`` itself. This is the scale augmentation of common VDSR reimplementations (factors
    1.0, 0.7, 0.5): the same scenes again with finer texture, before any degradation.
    """
    factors = check_downscale(factors)
    return [y if f == 1.0 else round_uint8(imresize(y, float(f))) for f in factors]


def recipe_patches(recipe: str, y: np.ndarray, scale: int, spec: dict) -> dict:
    """Patches of one Y image ``(H, W)`` uint8 at one scale for ``recipe`` with ``spec`` sizes.

    An image too small for one patch gives ``{}`` (no patches) without being degraded.
    """
    hr_size = spec["lr_size"] * scale if recipe == "subpixel" else spec.get("size", 0)
    if min(np.shape(y)) // scale * scale < hr_size:
        return {}
    d = degrade(y, scale)
    if recipe == "srcnn":
        return srcnn_patches(d, spec["size"], spec["label_size"], spec["stride"])
    if recipe == "vdsr":
        return vdsr_patches(d, spec["size"], spec["stride"])
    if recipe == "subpixel":
        return subpixel_patches(d, spec["lr_size"], spec["lr_stride"])
    raise ValueError(f"unknown recipe {recipe!r}; choose from {', '.join(RECIPES)}")
