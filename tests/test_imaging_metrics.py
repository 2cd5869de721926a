"""modcrop, shave, PSNR and SSIM against hand values and a loop transcription of ssim_index.m."""

import math

import numpy as np
import pytest
from seeds import rng

from imaging import modcrop, psnr, shave, ssim
from imaging.metrics import gaussian_window


def test_psnr_identical_is_inf_and_error_of_one_is_48_13():
    a = rng(0).integers(0, 255, (20, 23)).astype(float)
    assert psnr(a, a) == math.inf
    assert psnr(a, a + 1.0) == pytest.approx(20 * math.log10(255), abs=1e-9)
    assert round(psnr(a, a + 1.0), 2) == 48.13


def test_psnr_max_value_one():
    a = np.zeros((4, 5))
    assert psnr(a, a + 0.1, max_value=1.0) == pytest.approx(20.0)


def test_psnr_divides_by_the_number_of_pixels_of_a_non_square_image():
    # 3 x 5 = 15 pixels; errors 3, 4 and 5 at three of them: squared sum 9 + 16 + 25 = 50, so
    # MSE = 50 / 15 and PSNR = 10 log10(255^2 * 15 / 50) = 10 log10(19507.5) = 42.9020...
    reference = np.zeros((3, 5))
    estimate = reference.copy()
    estimate[0, 4], estimate[2, 0], estimate[1, 2] = 3.0, -4.0, 5.0
    expected = 10 * math.log10(255.0**2 * 15 / 50)
    assert expected == pytest.approx(42.90202, abs=1e-5)
    assert psnr(reference, estimate) == pytest.approx(expected, abs=1e-12)  # default 255
    assert psnr(estimate, reference, 255.0) == pytest.approx(expected, abs=1e-12)
    # the same error in a (2, 3, 5) stack: 30 values, MSE = 50 / 30, 3.0103 dB higher
    stack = np.stack([estimate, reference])
    assert psnr(np.zeros((2, 3, 5)), stack) == pytest.approx(
        10 * math.log10(255.0**2 * 30 / 50), abs=1e-12
    )
    assert psnr(reference, estimate, 2.0) == pytest.approx(
        10 * math.log10(4.0 * 15 / 50), abs=1e-12
    )


def test_psnr_rejects_different_shapes():
    with pytest.raises(ValueError):
        psnr(np.zeros((3, 5)), np.zeros((5, 3)))


def test_ssim_identical_is_one_and_drops_with_noise():
    generator = rng(1)
    a = generator.random((32, 37)) * 255
    assert ssim(a, a) == pytest.approx(1.0)
    noisy = np.clip(a + generator.normal(0, 20, a.shape), 0, 255)
    assert 0.0 < ssim(a, noisy) < 0.99


def test_ssim_of_constant_images_follows_the_formula():
    # Flat windows: sigma terms are zero, SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1).
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 110 + c1) / (100**2 + 110**2 + c1)
    assert ssim(np.full((16, 19), 100.0), np.full((16, 19), 110.0)) == pytest.approx(expected)


def test_ssim_of_constant_images_with_small_values_bites_c1():
    # mean 1 vs 3: C1 = 6.5025 dominates; 0.01 -> 0.02 would give C1 = 26.01.
    c1 = (0.01 * 255) ** 2
    assert c1 == pytest.approx(6.5025, abs=1e-12)
    expected = (2 * 1 * 3 + c1) / (1 + 9 + c1)
    assert expected == pytest.approx(0.757612, abs=1e-6)
    assert ssim(np.full((12, 14), 1.0), np.full((12, 14), 3.0)) == pytest.approx(expected, 1e-12)


# MATLAB fspecial('gaussian', 11, 1.5): h(x, y) = exp(-(x^2 + y^2) / (2 sigma^2)) for
# x, y = -5..5, divided by its sum. Hand values: the 1-D profile g(r) = exp(-r^2 / 4.5) sums to
# S = 1 + 2 (0.800737 + 0.411112 + 0.135335 + 0.028566 + 0.003866) = 3.759232, so the centre is
# 1 / S^2 = 0.0707622 and the corner exp(-50 / 4.5) / S^2 = 1.0566e-6.
def test_gaussian_window_defaults_are_fspecial_11_1_5():
    window = gaussian_window()
    assert window.shape == (11, 11)
    assert window.sum() == pytest.approx(1.0, abs=1e-15)
    assert window[5, 5] == pytest.approx(0.0707622, abs=2e-7)
    assert window[0, 0] == pytest.approx(1.0566e-6, abs=1e-9)
    r = np.arange(-5, 6, dtype=np.float64)
    h = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 1.5**2))
    np.testing.assert_allclose(window, h / h.sum(), rtol=1e-13, atol=0)


def test_gaussian_window_other_sizes_are_centred():
    # even size 4, sigma 0.8: positions -1.5, -0.5, 0.5, 1.5 (fspecial's centring)
    window = gaussian_window(4, 0.8)
    r = np.array([-1.5, -0.5, 0.5, 1.5])
    g = np.exp(-(r**2) / (2 * 0.64))
    np.testing.assert_allclose(window, np.outer(g, g) / np.outer(g, g).sum(), rtol=1e-13)
    np.testing.assert_allclose(window, window[::-1, ::-1], rtol=1e-13)


def reference_ssim(x, y, size=11, sigma=1.5, k1=0.01, k2=0.03, peak=255.0):
    """Wang et al. 2004 as in ssim_index.m, one window position at a time.

    The window is fspecial('gaussian', size, sigma); statistics are the window-weighted mean,
    variance and covariance (population, weights summing to one); SSIM is eq. 13 with
    C1 = (k1 L)^2, C2 = (k2 L)^2, averaged over the positions where the window fits ('valid').
    """
    r = np.arange(size) - (size - 1) / 2
    h = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    w = h / h.sum()
    c1, c2 = (k1 * peak) ** 2, (k2 * peak) ** 2
    values = []
    for i in range(x.shape[0] - size + 1):
        for j in range(x.shape[1] - size + 1):
            a, b = x[i : i + size, j : j + size], y[i : i + size, j : j + size]
            mu_a, mu_b = (w * a).sum(), (w * b).sum()
            var_a = (w * (a - mu_a) ** 2).sum()
            var_b = (w * (b - mu_b) ** 2).sum()
            cov = (w * (a - mu_a) * (b - mu_b)).sum()
            values.append(
                (2 * mu_a * mu_b + c1)
                * (2 * cov + c2)
                / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
            )
    return float(np.mean(values))


def _ssim_pair(n, shape=(17, 22)):
    """A textured image in 0..255 and a noisy, dimmed copy: every term of eq. 13 matters.

    Values are kept low (0..40) so that C1 and C2 are not negligible next to the means and
    variances; a vertical ramp makes the two axes differ.
    """
    generator = rng(n)
    ramp = np.linspace(0, 20, shape[0])[:, None]
    x = ramp + generator.random(shape) * 20
    y = 0.7 * x + generator.normal(0, 3, shape) + 2
    return x, y


# float64 sums of 121 terms of size <= 2000 and a mean over <= 84 ratios: error below 1e-12.
SSIM_TOL = 1e-10


@pytest.mark.parametrize("shape", [(17, 22), (11, 14), (23, 12)])
def test_ssim_matches_the_loop_reference_with_the_defaults(shape):
    x, y = _ssim_pair(30, shape)
    expected = reference_ssim(x, y)  # 11, 1.5, 0.01, 0.03, 255
    assert ssim(x, y) == pytest.approx(expected, rel=0, abs=SSIM_TOL)
    assert ssim(x, y, 255.0) == pytest.approx(expected, rel=0, abs=SSIM_TOL)
    assert 0.5 < expected < 0.98  # neither trivial nor saturated (0.80..0.93 over 60 seeds)


def test_ssim_each_constant_matters_at_this_precision():
    # The pair is sensitive to every constant: a digit's change moves SSIM far beyond SSIM_TOL
    # (the least, sigma 1.5 -> 1.6, by more than 6e-7 over 200 seeds), so the defaults test above
    # pins 11, 1.5, 0.01, 0.03 and 255.
    x, y = _ssim_pair(30)
    base = reference_ssim(x, y)
    for changed in (
        {"size": 9},
        {"sigma": 1.6},
        {"k1": 0.02},
        {"k2": 0.04},
        {"peak": 256.0},
    ):
        assert abs(reference_ssim(x, y, **changed) - base) > 100 * SSIM_TOL, changed


def test_ssim_non_default_parameters_match_the_reference():
    x, y = _ssim_pair(31, (15, 19))
    got = ssim(x, y, 100.0, window_size=7, sigma=1.1, k1=0.02, k2=0.05)
    expected = reference_ssim(x, y, size=7, sigma=1.1, k1=0.02, k2=0.05, peak=100.0)
    assert got == pytest.approx(expected, rel=0, abs=SSIM_TOL)
    got = ssim(x, y, 100.0, window_size=8, sigma=1.1)  # even window: 'valid' is (8, 12)
    expected = reference_ssim(x, y, size=8, sigma=1.1, peak=100.0)
    assert got == pytest.approx(expected, rel=0, abs=SSIM_TOL)


def test_ssim_rejects_small_or_mismatched_images():
    with pytest.raises(ValueError):
        ssim(np.zeros((10, 14)), np.zeros((10, 14)))
    with pytest.raises(ValueError):
        ssim(np.zeros((12, 14)), np.zeros((14, 12)))


def test_modcrop_and_shave():
    image = np.zeros((13, 17, 3))
    assert modcrop(image, 4).shape == (12, 16, 3)
    assert modcrop(image, 1).shape == image.shape
    assert shave(image, 2).shape == (9, 13, 3)
    assert shave(image, 0).shape == image.shape


def _numbered(shape):
    """Each pixel holds 1000 * row + column, so the kept rows and columns can be read off."""
    rows, cols = np.indices(shape[:2])
    numbers = 1000 * rows + cols
    return numbers if len(shape) == 2 else np.repeat(numbers[..., None], shape[2], axis=-1)


def test_modcrop_keeps_the_top_left_with_different_remainders():
    image = _numbered((14, 23, 2))  # 14 % 4 = 2, 23 % 4 = 3; 14 % 3 = 2, 23 % 3 = 2
    cropped = modcrop(image, 4)
    assert cropped.shape == (12, 20, 2)
    assert cropped[:, 0, 0].tolist() == [1000 * r for r in range(12)]
    assert cropped[0, :, 0].tolist() == list(range(20))
    assert modcrop(image, 3).shape == (12, 21, 2)
    assert modcrop(image[:, :20], 5).shape == (10, 20, 2)  # W already a multiple
    assert modcrop(image[..., 0], 4).shape == (12, 20)


def test_shave_removes_exactly_border_rows_and_columns_on_each_side():
    image = _numbered((9, 14, 2))
    shaved = shave(image, 2)
    assert shaved.shape == (5, 10, 2)
    assert shaved[:, 0, 0].tolist() == [2002, 3002, 4002, 5002, 6002]
    assert shaved[0, :, 0].tolist() == [2000 + c for c in range(2, 12)]
    assert shaved[-1, -1, 1] == 6011  # row 6 = 9 - 2 - 1, column 11 = 14 - 2 - 1
    one = shave(image, 1)
    assert one.shape == (7, 12, 2)
    assert one[0, 0, 0] == 1001 and one[-1, -1, 0] == 7012
    assert shave(image, 3).shape == (3, 8, 2)
    assert shave(image, 0) is image
    assert shave(image[..., 0], 4).shape == (1, 6)
