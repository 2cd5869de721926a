"""Octave geometry and resizing for DeepDream: the sizes of the scales and the resize between them.

Two resize kernels: MATLAB bicubic with antialiasing (``imaging.imresize``, ours) and
``tf.image.resize`` bilinear without antialiasing (half-pixel centres), which the Keras example
and the TensorFlow tutorial use.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

import imaging


def octave_shapes(
    height: int,
    width: int,
    octaves: int,
    octave_scale: float,
    finest: int = 0,
    rounding: str = "float64",
) -> list[tuple[int, int]]:
    """Sizes of the octaves, coarsest first.

    Octave ``k`` has exponent ``e = finest - (octaves - 1 - k)`` and sides
    ``int(side / octave_scale**-e)`` for ``e <= 0`` and ``int(side * octave_scale**e)`` above
    (``rounding="float64"``, the Keras example's formula), or
    ``int(float32(side) * float32(octave_scale**e))`` (``"float32"``, the TensorFlow tutorial's).
    """
    exponents = [finest - (octaves - 1 - k) for k in range(octaves)]
    return [
        (_side(height, octave_scale, e, rounding), _side(width, octave_scale, e, rounding))
        for e in exponents
    ]


def _side(side: int, scale: float, exponent: int, rounding: str) -> int:
    if rounding == "float32":
        return int(np.float32(side) * np.float32(scale**exponent))
    if exponent <= 0:
        return int(side / scale ** (-exponent))
    return int(side * scale**exponent)


def resize_image(image: np.ndarray, shape: tuple[int, int], method: str) -> np.ndarray:
    """``image`` ``(h, w, 3)`` float32 resized to ``shape`` by ``method`` (no clipping).

    ``"bicubic"``: MATLAB imresize (antialiased when shrinking); ``"bilinear"``:
    ``tf.image.resize`` bilinear, no antialiasing. Returns ``image`` itself when the size is
    already ``shape`` (both kernels are the identity there), otherwise a new float32 array.
    """
    if image.shape[:2] == tuple(shape):
        return image
    if method == "bilinear":
        out = tf.image.resize(image, shape, method="bilinear", antialias=False)
        return np.asarray(out.numpy(), np.float32)
    return resize_channels(image, shape)


def resize_channels(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """MATLAB bicubic resize to ``shape``, one channel at a time (float32 result, a new array).

    Same values as ``imaging.imresize(image, output_shape=shape)``; resizing channel by channel
    keeps its float64 temporaries to a third, which matters on 4096 x 4096 images.
    """
    out = np.empty((*shape, image.shape[-1]), np.float32)
    for channel in range(image.shape[-1]):
        if image.shape[:2] == tuple(shape):
            out[..., channel] = image[..., channel]
        else:
            out[..., channel] = imaging.imresize(image[..., channel], output_shape=shape)
    return out


def quantize(image: np.ndarray, mode: str = "round") -> np.ndarray:
    """Float RGB (nominally [0, 1]) to uint8.

    ``"round"`` (ours): ``round(255 x)`` half to even, clipped. ``"truncate"``:
    ``trunc(255 x)``, clipped. ``"keras"``: what the Keras example writes: its deprocessing of
    the [-1, 1] image, ``trunc(clip(((2x - 1) / 2 + 0.5) * 255))`` in float32 steps (a pixel
    exactly on an 8-bit level can come back a hair below it, e.g. 1.9999999, and drop one
    level), then ``keras.utils.save_img``'s default ``scale=True``: the whole image stretched
    so that its minimum becomes 0 and its maximum 255, truncated again.
    """
    if mode == "round":
        return imaging.to_uint8(image)
    x = np.asarray(image, np.float32)
    if mode == "truncate":
        return np.clip(x * np.float32(255.0), 0.0, 255.0).astype(np.uint8)
    centred = x * np.float32(2.0) - np.float32(1.0)
    levels = (centred / np.float32(2.0) + np.float32(0.5)) * np.float32(255.0)
    stretched = np.clip(levels, 0.0, 255.0).astype(np.uint8).astype(np.float32)
    stretched -= stretched.min()
    top = stretched.max()
    if top != 0:
        stretched /= top
    stretched *= np.float32(255.0)
    return stretched.astype(np.uint8)
