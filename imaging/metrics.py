"""Cropping and image-quality measures as used by the super-resolution papers' tables."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    """Crop ``(H, W, ...)`` at the bottom and right so H and W are multiples of ``scale``."""
    height, width = image.shape[:2]
    return image[: height - height % scale, : width - width % scale]


def shave(image: np.ndarray, border: int) -> np.ndarray:
    """Remove ``border`` pixels from each side of ``(H, W, ...)``."""
    if border <= 0:
        return image
    return image[border:-border, border:-border]


def psnr(reference: np.ndarray, estimate: np.ndarray, max_value: float = 255.0) -> float:
    """Peak signal-to-noise ratio ``10 log10(max^2 / MSE)`` in dB; ``inf`` for identical inputs."""
    ref = np.asarray(reference, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    if ref.shape != est.shape:
        raise ValueError(f"shapes differ: {ref.shape} vs {est.shape}")
    mse = float(np.mean((ref - est) ** 2))
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(max_value**2 / mse)


def gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised ``size x size`` Gaussian window (MATLAB ``fspecial('gaussian', size, sigma)``)."""
    r = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(r**2) / (2.0 * sigma**2))
    window = np.outer(g, g)
    return window / window.sum()


def ssim(
    reference: np.ndarray,
    estimate: np.ndarray,
    max_value: float = 255.0,
    *,
    window_size: int = 11,
    sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean structural similarity (Wang et al. 2004, eq. 13) of two single-channel images.

    Follows the authors' ``ssim_index.m`` used for the published SR tables: an 11x11 Gaussian
    window with sigma 1.5, ``C1 = (k1 L)^2``, ``C2 = (k2 L)^2`` and only the 'valid' region where
    the window fits inside the image. Inputs are ``(H, W)`` arrays in ``[0, max_value]``.
    """
    x = np.asarray(reference, dtype=np.float64)
    y = np.asarray(estimate, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"ssim needs two (H, W) arrays of one shape, got {x.shape}, {y.shape}")
    if min(x.shape) < window_size:
        raise ValueError(f"ssim needs images of at least {window_size}x{window_size}")
    window = gaussian_window(window_size, sigma)
    c1, c2 = (k1 * max_value) ** 2, (k2 * max_value) ** 2

    def filt(a: np.ndarray) -> np.ndarray:
        full = ndimage.correlate(a, window, mode="constant")
        lo = window_size // 2
        hi = window_size - 1 - lo
        return full[lo : a.shape[0] - hi, lo : a.shape[1] - hi]

    mu_x, mu_y = filt(x), filt(y)
    sigma_x = filt(x * x) - mu_x**2
    sigma_y = filt(y * y) - mu_y**2
    sigma_xy = filt(x * y) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + c1) * (2 * sigma_xy + c2)
    denominator = (mu_x**2 + mu_y**2 + c1) * (sigma_x + sigma_y + c2)
    return float(np.mean(numerator / denominator))
