"""The evaluation protocol of the SR papers' tables (see ``../shared/datasets/README.md``).

For each ground-truth image and integer scale ``s`` (one of :data:`SCALES`):

1. ``modcrop`` the image so its height and width are multiples of ``s``;
2. take Y with MATLAB ``rgb2ycbcr`` on the uint8 image, rounded to uint8; a grayscale file is
   used as Y directly;
3. ``LR = round(imresize(Y, 1/s))`` and ``bicubic = round(imresize(LR, s))`` with the
   MATLAB-compatible bicubic;
4. PSNR and SSIM on Y in 0..255, rounded to uint8 values, after shaving ``s`` pixels from every
   border.
"""

from __future__ import annotations

from collections.abc import Iterable

from common.errors import UserError

#: The integer scales every SR command accepts (the networks are trained for 2, 3 and 4).
SCALES: tuple[int, ...] = tuple(range(2, 9))


def check_scale(scale: int, name: str = "--scale") -> int:
    """``scale`` if it is one of :data:`SCALES`; else ``UserError`` naming ``name``."""
    if scale not in SCALES:
        raise UserError(f"{name} must be an integer from {SCALES[0]} to {SCALES[-1]}, got {scale}")
    return scale


def check_scales(scales: Iterable[int], name: str = "--scale") -> tuple[int, ...]:
    """:func:`check_scale` for each of ``scales`` (the first bad one is named); a tuple."""
    return tuple(check_scale(s, name) for s in scales)
