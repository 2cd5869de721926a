import numpy as np
import pytest

from imaging import rgb_to_y, rgb_to_ycbcr, rgb_to_ycbcr_tf, ycbcr_to_rgb, ycbcr_to_rgb_tf


def test_white_and_black_uint8_give_studio_range():
    white = np.full((1, 1, 3), 255, np.uint8)
    black = np.zeros((1, 1, 3), np.uint8)
    assert rgb_to_ycbcr(white)[0, 0].tolist() == [235, 128, 128]
    assert rgb_to_ycbcr(black)[0, 0].tolist() == [16, 128, 128]


def test_float_primaries_match_matlab_formula():
    red = np.array([1.0, 0.0, 0.0], np.float32)
    y, cb, cr = rgb_to_ycbcr(red) * 255.0
    assert y == pytest.approx(16 + 65.481, abs=1e-4)
    assert cb == pytest.approx(128 - 37.797, abs=1e-4)
    assert cr == pytest.approx(128 + 112.0, abs=1e-4)


def test_uint8_y_is_rounded_formula():
    rgb = np.random.default_rng(0).integers(0, 256, (50, 3), dtype=np.uint8)
    expected = np.rint(16 + (rgb.astype(float) @ [65.481, 128.553, 24.966]) / 255.0)
    np.testing.assert_array_equal(rgb_to_y(rgb), expected.astype(np.uint8))


def test_round_trip_float_and_uint8():
    rng = np.random.default_rng(1)
    rgb = rng.random((16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-5)
    rgb8 = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    back = ycbcr_to_rgb(rgb_to_ycbcr(rgb8)).astype(int)
    assert np.abs(back - rgb8.astype(int)).max() <= 2  # two 8-bit roundings


def test_numpy_and_tensorflow_agree():
    rgb = np.random.default_rng(2).random((5, 7, 3)).astype(np.float32)
    ycc = rgb_to_ycbcr(rgb)
    np.testing.assert_allclose(rgb_to_ycbcr_tf(rgb).numpy(), ycc, atol=1e-6)
    np.testing.assert_allclose(ycbcr_to_rgb_tf(ycc).numpy(), ycbcr_to_rgb(ycc), atol=1e-5)


def test_rejects_wrong_channel_count():
    with pytest.raises(ValueError):
        rgb_to_ycbcr(np.zeros((2, 2, 4)))
