"""Our ``imaging.ssim`` against an independent implementation: scikit-image's.

``skimage.metrics.structural_similarity`` with ``gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255`` is Wang et al.'s ``ssim_index.m`` as the SR papers
ran it: an 11x11 Gaussian window (truncated at 3.5 sigma), population (co)variances,
``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2`` and the mean over the positions where the window fits.
scikit-image is a test-only dependency (``pip install -e ".[test]"``); without it this
module fails rather than skips.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from seeds import rng
from skimage.metrics import structural_similarity

import imaging
from imaging import ssim
from sr.evaluation import prepare


def oracle(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(
        structural_similarity(
            np.asarray(reference, np.float64),
            np.asarray(estimate, np.float64),
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=255,
        )
    )


def _pairs() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Several kinds of pair: noise, blur, JPEG-like quantisation, shifts, odd shapes, flats."""
    generator = rng(17)
    y, x = np.mgrid[0:61, 0:47]
    smooth = 128 + 60 * np.sin(x / 5.0) * np.cos(y / 7.0) + 30 * (x / 47.0)
    texture = generator.integers(0, 256, (40, 52)).astype(np.float64)
    return {
        "noise": (smooth, np.clip(smooth + generator.normal(0, 12, smooth.shape), 0, 255)),
        "blur": (smooth, ndimage.gaussian_filter(smooth, 2.0)),
        "quantised": (smooth, np.round(smooth / 16) * 16),
        "shift": (texture, np.roll(texture, 1, axis=1)),
        "contrast": (texture, 0.6 * texture + 40),
        "uncorrelated": (texture, generator.integers(0, 256, texture.shape).astype(np.float64)),
        "smallest": (texture[:11, :13], texture[5:16, 7:20]),
        "flat_vs_offset": (np.full((16, 19), 100.0), np.full((16, 19), 110.0)),
    }


@pytest.mark.parametrize("name", sorted(_pairs()))
def test_ssim_matches_scikit_image(name):
    reference, estimate = _pairs()[name]
    ours = ssim(reference, estimate, 255.0)
    assert ours == pytest.approx(oracle(reference, estimate), abs=1e-4)
    assert ours == pytest.approx(ssim(estimate, reference, 255.0), abs=1e-12)  # symmetric


@pytest.mark.parametrize(("image", "scale"), [("butterfly.png", 4), ("baby.png", 3)])
def test_ssim_matches_scikit_image_on_the_evaluation_protocol(data_dir, image, scale):
    """The pairs the published tables are made of: Y of a Set5 image against bicubic."""
    sample = prepare(data_dir / "Set5" / image, scale)
    reference = imaging.shave(sample.hr_y, scale)
    estimate = imaging.shave(sample.bicubic_y, scale)
    assert ssim(reference, estimate, 255.0) == pytest.approx(oracle(reference, estimate), abs=1e-4)
