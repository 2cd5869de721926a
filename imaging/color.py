"""MATLAB-compatible ``rgb2ycbcr`` / ``ycbcr2rgb`` (ITU-R BT.601, studio range).

For R, G, B in [0, 1] (MATLAB's convention for double images)::

    Y  = ( 16 +  65.481 R + 128.553 G +  24.966 B) / 255
    Cb = (128 -  37.797 R -  74.203 G + 112.000 B) / 255
    Cr = (128 + 112.000 R -  93.786 G -  18.214 B) / 255

so Y spans [16/255, 235/255] and Cb, Cr span [16/255, 240/255]. uint8 images are converted
as MATLAB does for uint8: the same formula on values in 0..255, rounded to uint8. The NumPy and
TensorFlow versions share the matrices below and agree to float32 precision.
"""

from __future__ import annotations

import numpy as np

from imaging.io import to_uint8

#: Rows give Y, Cb, Cr as weights on R, G, B in [0, 1], output in 0..255 units.
RGB_TO_YCBCR = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ],
    dtype=np.float64,
)
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float64)
YCBCR_TO_RGB = np.linalg.inv(RGB_TO_YCBCR)


def rgb_to_ycbcr(image: np.ndarray) -> np.ndarray:
    """RGB to YCbCr, shape ``(..., 3)``.

    float input in [0, 1] gives float32 output in [0, 1] (Y in [16/255, 235/255]);
    uint8 input gives uint8 output (rounded, like MATLAB's uint8 ``rgb2ycbcr``).
    """
    array = np.asarray(image)
    rgb = _as_unit(array)
    ycbcr = (rgb @ RGB_TO_YCBCR.T + YCBCR_OFFSET) / 255.0
    return _like(ycbcr, array.dtype)


def ycbcr_to_rgb(image: np.ndarray) -> np.ndarray:
    """YCbCr to RGB, the exact inverse of :func:`rgb_to_ycbcr` before rounding and clipping.

    float output is not clipped (out-of-gamut YCbCr gives values outside [0, 1]);
    uint8 output is rounded and clipped to 0..255.
    """
    array = np.asarray(image)
    ycbcr = _as_unit(array)
    rgb = (ycbcr * 255.0 - YCBCR_OFFSET) @ YCBCR_TO_RGB.T
    return _like(rgb, array.dtype)


def rgb_to_y(image: np.ndarray) -> np.ndarray:
    """The Y (luma) plane of :func:`rgb_to_ycbcr`, shape ``(...)``, same dtype conventions."""
    return rgb_to_ycbcr(image)[..., 0]


def _as_unit(array: np.ndarray) -> np.ndarray:
    if array.shape[-1:] != (3,):
        raise ValueError(f"expected an image with 3 channels last, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    return array.astype(np.float64)


def _like(result: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        return to_uint8(result)  # result is float64, as to_uint8 computes
    return result.astype(np.float32)
