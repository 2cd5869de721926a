"""Image sizes and bicubic resizing of style transfer: MATLAB's in float, or neural-style's.

``"matlab"``: :func:`imaging.imresize` on float images, sizes rounded. ``"pillow"``:
anishathalye/neural-style's, Pillow bicubic on 8-bit pixels, sizes floored. Images are float32
RGB in [0, 1], ``(H, W, 3)``; shapes are ``(H, W)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

import imaging


def width_shape(shape: Sequence[int], width: int, method: str = "matlab") -> tuple[int, int]:
    """``(H, W)`` of an image of ``shape`` resized to ``width`` wide, aspect kept.

    ``"matlab"``: height rounded; ``"pillow"``: ``floor(H / W * width)`` in floating point, as
    neural-style's ``--width`` (which may drop a row even when ``width == W``).
    """
    h, w = int(shape[0]), int(shape[1])
    if method == "pillow":
        return max(1, int(math.floor(float(h) / w * width))), int(width)
    return max(1, round(h * width / w)), int(width)


def style_shape(
    shape: Sequence[int], content_width: int, scale: float = 1.0, method: str = "matlab"
) -> tuple[int, int]:
    """``(H, W)`` of a style image of ``shape`` scaled to ``scale * content_width`` wide.

    ``"pillow"``: neural-style's arithmetic, both sides ``int(side * scale * content_width / W)``.
    """
    if method == "pillow":
        factor = scale * content_width / shape[1]
        return max(1, int(shape[0] * factor)), max(1, int(shape[1] * factor))
    return width_shape(shape, max(1, round(scale * content_width)))


def stage_shape(shape: Sequence[int], width: int, method: str = "matlab") -> tuple[int, int]:
    """``(H, W)`` of a coarse-to-fine stage of ``width``: the content's own at its own width."""
    if int(width) == int(shape[1]):
        return int(shape[0]), int(shape[1])
    return width_shape(shape, width, method)


def pillow_resize(image: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """neural-style's resize: to uint8 (rounded here), Pillow bicubic to ``(H, W)``; float32 [0, 1].

    Pillow's bicubic (a = -0.5, antialiased when shrinking) works on and returns uint8.
    """
    pixels = imaging.to_uint8(np.asarray(image, np.float64))  # float64 first: uint8 is scaled too
    resized = Image.fromarray(pixels).resize((int(shape[1]), int(shape[0])), Image.BICUBIC)
    return (np.asarray(resized, np.float32) / np.float32(255.0)).astype(np.float32)


def resize_to_shape(image: np.ndarray, shape: Sequence[int], method: str = "matlab") -> np.ndarray:
    """Bicubic resize to ``(H, W)`` (MATLAB's in float, or Pillow's on uint8); float32 [0, 1]."""
    if tuple(image.shape[:2]) == tuple(shape[:2]):
        return np.asarray(image, np.float32)
    if method == "pillow":
        return pillow_resize(image, shape)
    return imaging.imresize_clipped(image, tuple(shape[:2]))


def resize_to_width(image: np.ndarray, width: int, method: str = "matlab") -> np.ndarray:
    """Bicubic resize to ``width`` keeping the aspect ratio (:func:`width_shape`); float32."""
    return resize_to_shape(image, width_shape(image.shape, width, method), method)


def scaled_style(
    style: np.ndarray, content_width: int, scale: float = 1.0, method: str = "matlab"
) -> np.ndarray:
    """neural-style's --style-scales: the style is resized to ``scale * content_width`` wide."""
    return resize_to_shape(style, style_shape(style.shape, content_width, scale, method), method)
