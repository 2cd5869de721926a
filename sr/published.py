"""Published PSNR (dB) / SSIM on the Y channel, to print beside our own measurements.

Bicubic and VDSR: Kim et al., "Accurate Image Super-Resolution Using Very Deep Convolutional
Networks", CVPR 2016, Table 3. SRCNN trained on the 91 images: Dong et al., TPAMI 2016.
"""

from __future__ import annotations

#: (model, dataset, scale) -> (psnr, ssim or None)
PUBLISHED: dict[tuple[str, str, int], tuple[float, float | None]] = {
    ("bicubic", "Set5", 2): (33.66, 0.9299),
    ("bicubic", "Set5", 3): (30.39, 0.8682),
    ("bicubic", "Set5", 4): (28.42, 0.8104),
    ("bicubic", "Set14", 2): (30.24, 0.8688),
    ("bicubic", "Set14", 3): (27.55, 0.7742),
    ("bicubic", "Set14", 4): (26.00, 0.7027),
    ("srcnn", "Set5", 3): (32.39, None),
    ("vdsr", "Set5", 2): (37.53, 0.9587),
    ("vdsr", "Set5", 3): (33.66, 0.9213),
    ("vdsr", "Set5", 4): (31.35, 0.8838),
    ("vdsr", "Set14", 2): (33.03, 0.9124),
    ("vdsr", "Set14", 3): (29.77, 0.8314),
    ("vdsr", "Set14", 4): (28.01, 0.7674),
}


def published(model: str, dataset: str, scale: int) -> tuple[float, float | None] | None:
    """The paper's (PSNR, SSIM) for this cell, or None when no paper reports it."""
    return PUBLISHED.get((model, dataset, scale))
