"""Shared image I/O, MATLAB-compatible colour conversion and resizing, and quality metrics.

Inside the project images are float32 RGB in [0, 1], shape ``(H, W, 3)``; uint8 exists only at
load and save time.
"""

from imaging.cli import ArgumentParser, one_line, run_main, warn_precision, write_config
from imaging.color import (
    rgb_to_y,
    rgb_to_ycbcr,
    rgb_to_ycbcr_tf,
    ycbcr_to_rgb,
    ycbcr_to_rgb_tf,
)
from imaging.errors import ImageError, UserError
from imaging.io import atomic_write, load_image, load_image_eval, save_image, to_uint8
from imaging.metrics import modcrop, psnr, shave, ssim
from imaging.resize import imresize, imresize_tf

__all__ = [
    "ArgumentParser",
    "ImageError",
    "UserError",
    "atomic_write",
    "imresize",
    "imresize_tf",
    "load_image",
    "load_image_eval",
    "modcrop",
    "one_line",
    "psnr",
    "rgb_to_y",
    "rgb_to_ycbcr",
    "rgb_to_ycbcr_tf",
    "run_main",
    "save_image",
    "shave",
    "ssim",
    "to_uint8",
    "warn_precision",
    "write_config",
    "ycbcr_to_rgb",
    "ycbcr_to_rgb_tf",
]
