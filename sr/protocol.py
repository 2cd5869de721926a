"""The evaluation protocol of the SR papers' tables (see ``../shared/datasets/README.md``).

For each ground-truth image and integer scale ``s`` (one of :data:`SCALES`):

1. ``modcrop`` the image so its height and width are multiples of ``s``;
2. take Y with MATLAB ``rgb2ycbcr`` on the uint8 image, rounded to uint8; a grayscale file is
   used as Y directly (:func:`y_plane`);
3. ``LR = round(imresize(Y, 1/s))`` and ``bicubic = round(imresize(LR, s))`` with the
   MATLAB-compatible bicubic (:func:`degrade`, shared with training);
4. PSNR and SSIM on Y in 0..255, the output rounded to uint8 values (:func:`round_uint8`), after
   shaving ``s`` pixels from every border (:func:`measure`).

An :data:`Upscaler` is what the protocol scores: a function from the LR and bicubic Y planes to
the super-resolved Y plane.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from common.errors import UserError
from imaging import imresize, modcrop, psnr, rgb_to_y, shave, ssim

#: The integer scales every SR command accepts (the networks are trained for 2, 3 and 4).
SCALES: tuple[int, ...] = tuple(range(2, 9))

#: ``(lr_y (h, w), bicubic_y (h*s, w*s)) -> sr_y (h*s, w*s)``: Y planes as float holding uint8
#: values 0..255 (rounded as the protocol says); the result is float in about 0..255, rounded
#: and clipped by the caller. The one callable type of evaluation, tiling and the ensemble.
Upscaler = Callable[[np.ndarray, np.ndarray], np.ndarray]


def check_scale(scale: int, name: str = "--scale") -> int:
    """``scale`` if it is one of :data:`SCALES`; else ``UserError`` naming ``name``."""
    if scale not in SCALES:
        raise UserError(f"{name} must be an integer from {SCALES[0]} to {SCALES[-1]}, got {scale}")
    return scale


def check_scales(scales: Iterable[int], name: str = "--scale") -> tuple[int, ...]:
    """:func:`check_scale` for each of ``scales`` (the first bad one is named); a tuple."""
    return tuple(check_scale(s, name) for s in scales)


def y_plane(image: np.ndarray) -> np.ndarray:
    """uint8 Y ``(H, W)`` of uint8 RGB ``(H, W, 3)``; ``(H, W, 1)`` or ``(H, W)`` is Y already."""
    if image.ndim == 2:
        return image
    if image.shape[-1] == 1:
        return image[..., 0]
    return rgb_to_y(image)


def round_uint8(image: np.ndarray) -> np.ndarray:
    """Round half to even and clip to uint8 (MATLAB's conversion of a uint8 resize result).

    ``image`` holds values in about 0..255 (not [0, 1]: see :func:`imaging.to_uint8` for those).
    """
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Degraded:
    """One Y image in the protocol's three versions, all uint8 ``(H, W)``."""

    hr: np.ndarray  # modcropped ground truth (H, W)
    lr: np.ndarray  # (H/s, W/s)
    bicubic: np.ndarray  # (H, W)
    scale: int


def degrade(y: np.ndarray, scale: int) -> Degraded:
    """Step 1 and 3: the degradation of a uint8 Y plane ``(H, W)`` by an integer ``scale``."""
    hr = modcrop(np.asarray(y), scale)
    lr = round_uint8(imresize(hr, 1.0 / scale))
    bicubic = round_uint8(imresize(lr, scale))
    return Degraded(hr, lr, bicubic, scale)


def measure(hr_y: np.ndarray, sr_y: np.ndarray, scale: int) -> tuple[float, float]:
    """Step 4: PSNR (dB) and SSIM of ``sr_y`` against ``hr_y``, Y planes ``(H, W)`` in 0..255.

    ``sr_y`` is rounded to uint8 values here; ``scale`` pixels are shaved from every border.
    """
    if sr_y.shape != hr_y.shape:
        raise ValueError(f"output {sr_y.shape} != ground truth {hr_y.shape}")
    ref = shave(np.asarray(hr_y, np.float64), scale)
    est = shave(round_uint8(sr_y).astype(np.float64), scale)
    return psnr(ref, est, 255.0), ssim(ref, est, 255.0)
