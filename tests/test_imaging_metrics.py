import math

import numpy as np
import pytest

from imaging import modcrop, psnr, shave, ssim


def test_psnr_identical_is_inf_and_error_of_one_is_48_13():
    a = np.random.default_rng(0).integers(0, 255, (20, 20)).astype(float)
    assert psnr(a, a) == math.inf
    assert psnr(a, a + 1.0) == pytest.approx(20 * math.log10(255), abs=1e-9)
    assert round(psnr(a, a + 1.0), 2) == 48.13


def test_psnr_max_value_one():
    a = np.zeros((4, 4))
    assert psnr(a, a + 0.1, max_value=1.0) == pytest.approx(20.0)


def test_ssim_identical_is_one_and_drops_with_noise():
    rng = np.random.default_rng(1)
    a = rng.random((32, 32)) * 255
    assert ssim(a, a) == pytest.approx(1.0)
    noisy = np.clip(a + rng.normal(0, 20, a.shape), 0, 255)
    assert 0.0 < ssim(a, noisy) < 0.99


def test_ssim_of_constant_images_follows_the_formula():
    # Flat windows: sigma terms are zero, SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1).
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 110 + c1) / (100**2 + 110**2 + c1)
    assert ssim(np.full((16, 16), 100.0), np.full((16, 16), 110.0)) == pytest.approx(expected)


def test_modcrop_and_shave():
    image = np.zeros((13, 17, 3))
    assert modcrop(image, 4).shape == (12, 16, 3)
    assert modcrop(image, 1).shape == image.shape
    assert shave(image, 2).shape == (9, 13, 3)
    assert shave(image, 0).shape == image.shape
