"""The image layer's TensorFlow ops: MATLAB-compatible colour conversion and bicubic resize.

They match :mod:`imaging.color` and :mod:`imaging.resize` (NumPy) and work on tensors inside
``tf.function`` and ``tf.data``. This is the only module of :mod:`imaging` that imports
TensorFlow; ``imaging`` loads it on first use of one of its names.
"""

from __future__ import annotations

import numpy as np

from common.quiet import tf
from imaging.color import RGB_TO_YCBCR, YCBCR_OFFSET, YCBCR_TO_RGB
from imaging.resize import (
    KERNEL_WIDTH,
    _order,
    _scales_and_shape,
    integer_factor,
    polyphase_kernel,
    taps,
)


def rgb_to_ycbcr_tf(image: tf.Tensor) -> tf.Tensor:
    """TensorFlow :func:`rgb_to_ycbcr` for float tensors in [0, 1], shape ``(..., 3)``."""
    image = tf.convert_to_tensor(image)
    matrix = tf.constant(RGB_TO_YCBCR.T / 255.0, dtype=image.dtype)
    offset = tf.constant(YCBCR_OFFSET / 255.0, dtype=image.dtype)
    return tf.tensordot(image, matrix, axes=1) + offset


def ycbcr_to_rgb_tf(image: tf.Tensor) -> tf.Tensor:
    """TensorFlow :func:`ycbcr_to_rgb` for float tensors, shape ``(..., 3)``; not clipped."""
    image = tf.convert_to_tensor(image)
    matrix = tf.constant(YCBCR_TO_RGB.T * 255.0, dtype=image.dtype)
    offset = tf.constant(YCBCR_OFFSET / 255.0, dtype=image.dtype)
    return tf.tensordot(image - offset, matrix, axes=1)


def imresize_tf(
    image: tf.Tensor,
    scale: float | tuple[float, float] | None = None,
    *,
    output_shape: tuple[int, int] | None = None,
) -> tf.Tensor:
    """TensorFlow :func:`imresize` for ``(H, W, C)`` or ``(N, H, W, C)`` tensors.

    Works with dynamic shapes inside ``tf.function`` and ``tf.data``; ``scale`` (or
    ``output_shape``) must be Python numbers. Integer inputs are computed in float32; float
    inputs keep their dtype. Weights are computed in float64 and cast, so float32 results
    agree with the NumPy version to about 1e-4 on [0, 255] data.
    """
    image = tf.convert_to_tensor(image)
    if not image.dtype.is_floating:
        image = tf.cast(image, tf.float32)
    batched = image.shape.rank == 4
    if not batched:
        image = image[None]
    if image.shape.rank != 4:
        raise ValueError(f"expected (H, W, C) or (N, H, W, C), got rank {image.shape.rank + 1}")
    if output_shape is not None:
        out = (int(output_shape[0]), int(output_shape[1]))
        in_hw = tf.shape(image)[1:3]
        scales = None
    else:
        scales, _ = _scales_and_shape((1, 1), scale, None)
    for axis in _order(scales) if scales else (0, 1):
        in_len = tf.shape(image)[axis + 1]
        if scales is None:
            axis_scale = out[axis] / tf.cast(in_hw[axis], tf.float64)
            image = _resize_axis_tf_static_out(image, in_len, out[axis], axis_scale, axis)
            continue
        if scales[axis] == 1.0:
            continue
        image = _resize_axis_tf(image, in_len, scales[axis], axis)
    return image if batched else image[0]


def _resize_axis_tf(image, in_len, scale: float, axis: int):
    """Resize axis 0 (H) or 1 (W) of ``(N, H, W, C)``, by convolution when the scale allows."""
    factor = integer_factor(scale)
    if factor is None:
        return _gather_resize_tf(image, in_len, scale, axis)
    kernel, pad_before, stride = polyphase_kernel(scale, factor)
    need = max(pad_before, kernel.shape[0])
    static_len = image.shape[axis + 1]
    if static_len is not None:
        if static_len <= need:
            return _gather_resize_tf(image, in_len, scale, axis)
        return _polyphase_tf(image, in_len, kernel, pad_before, stride, scale, axis)
    return tf.cond(
        in_len > need,
        lambda: _polyphase_tf(image, in_len, kernel, pad_before, stride, scale, axis),
        lambda: _gather_resize_tf(image, in_len, scale, axis),
    )


def _gather_resize_tf(image, in_len, scale: float, axis: int):
    out_len = tf.cast(tf.math.ceil(tf.cast(in_len, tf.float64) * scale), tf.int32)
    weights, indices = _contributions_tf(in_len, out_len, scale, taps(scale))
    return _gather_axis_tf(image, weights, indices, axis)


def _polyphase_tf(image, in_len, kernel: np.ndarray, pad_before: int, stride: int, scale, axis):
    """Symmetric-pad and convolve along one axis of ``(N, H, W, C)``; interleave upscale phases.

    The axis is moved last, ``(N * C, other, length)``. A downscale by ``s`` folds the padded
    axis into ``s`` channels so the strided filter becomes a dense convolution with ``s`` input
    channels (much faster than a strided single-channel one on CPUs).
    """
    length, phases = kernel.shape
    to_last = [0, 3, 1, 2] if axis == 1 else [0, 3, 2, 1]
    moved = tf.transpose(image, to_last)
    n, c, other = tf.unstack(tf.shape(moved))[:3]
    planes = tf.reshape(moved, [n * c, other, in_len, 1])
    out_len = tf.cast(tf.math.ceil(tf.cast(in_len, tf.float64) * scale), tf.int32)
    taps_per_channel = -(-length // stride)
    if phases > 1:
        pad_after = length - 1 - pad_before
        filt = kernel.reshape(1, length, 1, phases)
    else:
        padded_len = (out_len + taps_per_channel - 1) * stride
        pad_after = padded_len - in_len - pad_before
        folded = np.zeros(taps_per_channel * stride)
        folded[:length] = kernel[:, 0]
        filt = folded.reshape(1, taps_per_channel, stride, 1)
    padded = tf.pad(planes, [[0, 0], [0, 0], [pad_before, pad_after], [0, 0]], mode="SYMMETRIC")
    if phases == 1:
        padded = tf.reshape(padded, [n * c, other, -1, stride])
    out = tf.nn.conv2d(padded, tf.constant(filt, image.dtype), 1, "VALID")
    out = tf.reshape(out[:, :, :out_len] if phases == 1 else out, [n, c, other, out_len])
    return tf.transpose(out, [0, 2, 3, 1] if axis == 1 else [0, 3, 2, 1])


def _resize_axis_tf_static_out(image, in_len, out_len: int, axis_scale, axis: int):
    """Resize to a fixed output length; the scale may be a tensor (dynamic input size)."""
    static_in = image.shape[axis + 1]
    if static_in is None:
        raise ValueError("output_shape with a dynamic input size needs a known input size")
    scale = out_len / static_in
    if out_len == static_in:
        return image
    weights, indices = _contributions_tf(in_len, tf.constant(out_len), scale, taps(scale))
    return _gather_axis_tf(image, weights, indices, axis)


def _contributions_tf(in_len, out_len, scale: float, num_taps: int):
    """TensorFlow twin of :func:`contributions` for a dynamic input length."""
    width = KERNEL_WIDTH / scale if scale < 1 else KERNEL_WIDTH
    x = tf.range(1, out_len + 1, dtype=tf.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = tf.floor(u - width / 2.0)
    indices = left[:, None] + tf.range(num_taps, dtype=tf.float64)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic_tf(scale * distance) if scale < 1 else _cubic_tf(distance)
    weights /= tf.reduce_sum(weights, axis=1, keepdims=True)
    zero_based = tf.cast(indices, tf.int32) - 1
    period = tf.math.floormod(zero_based, 2 * in_len)
    mirrored = tf.where(period < in_len, period, 2 * in_len - 1 - period)
    return weights, mirrored


def _cubic_tf(x):
    ax = tf.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * tf.cast(ax <= 1, x.dtype)
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * tf.cast((ax > 1) & (ax <= 2), x.dtype)
    return near + far


def _gather_axis_tf(image, weights, indices, axis: int):
    """Weighted sum of gathered rows (axis 0) or columns (axis 1) of an ``(N, H, W, C)`` tensor."""
    weights = tf.cast(weights, image.dtype)
    shape = [-1, 1, 1] if axis == 0 else [-1, 1]
    out = None
    for k in range(weights.shape[1]):
        term = tf.reshape(weights[:, k], shape) * tf.gather(image, indices[:, k], axis=axis + 1)
        out = term if out is None else out + term
    return out
