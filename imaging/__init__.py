"""Shared image I/O, MATLAB-compatible colour conversion and resizing, and quality metrics.

Inside the project images are float32 RGB in [0, 1], shape ``(H, W, 3)``; uint8 exists only at
load and save time. The package is NumPy, SciPy and Pillow; its TensorFlow ops
(``imresize_tf``, ``rgb_to_ycbcr_tf``, ``ycbcr_to_rgb_tf``, in :mod:`imaging.tf_ops`) import
TensorFlow when first used, so ``import imaging`` does not.
"""

from __future__ import annotations

import importlib
from typing import Any

from imaging.color import rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from imaging.errors import ImageError
from imaging.io import load_image, load_image_eval, save_image, to_uint8
from imaging.metrics import modcrop, psnr, shave, ssim
from imaging.resize import imresize, imresize_clipped

#: Names served by :mod:`imaging.tf_ops`, which imports TensorFlow.
_TF_OPS = ("imresize_tf", "rgb_to_ycbcr_tf", "ycbcr_to_rgb_tf")

__all__ = [
    "ImageError",
    "imresize",
    "imresize_tf",
    "load_image",
    "load_image_eval",
    "modcrop",
    "psnr",
    "imresize_clipped",
    "rgb_to_y",
    "rgb_to_ycbcr",
    "rgb_to_ycbcr_tf",
    "save_image",
    "shave",
    "ssim",
    "to_uint8",
    "ycbcr_to_rgb",
    "ycbcr_to_rgb_tf",
]


def __getattr__(name: str) -> Any:
    """Load :mod:`imaging.tf_ops` (and TensorFlow) on first use of one of its names."""
    if name in _TF_OPS:
        return getattr(importlib.import_module("imaging.tf_ops"), name)
    raise AttributeError(f"module 'imaging' has no attribute {name!r}")
