"""Upscaling photographs of any size in overlapping tiles.

The low-resolution image is cut into tiles of ``tile_lr`` pixels, each read with ``margin``
extra pixels on every side (clipped at the image border). A margin of at least the network's
receptive radius plus the bicubic kernel's two pixels makes every output pixel depend only on
data the untiled computation would also see, so the tiles join without seams and the result
equals the untiled one up to float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from imaging import imresize, rgb_to_ycbcr, to_uint8, ycbcr_to_rgb
from sr.models import VDSR_DEPTH, srcnn_border
from sr.protocol import Upscaler


def margin_for(
    model: str, scale: int, srcnn_variant: str = "9-1-5", depth: int = VDSR_DEPTH
) -> int:
    """LR margin covering the receptive radius of ``model`` plus the bicubic support (3 px)."""
    if model == "srcnn":
        radius_lr = math.ceil(srcnn_border(srcnn_variant) / scale)
    elif model == "vdsr":
        radius_lr = math.ceil(depth / scale)
    elif model == "vdsr_sp":
        radius_lr = depth
    else:
        radius_lr = 0
    return radius_lr + 3


def tiles(height: int, width: int, tile: int) -> Iterator[tuple[int, int, int, int]]:
    """``(top, bottom, left, right)`` of the tiles covering an ``height x width`` image."""
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            yield top, min(top + tile, height), left, min(left + tile, width)


def upscale_rgb(
    rgb: np.ndarray,
    predict: Upscaler,
    scale: int,
    *,
    tile_lr: int | None = 256,
    margin: int = 23,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Super-resolve a float RGB image ``(h, w, 3)`` in [0, 1] to uint8 ``(h*s, w*s, 3)``.

    Y (0..255) goes through ``predict(lr_y, bicubic_y)``, CbCr is upscaled by bicubic. With
    ``tile_lr=None`` the image is processed whole.
    """
    h, w = rgb.shape[:2]
    out = np.empty((h * scale, w * scale, 3), np.uint8)
    tile_lr = tile_lr or max(h, w)
    for top, bottom, left, right in tiles(h, w, tile_lr):
        t0, t1 = max(top - margin, 0), min(bottom + margin, h)
        l0, l1 = max(left - margin, 0), min(right + margin, w)
        ycbcr = rgb_to_ycbcr(np.asarray(rgb[t0:t1, l0:l1], np.float32)).astype(np.float64)
        up = imresize(ycbcr, float(scale))
        sr_y = predict(ycbcr[..., 0] * 255.0, up[..., 0] * 255.0) / 255.0
        up[..., 0] = sr_y
        core = up[
            (top - t0) * scale : (bottom - t0) * scale, (left - l0) * scale : (right - l0) * scale
        ]
        rgb_tile = ycbcr_to_rgb(core.astype(np.float32))
        out[top * scale : bottom * scale, left * scale : right * scale] = to_uint8(rgb_tile)
        if progress:
            progress(1)
    return out


def tile_count(height: int, width: int, tile_lr: int | None) -> int:
    """Number of tiles :func:`upscale_rgb` processes."""
    if not tile_lr:
        return 1
    return math.ceil(height / tile_lr) * math.ceil(width / tile_lr)
