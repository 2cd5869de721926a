"""rgb2ycbcr / ycbcr2rgb against references typed from MATLAB's documentation and ITU-R BT.601.

Every coefficient and offset is checked on its own: a unit primary (or a unit step of one YCbCr
channel) isolates one column of the matrix, black isolates the offsets.
"""

import numpy as np
import pytest
import tensorflow as tf
from seeds import rng

from imaging import rgb_to_y, rgb_to_ycbcr, rgb_to_ycbcr_tf, ycbcr_to_rgb, ycbcr_to_rgb_tf

# MATLAB rgb2ycbcr documentation (BT.601, studio range): for R, G, B in [0, 1],
# [Y Cb Cr] = [16 128 128] + M [R G B] in 0..255 units.
MATLAB_M = np.array(
    [
        [65.481, 128.553, 24.966],
        [-37.797, -74.203, 112.0],
        [112.0, -93.786, -18.214],
    ]
)
MATLAB_OFFSET = np.array([16.0, 128.0, 128.0])
# The same in thousandths, for exact integer arithmetic on uint8 inputs.
MATLAB_M_MILLI = np.array(
    [[65481, 128553, 24966], [-37797, -74203, 112000], [112000, -93786, -18214]], np.int64
)

# The inverse from the ITU-R BT.601 definition, written out independently of MATLAB's rounded
# matrix: Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb; Y' = 16 + 219 E_Y, Cb = 128 + 224 E_Cb,
# Cr = 128 + 224 E_Cr with E_Cb = (B - E_Y) / (2 (1 - Kb)) and E_Cr = (R - E_Y) / (2 (1 - Kr)).
KR, KB = 0.299, 0.114
KG = 1.0 - KR - KB
# Rows R, G, B in [0, 1] as weights on (Y - 16, Cb - 128, Cr - 128) in 0..255 units.
BT601_INVERSE = np.array(
    [
        [1 / 219, 0.0, 2 * (1 - KR) / 224],
        [1 / 219, -2 * (1 - KB) * KB / (KG * 224), -2 * (1 - KR) * KR / (KG * 224)],
        [1 / 219, 2 * (1 - KB) / 224, 0.0],
    ]
)

# float64 arithmetic rounded once to float32: half an ulp of a value below 1, at most 6e-8.
F32 = 1.2e-7
# MATLAB's matrix is BT.601 rounded to 3 decimals (errors <= 1.6e-4 on entries >= 18, relative
# <= 1e-5); its inverse then differs from BT.601's by <= 1e-5 relative, i.e. < 1e-5 on
# RGB values of at most 1.2 for in-range YCbCr.
ROUNDING = 1e-5

SHAPE = (2, 5, 7, 3)  # every dimension differs


def matlab_forward(rgb):
    """float64 [0, 1] RGB -> [0, 1] YCbCr by the typed MATLAB formula."""
    return (MATLAB_OFFSET + rgb @ MATLAB_M.T) / 255.0


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


def _primaries_and_black(dtype):
    """Black, red, green, blue: (4, 3)."""
    return np.vstack([np.zeros(3), np.eye(3)]).astype(dtype)


def test_every_forward_coefficient_and_offset():
    out = rgb_to_ycbcr(_primaries_and_black(np.float32))
    assert out.dtype == np.float32
    # black gives the offsets; primary k gives offset + column k of the matrix
    np.testing.assert_allclose(out[0], MATLAB_OFFSET / 255.0, rtol=0, atol=F32)
    for k in range(3):
        np.testing.assert_allclose(
            out[k + 1], (MATLAB_OFFSET + MATLAB_M[:, k]) / 255.0, rtol=0, atol=F32
        )


def test_forward_on_random_colours_of_a_4d_array():
    rgb = rng(10).random(SHAPE)
    out = rgb_to_ycbcr(rgb)
    assert out.shape == SHAPE and out.dtype == np.float32
    np.testing.assert_allclose(out, matlab_forward(rgb), rtol=0, atol=F32)
    y = rgb_to_y(rgb)
    assert y.shape == SHAPE[:-1] and y.dtype == np.float32
    np.testing.assert_allclose(y, matlab_forward(rgb)[..., 0], rtol=0, atol=F32)


def _round_exact(numerator, denominator):
    """Round numerator / denominator (int arrays) to nearest; ties (exact halves) flagged."""
    low, remainder = np.divmod(2 * numerator, 2 * denominator)
    # value = low + remainder / (2 denominator); remainder == denominator is an exact half
    tie = remainder == denominator
    return low + (remainder > denominator), tie


def test_uint8_forward_is_the_rounded_formula_for_all_three_channels():
    rgb = rng(11).integers(0, 256, SHAPE, dtype=np.uint8)
    # 255000 * YCbCr = 255000 * offset + M_milli @ rgb, exact in integers.
    numerator = 255000 * MATLAB_OFFSET.astype(np.int64) + rgb.astype(np.int64) @ MATLAB_M_MILLI.T
    expected, tie = _round_exact(numerator, 255000)
    out = rgb_to_ycbcr(rgb)
    assert out.dtype == np.uint8 and out.shape == SHAPE
    got = out.astype(np.int64)
    # an exact half may round either way (MATLAB rounds away from zero, we to even)
    ok = (got == expected) | (tie & (got == expected - 1))
    assert ok.all(), np.argwhere(~ok)[:5]
    np.testing.assert_array_equal(rgb_to_y(rgb), out[..., 0])


def test_uint8_y_is_rounded_formula():
    rgb = rng(0).integers(0, 256, (50, 3), dtype=np.uint8)
    expected = np.rint(16 + (rgb.astype(float) @ [65.481, 128.553, 24.966]) / 255.0)
    np.testing.assert_array_equal(rgb_to_y(rgb), expected.astype(np.uint8))


def test_inverse_undoes_the_typed_matlab_forward_matrix():
    # MATLAB ycbcr2rgb applies T^-1 of the same typed matrix T: feed it YCbCr computed in the
    # test from random RGB and it must give the RGB back.
    rgb = rng(12).random(SHAPE)
    back = ycbcr_to_rgb(matlab_forward(rgb))
    assert back.shape == SHAPE and back.dtype == np.float32
    np.testing.assert_allclose(back, rgb, rtol=0, atol=F32)


def _unit_steps():
    """YCbCr in [0, 1]: the neutral point (16, 128, 128) and one step of 100 in each channel."""
    base = MATLAB_OFFSET
    steps = [base, base + [100, 0, 0], base + [0, 100, 0], base + [0, 0, 100]]
    return np.array(steps) / 255.0


def test_every_inverse_coefficient_and_offset_against_bt601():
    out = ycbcr_to_rgb(_unit_steps())
    # the neutral point is black: bites each of the three offsets
    np.testing.assert_allclose(out[0], 0.0, rtol=0, atol=F32)
    for k in range(3):  # a step of 100 in channel k gives 100 x column k
        np.testing.assert_allclose(out[k + 1], 100 * BT601_INVERSE[:, k], rtol=0, atol=ROUNDING)


def test_inverse_matches_textbook_bt601_coefficients():
    # The rounded BT.601 inverse found in textbooks (e.g. Jack, "Video Demystified"):
    # R = 1.164 (Y-16) + 1.596 (Cr-128), G = 1.164 (Y-16) - 0.392 (Cb-128) - 0.813 (Cr-128),
    # B = 1.164 (Y-16) + 2.017 (Cb-128), all in 0..255 units.
    textbook = np.array([[1.164, 0.0, 1.596], [1.164, -0.392, -0.813], [1.164, 2.017, 0.0]])
    np.testing.assert_allclose(255 * BT601_INVERSE, textbook, rtol=0, atol=5e-4)


def test_inverse_on_random_ycbcr_against_bt601():
    ycc = (MATLAB_OFFSET + rng(13).uniform([0, -112, -112], [219, 112, 112], SHAPE)) / 255.0
    expected = (ycc * 255.0 - MATLAB_OFFSET) @ BT601_INVERSE.T
    np.testing.assert_allclose(ycbcr_to_rgb(ycc), expected, rtol=0, atol=2 * ROUNDING)


def test_inverse_uint8_is_rounded_and_clipped():
    ycc = rng(14).integers(0, 256, SHAPE, dtype=np.uint8)  # many out of gamut: clipping
    exact = (ycc.astype(np.float64) - MATLAB_OFFSET) @ np.linalg.inv(MATLAB_M).T * 255.0
    out = ycbcr_to_rgb(ycc)
    assert out.dtype == np.uint8 and out.shape == SHAPE
    clear = np.abs(exact - np.floor(exact) - 0.5) > 1e-6  # not within rounding noise of a half
    expected = np.clip(np.rint(exact), 0, 255)
    np.testing.assert_array_equal(out[clear], expected[clear])
    assert (exact < -0.5).any() and (exact > 255.5).any()  # both clips are exercised
    assert clear.mean() > 0.99


def test_round_trip_float_and_uint8():
    generator = rng(1)
    rgb = generator.random((16, 19, 3)).astype(np.float32)
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-5)
    rgb8 = generator.integers(0, 256, (64, 67, 3), dtype=np.uint8)
    back = ycbcr_to_rgb(rgb_to_ycbcr(rgb8)).astype(int)
    assert np.abs(back - rgb8.astype(int)).max() <= 2  # two 8-bit roundings


def test_tensorflow_forward_every_coefficient_float64():
    # float64 tensors keep float64 through the op: compare to 1e-12 (a 3-term dot product).
    out = rgb_to_ycbcr_tf(tf.constant(_primaries_and_black(np.float64)))
    assert out.dtype == tf.float64
    out = out.numpy()
    np.testing.assert_allclose(out[0], MATLAB_OFFSET / 255.0, rtol=0, atol=1e-12)
    for k in range(3):
        np.testing.assert_allclose(
            out[k + 1], (MATLAB_OFFSET + MATLAB_M[:, k]) / 255.0, rtol=0, atol=1e-12
        )
    rgb = rng(15).random(SHAPE)
    np.testing.assert_allclose(rgb_to_ycbcr_tf(rgb).numpy(), matlab_forward(rgb), atol=1e-12)


def test_tensorflow_inverse_every_coefficient_float64():
    out = ycbcr_to_rgb_tf(tf.constant(_unit_steps()))
    assert out.dtype == tf.float64
    out = out.numpy()
    np.testing.assert_allclose(out[0], 0.0, rtol=0, atol=1e-12)
    for k in range(3):
        np.testing.assert_allclose(out[k + 1], 100 * BT601_INVERSE[:, k], rtol=0, atol=ROUNDING)
    rgb = rng(16).random(SHAPE)
    np.testing.assert_allclose(ycbcr_to_rgb_tf(matlab_forward(rgb)).numpy(), rgb, atol=1e-12)


def test_tensorflow_float32_against_the_typed_formula():
    # float32: about ten roundings of at most 6e-8 (inputs, constants, 3 products and sums),
    # scaled by coefficients of at most 2 (the inverse's 2.017): < 1e-6.
    rgb = rng(17).random(SHAPE).astype(np.float32)
    ycc = rgb_to_ycbcr_tf(rgb)
    assert ycc.dtype == tf.float32 and tuple(ycc.shape) == SHAPE
    np.testing.assert_allclose(ycc.numpy(), matlab_forward(rgb.astype(np.float64)), atol=1e-6)
    ycc64 = matlab_forward(rng(18).random(SHAPE))
    back = ycbcr_to_rgb_tf(ycc64.astype(np.float32))
    assert back.dtype == tf.float32
    expected = (ycc64 * 255.0 - MATLAB_OFFSET) @ np.linalg.inv(MATLAB_M).T
    np.testing.assert_allclose(back.numpy(), expected, atol=1e-6)


def test_numpy_and_tensorflow_agree():
    rgb = rng(2).random((5, 7, 3)).astype(np.float32)
    ycc = rgb_to_ycbcr(rgb)
    np.testing.assert_allclose(rgb_to_ycbcr_tf(rgb).numpy(), ycc, atol=1e-6)
    np.testing.assert_allclose(ycbcr_to_rgb_tf(ycc).numpy(), ycbcr_to_rgb(ycc), atol=1e-5)


def test_rejects_wrong_channel_count():
    with pytest.raises(ValueError):
        rgb_to_ycbcr(np.zeros((2, 2, 4)))
