"""MATLAB-compatible bicubic ``imresize`` in NumPy (float64); TensorFlow's is in ``tf_ops``.

This reproduces MATLAB's ``imresize(I, scale, 'bicubic')`` with its default antialiasing:

* the Keys cubic kernel with ``a = -0.5`` (MATLAB's ``cubic``);
* when shrinking by ``s < 1`` the kernel is widened to ``s * cubic(s * x)`` over ``4 / s``
  pixels, so it low-pass filters before subsampling;
* output sample ``x`` (1-based) maps to input coordinate ``u = x / s + 0.5 * (1 - 1 / s)``;
  its weights are normalised to sum to one;
* borders are extended symmetrically (``[1..n, n..1]`` repeated), indices are gathered;
* the output size is ``ceil(size * s)``; the dimension with the smaller scale is resized first,
  rows first when the scales are equal.

Neither function rounds or clips: MATLAB rounds uint8 results to uint8, which callers do with
``np.rint`` where the protocol asks for it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

KERNEL_WIDTH = 4.0


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic convolution kernel with ``a = -0.5`` (support ``[-2, 2]``)."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def taps(scale: float) -> int:
    """Number of input samples each output sample reads, ``ceil(kernel width) + 2``."""
    width = KERNEL_WIDTH / scale if scale < 1 else KERNEL_WIDTH
    return int(math.ceil(width)) + 2


def contributions(in_length: int, out_length: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights and 0-based input indices, both ``(out_length, taps)``, for one dimension."""
    width = KERNEL_WIDTH / scale if scale < 1 else KERNEL_WIDTH
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    indices = left[:, None] + np.arange(taps(scale), dtype=np.float64)[None, :]
    distance = u[:, None] - indices
    weights = scale * cubic(scale * distance) if scale < 1 else cubic(distance)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights, _mirror(indices.astype(np.int64) - 1, in_length)


def _mirror(indices: np.ndarray, length: int) -> np.ndarray:
    """Symmetric border extension of 0-based indices: ``... 1 0 | 0 1 ... n-1 | n-1 n-2 ...``."""
    period = np.mod(indices, 2 * length)
    return np.where(period < length, period, 2 * length - 1 - period)


def _scales_and_shape(
    shape: tuple[int, int], scale: float | tuple[float, float] | None, output_shape
) -> tuple[tuple[float, float], tuple[int, int]]:
    if output_shape is not None:
        out = (int(output_shape[0]), int(output_shape[1]))
        if min(out) < 1:
            raise ValueError(f"output_shape must be positive, got {output_shape}")
        return (out[0] / shape[0], out[1] / shape[1]), out
    if scale is None:
        raise ValueError("give either scale or output_shape")
    scales = (float(scale), float(scale)) if np.isscalar(scale) else tuple(map(float, scale))
    if min(scales) <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    return scales, (math.ceil(shape[0] * scales[0]), math.ceil(shape[1] * scales[1]))


def _order(scales: tuple[float, float]) -> tuple[int, int]:
    return (0, 1) if scales[0] <= scales[1] else (1, 0)


def imresize(
    image: np.ndarray,
    scale: float | tuple[float, float] | None = None,
    *,
    output_shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """MATLAB bicubic resize of ``(H, W)`` or ``(H, W, C)`` data; returns float64, unrounded."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim not in (2, 3):
        raise ValueError(f"expected (H, W) or (H, W, C), got shape {array.shape}")
    scales, out_shape = _scales_and_shape(array.shape[:2], scale, output_shape)
    for axis in _order(scales):
        if out_shape[axis] == array.shape[axis] and scales[axis] == 1.0:
            continue
        weights, indices = contributions(array.shape[axis], out_shape[axis], scales[axis])
        array = _resize_axis(array, weights, indices, axis)
    return array


def _resize_axis(array: np.ndarray, weights: np.ndarray, indices: np.ndarray, axis: int):
    """Apply one dimension's weights as a sparse ``(out, in)`` matrix (mirrored taps summed)."""
    out_len, num_taps = weights.shape
    in_len = array.shape[axis]
    rows = np.repeat(np.arange(out_len), num_taps)
    matrix = sparse.csr_matrix((weights.ravel(), (rows, indices.ravel())), (out_len, in_len))
    moved = np.moveaxis(array, axis, 0)
    out = (matrix @ moved.reshape(in_len, -1)).reshape((out_len,) + moved.shape[1:])
    return np.moveaxis(out, 0, axis)


def integer_factor(scale: float) -> int | None:
    """``s`` for a scale of ``s`` or ``1/s`` with integer ``s >= 2``, else None."""
    value = scale if scale > 1 else 1.0 / scale
    factor = round(value)
    return factor if factor >= 2 and abs(value - factor) < 1e-9 else None


def polyphase_kernel(scale: float, factor: int) -> tuple[np.ndarray, int, int]:
    """The MATLAB weights of an integer scale as a convolution kernel ``(L, phases)``.

    For an upscale by ``s`` the weights repeat with period ``s`` (one phase per output
    channel, interleaved afterwards); for a downscale by ``s`` every output sample has the same
    weights, read with stride ``s``. Returns the kernel, the symmetric padding before the first
    sample, and the stride.
    """
    phases = factor if scale > 1 else 1
    weights, _ = contributions(4 * factor + 8, phases, scale)
    width = KERNEL_WIDTH / scale if scale < 1 else KERNEL_WIDTH
    x = np.arange(1, phases + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    first = np.floor(u - width / 2.0).astype(int) - 1  # 0-based index of each phase's first tap
    start = int(first.min())
    length = int(first.max()) - start + weights.shape[1]
    kernel = np.zeros((length, phases))
    for p in range(phases):
        offset = first[p] - start
        kernel[offset : offset + weights.shape[1], p] = weights[p]
    return kernel, -start, (1 if scale > 1 else factor)


def imresize_clipped(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """An image in [0, 1] resized to ``shape`` ``(H, W)`` by :func:`imresize`, clipped back to
    [0, 1] (bicubic overshoots at edges) and returned as float32."""
    out = imresize(image, output_shape=(int(shape[0]), int(shape[1])))
    return np.clip(out, 0.0, 1.0).astype(np.float32)
