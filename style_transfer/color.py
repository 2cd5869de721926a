"""Colour control of Gatys, Ecker, Bethge, Hertzmann & Shechtman, "Controlling Perceptual Factors in
Neural Style Transfer" (CVPR 2017), section 5, plus neural-style's post-hoc --preserve-colors.

All images are float RGB in [0, 1], shape ``(H, W, 3)``; colour conversion is imaging's single
MATLAB-compatible YCbCr (Y in [16/255, 235/255], chroma centred on 128/255).
"""

from __future__ import annotations

import numpy as np

import imaging

#: Colour-control modes of :func:`prepare_colors` / :func:`finish_colors`.
COLOR_CONTROLS = ("none", "luminance", "histogram")

_NEUTRAL_CHROMA = 128.0 / 255.0


def _clip(image: np.ndarray) -> np.ndarray:
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def transfer_luminance(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance (Y) of ``stylized`` with the chroma (Cb, Cr) of ``content``.

    This is neural-style's ``--preserve-colors`` (post-hoc) and the recombination step of
    luminance-only transfer (Gatys et al. 2017, sec. 5.1). Shapes must agree.
    """
    y = imaging.rgb_to_ycbcr(np.asarray(stylized, np.float64))[..., :1]
    chroma = imaging.rgb_to_ycbcr(np.asarray(content, np.float64))[..., 1:]
    return _clip(imaging.ycbcr_to_rgb(np.concatenate([y, chroma], axis=-1)))


def luminance_image(image: np.ndarray) -> np.ndarray:
    """Grey RGB image carrying only the luminance of ``image`` (Cb = Cr = neutral)."""
    y = imaging.rgb_to_ycbcr(np.asarray(image, np.float64))[..., :1]
    neutral = np.full(y.shape[:-1] + (2,), _NEUTRAL_CHROMA)
    return _clip(imaging.ycbcr_to_rgb(np.concatenate([y, neutral], axis=-1)))


def match_luminance(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Gatys et al. 2017 eq. (sec. 5.1): ``L_s' = sigma_c / sigma_s (L_s - mu_s) + mu_c``.

    Returns the grey RGB luminance image of ``style`` with the luminance mean and standard
    deviation of ``content``.
    """
    ls = imaging.rgb_to_ycbcr(np.asarray(style, np.float64))[..., 0]
    lc = imaging.rgb_to_ycbcr(np.asarray(content, np.float64))[..., 0]
    matched = lc.std() / max(ls.std(), 1e-8) * (ls - ls.mean()) + lc.mean()
    neutral = np.full(matched.shape + (2,), _NEUTRAL_CHROMA)
    ycc = np.concatenate([matched[..., None], neutral], axis=-1)
    return _clip(imaging.ycbcr_to_rgb(ycc))


def _sqrtm(covariance: np.ndarray, inverse: bool = False) -> np.ndarray:
    values, vectors = np.linalg.eigh(covariance)
    values = np.maximum(values, 1e-10)
    power = -0.5 if inverse else 0.5
    return (vectors * values**power) @ vectors.T


def match_color_histogram(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Colour histogram matching of the style to the content (Gatys et al. 2017, sec. 5.2).

    Affine map ``x_s' = A x_s + b`` of every style pixel with ``A = Sigma_c^(1/2) Sigma_s^(-1/2)``
    and ``b = mu_c - A mu_s``, so that the style's RGB mean and covariance become the content's
    (the "Image Analogies" variant of the paper). Result clipped to [0, 1].
    """
    s = np.asarray(style, np.float64).reshape(-1, 3)
    c = np.asarray(content, np.float64).reshape(-1, 3)
    a = _sqrtm(np.cov(c, rowvar=False)) @ _sqrtm(np.cov(s, rowvar=False), inverse=True)
    b = c.mean(axis=0) - a @ s.mean(axis=0)
    return _clip((s @ a.T + b).reshape(np.shape(style)))


def prepare_colors(
    mode: str, content: np.ndarray, styles: list[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Images to optimise with, for colour-control ``mode``.

    * ``"none"``: unchanged.
    * ``"luminance"``: luminance-only transfer (sec. 5.1): content and styles become grey
      luminance images, each style's luminance matched to the content's mean and deviation;
      the result is recombined with the content's chroma by :func:`finish_colors`.
    * ``"histogram"``: each style's colours matched to the content's (sec. 5.2).
    """
    if mode == "none":
        return content, list(styles)
    if mode == "luminance":
        return luminance_image(content), [match_luminance(s, content) for s in styles]
    if mode == "histogram":
        return content, [match_color_histogram(s, content) for s in styles]
    raise ValueError(f"unknown colour control {mode!r}; choose from {COLOR_CONTROLS}")


def finish_colors(
    mode: str, image: np.ndarray, content: np.ndarray, preserve_colors: bool = False
) -> np.ndarray:
    """Final colours of an optimised ``image`` (content resized to the same shape if needed).

    Luminance-only transfer and neural-style's ``--preserve-colors`` both keep the image's
    luminance and take the content's chroma.
    """
    if mode == "luminance" or preserve_colors:
        if content.shape != image.shape:
            content = imaging.imresize_clipped(content, image.shape[:2])
        return transfer_luminance(image, content)
    return _clip(image)
