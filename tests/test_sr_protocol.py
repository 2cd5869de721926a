"""sr.protocol: the papers' scoring (round the output to uint8, shave ``scale`` pixels from every
border, PSNR with peak 255 and SSIM on what remains) and its degradation, by hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from seeds import rng
from skimage.metrics import structural_similarity

from common.errors import UserError
from sr.protocol import check_scale, check_scales, degrade, measure, round_uint8

H, W, S = 17, 23, 3  # the shaved interior is rows 3..13 and columns 3..19: 11 x 17 pixels


def _hr() -> np.ndarray:
    return rng(0).integers(20, 236, (H, W)).astype(np.uint8)


def test_output_is_rounded_before_scoring():
    hr = _hr().astype(np.float64)
    # within half a level of hr everywhere: rounds back to hr exactly (PSNR inf, SSIM 1)
    assert measure(hr, hr + 0.4, S) == (math.inf, 1.0)
    assert measure(hr, hr - 0.49, S) == (math.inf, 1.0)
    # 0.6 rounds to the next level: an error of 1 on every pixel, 10 log10(255^2 / 1)
    value, _ = measure(hr, hr + 0.6, S)
    assert value == pytest.approx(20 * math.log10(255.0), abs=1e-12)


def test_psnr_counts_only_the_interior_and_uses_peak_255():
    hr = _hr().astype(np.float64)
    sr = hr.copy()
    errors = {(3, 3): 5.0, (13, 19): -7.0, (8, 11): 3.0}  # corners and middle of the interior
    for (i, j), e in errors.items():
        sr[i, j] += e
    interior = (H - 2 * S) * (W - 2 * S)  # 11 * 17 = 187 values
    mse = sum(e * e for e in errors.values()) / interior
    value, _ = measure(hr, sr, S)
    assert value == pytest.approx(10 * math.log10(255.0**2 / mse), abs=1e-9)
    # errors on the shaved border (rows 0..2 and 14..16, columns 0..2 and 20..22) do not count
    for i, j in [(2, 10), (14, 10), (8, 2), (8, 20), (0, 0), (16, 22)]:
        sr[i, j] += 40.0
    assert measure(hr, sr, S)[0] == pytest.approx(value, abs=1e-9)


def test_ssim_is_that_of_the_shaved_rounded_planes():
    hr = _hr().astype(np.float64)
    noisy = hr + rng(1).normal(0, 15, hr.shape)
    _, value = measure(hr, noisy, S)
    # the oracle (scikit-image, configured as Wang et al.'s ssim_index.m, as in
    # tests/test_ssim_oracle.py) on the interior of hr and of the rounded, clipped output
    est = np.clip(np.rint(noisy), 0, 255)[S:-S, S:-S]
    expected = structural_similarity(
        hr[S:-S, S:-S], est, data_range=255.0, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, win_size=11,
    )  # fmt: skip
    assert value == pytest.approx(expected, abs=1e-12)  # float64 on both sides
    assert value < 0.999  # the noise is seen


def test_measure_refuses_planes_of_different_shapes():
    with pytest.raises(ValueError):
        measure(np.zeros((12, 12)), np.zeros((12, 13)), 2)


def test_round_uint8_rounds_half_to_even_and_clips():
    values = np.array([-3.0, -0.5, 0.5, 1.5, 2.5, 2.51, 254.5, 255.49, 255.5, 300.0])
    np.testing.assert_array_equal(round_uint8(values), [0, 0, 0, 2, 2, 3, 254, 255, 255, 255])
    assert round_uint8(values).dtype == np.uint8


def test_degrade_modcrops_and_rounds_each_step():
    y = rng(2).integers(0, 256, (H, W)).astype(np.uint8)
    out = degrade(y, S)
    # modcrop to multiples of 3 at the bottom and right: 15 x 21; LR 5 x 7; bicubic back to 15 x 21
    np.testing.assert_array_equal(out.hr, y[:15, :21])
    assert out.lr.shape == (5, 7) and out.bicubic.shape == (15, 21) and out.scale == S
    assert out.lr.dtype == out.bicubic.dtype == np.uint8
    # a flat image stays flat through both resizes (the kernel's weights sum to 1)
    flat = degrade(np.full((H, W), 97, np.uint8), S)
    assert (flat.lr == 97).all() and (flat.bicubic == 97).all()


def test_scale_rule_is_two_to_eight():
    assert [check_scale(s) for s in range(2, 9)] == list(range(2, 9))
    for bad in (1, 9, 0):
        with pytest.raises(UserError, match=f"--scale must be an integer from 2 to 8, got {bad}"):
            check_scale(bad)
    assert check_scales([2, 3]) == (2, 3)
    with pytest.raises(UserError, match="--scales"):
        check_scales([2, 9], "--scales")
