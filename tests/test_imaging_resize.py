"""MATLAB's bicubic imresize against an independent transcription written here.

The reference follows MATLAB's imresize.m one output sample at a time: Keys' cubic with a = -0.5
(Keys 1981), kernel width 4 (widened to 4 / s with s * cubic(s x) when shrinking), centres
u = x / s + 0.5 (1 - 1 / s), ceil(width) + 2 taps from floor(u - width / 2), weights normalised
to sum to one, and the symmetric border aux = [1..n, n..1] indexed by mod(j - 1, 2 n) + 1.
"""

import math

import numpy as np
import pytest
import tensorflow as tf
from seeds import rng

from imaging import imresize, imresize_clipped, imresize_tf
from imaging.resize import contributions, cubic, taps
from imaging.tf_ops import _contributions_tf, _cubic_tf

# float64 sums of at most 18 x 18 terms of size <= 1.3 x 300: rounding below 1e-11.
F64 = 1e-9


def keys(x: float) -> float:
    """Keys' cubic convolution kernel, a = -0.5 (MATLAB imresize 'cubic')."""
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax**3 - 2.5 * ax**2 + 1
    if ax <= 2:
        return -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2
    return 0.0


def reference_matrix(in_len: int, out_len: int, scale: float) -> np.ndarray:
    """The (out_len, in_len) matrix of one dimension, built one output sample at a time."""
    width = 4.0 / scale if scale < 1 else 4.0
    matrix = np.zeros((out_len, in_len))
    for x in range(1, out_len + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        js = [left + k for k in range(math.ceil(width) + 2)]
        h = (lambda d: scale * keys(scale * d)) if scale < 1 else keys  # antialiasing
        w = [h(u - j) for j in js]
        total = sum(w)
        for j, wj in zip(js, w, strict=True):
            m = (j - 1) % (2 * in_len)  # 0-based position in aux = [1..n, n..1]
            source = m if m < in_len else 2 * in_len - 1 - m
            matrix[x - 1, source] += wj / total
    return matrix


def reference_imresize(image: np.ndarray, scales, out_shape=None) -> np.ndarray:
    """Plain loop over output pixels: out[i, j] = sum_ab rows[i, a] cols[j, b] image[a, b].

    The output size is ceil(size * scale), or ``out_shape`` with scale = out / in (MATLAB's
    'OutputSize').
    """
    h, w = image.shape[:2]
    if out_shape is None:
        out_h, out_w = math.ceil(h * scales[0]), math.ceil(w * scales[1])
    else:
        out_h, out_w = out_shape
        scales = (out_h / h, out_w / w)
    rows = reference_matrix(h, out_h, scales[0])
    cols = reference_matrix(w, out_w, scales[1])
    out = np.zeros((out_h, out_w) + image.shape[2:])
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.tensordot(np.outer(rows[i], cols[j]), image, axes=2)
    return out


def dense(weights: np.ndarray, indices: np.ndarray, in_len: int) -> np.ndarray:
    """contributions() output as an (out, in) matrix, mirrored taps summed."""
    matrix = np.zeros((weights.shape[0], in_len))
    for i in range(weights.shape[0]):
        np.add.at(matrix[i], indices[i], weights[i])
    return matrix


# (shape, per-axis scales): H != W, C differs from both, scales differ per axis. The comments
# name the TensorFlow path of each axis (polyphase when the length exceeds the kernel).
CASES = [
    ((9, 13, 2), (2, 3)),  # upscale, polyphase on both axes
    ((5, 6, 2), (3, 2)),  # upscale, gather on both (short)
    ((11, 6, 2), (2, 0.5)),  # up and down
    ((23, 19, 2), (0.5, 0.25)),  # downscale, polyphase on both
    ((7, 11, 2), (1 / 3, 0.25)),  # downscale, gather, kernel wider than the image
    ((3, 5, 2), (0.25, 0.5)),  # 16-wide kernel over 3 rows: the mirror wraps several times
    ((8, 13, 2), (1.7, 0.6)),  # non-integer scales
    ((5, 7, 2), (0.9, 1.0)),  # ceil(5 * 0.9) = 5 rows, still resampled; columns unchanged
]


def _image(shape, n):
    return rng(n).random(shape) * 255.0


def test_keys_kernel_values():
    x = np.array([0.0, 0.25, 0.75, 1.0, 1.25, 1.75, 2.0, 2.5])
    expected = [1.0, 0.8671875, 0.2265625, 0.0, -0.0703125, -0.0234375, 0.0, 0.0]
    np.testing.assert_allclose(cubic(x), expected, atol=1e-12)


# Hand values of Keys' kernel: 1.5 |x|^3 - 2.5 |x|^2 + 1 on |x| <= 1, e.g. at 0.5:
# 0.1875 - 0.625 + 1 = 0.5625; -0.5 |x|^3 + 2.5 |x|^2 - 4 |x| + 2 on 1 < |x| <= 2, e.g. at 1.5:
# -1.6875 + 5.625 - 6 + 2 = -0.0625; even in x; zero beyond 2.
HAND_X = [-2.5, -1.75, -1.5, -1.25, -0.5, -0.25, 0.0, 0.1, 0.5, 0.75, 1.5, 1.9, 3.0]
HAND_K = [
    0.0,
    -0.0234375,
    -0.0625,
    -0.0703125,
    0.5625,
    0.8671875,
    1.0,
    0.9765,  # 0.0015 - 0.025 + 1
    0.5625,
    0.2265625,
    -0.0625,
    -0.0045,  # -3.4295 + 9.025 - 7.6 + 2
    0.0,
]


def test_keys_kernel_hand_points_numpy_and_tensorflow():
    # exact binary fractions, plus 0.1 and 1.9 (float64 rounding below 1e-15)
    np.testing.assert_allclose(cubic(np.array(HAND_X)), HAND_K, rtol=0, atol=1e-12)
    got = _cubic_tf(tf.constant(HAND_X, tf.float64)).numpy()
    np.testing.assert_allclose(got, HAND_K, rtol=0, atol=1e-12)


def test_taps_is_ceil_of_the_width_plus_two():
    # MATLAB: P = ceil(kernel_width) + 2, kernel_width = 4 (upscale) or 4 / s (downscale)
    assert [taps(s) for s in (2, 3, 1.7, 0.5, 1 / 3, 0.25, 0.6, 0.3)] == [
        6,
        6,
        6,
        10,
        14,
        18,
        9,  # ceil(6.67) + 2
        16,  # ceil(13.3) + 2
    ]


# (in_len, out_len, scale): shrinking by non-integer factors (0.6, 0.3) makes the raw weights sum
# to something other than one, so the normalisation shows.
CONTRIBUTION_CASES = [
    (7, 14, 2.0),
    (5, 15, 3.0),
    (8, 14, 1.7),
    (9, 5, 0.5),
    (10, 6, 0.6),
    (11, 4, 1 / 3),
    (13, 4, 0.3),
    (3, 1, 0.25),
]


@pytest.mark.parametrize("in_len, out_len, scale", CONTRIBUTION_CASES)
def test_contributions_match_the_reference(in_len, out_len, scale):
    weights, indices = contributions(in_len, out_len, scale)
    assert weights.shape == indices.shape == (out_len, taps(scale))
    assert indices.min() >= 0 and indices.max() < in_len
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    expected = reference_matrix(in_len, out_len, scale)
    np.testing.assert_allclose(dense(weights, indices, in_len), expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("in_len, out_len, scale", CONTRIBUTION_CASES)
def test_tensorflow_contributions_match_the_reference(in_len, out_len, scale):
    weights, indices = _contributions_tf(tf.constant(in_len), out_len, scale, taps(scale))
    weights, indices = weights.numpy(), indices.numpy()
    assert weights.shape == (out_len, taps(scale))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    expected = reference_matrix(in_len, out_len, scale)
    np.testing.assert_allclose(dense(weights, indices, in_len), expected, rtol=0, atol=1e-14)


def test_raw_downscale_weights_do_not_sum_to_one():
    # the reason the cases above include 0.6 and 0.3: without normalising, 0.6 cubic(0.6 d)
    # sums to about 1 but not exactly (unlike 1/n, where the samples tile the kernel)
    u, s = 1 / 0.6 + 0.5 * (1 - 1 / 0.6), 0.6
    raw = sum(s * keys(s * (u - j)) for j in range(-10, 12))
    assert abs(raw - 1.0) > 1e-3


@pytest.mark.parametrize("shape, scales", CASES)
def test_imresize_matches_the_reference(shape, scales):
    image = _image(shape, 20)
    expected = reference_imresize(image, scales)
    got = imresize(image, scales)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=F64)
    np.testing.assert_allclose(imresize(image[..., 1], scales), expected[..., 1], atol=F64)


@pytest.mark.parametrize("shape, scales", CASES)
def test_imresize_tf_float64_matches_the_reference(shape, scales):
    # float64 tensors stay float64, so the polyphase and gather paths are checked to F64
    image = _image(shape, 21)
    expected = reference_imresize(image, scales)
    got = imresize_tf(tf.constant(image), scales)
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=F64)
    batch = np.stack([image, image[::-1, ::-1], 255.0 - image, image**0.5])  # N = 4
    got = imresize_tf(tf.constant(batch), scales).numpy()
    for k in range(4):
        np.testing.assert_allclose(got[k], reference_imresize(batch[k], scales), rtol=0, atol=F64)


def test_reference_itself_on_the_hand_example():
    # guards the transcription: the hand-derived x2 weights of test_upscale_weights_derived_by_hand
    matrix = reference_matrix(4, 8, 2.0)
    np.testing.assert_allclose(matrix[0], [1.09375, -0.09375, 0.0, 0.0], atol=1e-15)


@pytest.mark.parametrize("scales", [(2, 0.25), (1 / 3, 3)])
def test_imresize_tf_dynamic_shapes_float64(scales):
    fn = tf.function(
        lambda x: imresize_tf(x, scales),
        input_signature=[tf.TensorSpec([None, None, None, 2], tf.float64)],
    )
    for n, shape in enumerate(((9, 19, 2), (22, 8, 2), (5, 6, 2))):  # polyphase, mixed, gather
        image = _image(shape, 22 + n)
        got = fn(tf.constant(image[None]))[0].numpy()
        np.testing.assert_allclose(got, reference_imresize(image, scales), rtol=0, atol=F64)


@pytest.mark.parametrize("out_shape", [(20, 6), (7, 25), (13, 11)])
def test_output_shape_matches_the_reference(out_shape):
    image = _image((10, 12, 3), 25)
    expected = reference_imresize(image, None, out_shape)
    got = imresize(image, output_shape=out_shape)
    np.testing.assert_allclose(got, expected, rtol=0, atol=F64)
    got_tf = imresize_tf(tf.constant(image), output_shape=out_shape).numpy()
    np.testing.assert_allclose(got_tf, expected, rtol=0, atol=F64)


def test_upscale_weights_derived_by_hand():
    # x2, first output sample: u = 1/2 + 1/4 = 0.75; taps at 1-based -1, 0, 1, 2 with distances
    # 1.75, 0.75, 0.25, 1.25; the symmetric border maps -1 -> 2 and 0 -> 1, so
    # out[0] = (0.2265625 + 0.8671875) v1 + (-0.0234375 - 0.0703125) v2 = 1.09375 v1 - 0.09375 v2.
    signal = np.array([10.0, 50.0, 0.0, 0.0])
    out = imresize(signal[:, None], (2, 1))
    assert out.shape == (8, 1)
    assert out[0, 0] == pytest.approx(1.09375 * 10 - 0.09375 * 50)


def test_downscale_kernel_is_widened_by_hand():
    # x1/2: u = 2 - 1/2 = 1.5, kernel 0.5 * cubic(0.5 d) over 8 pixels.
    weights, indices = contributions(8, 4, 0.5)
    half = [-0.01171875, -0.03515625, 0.11328125, 0.43359375]
    np.testing.assert_allclose(weights[0, 1:9], half + half[::-1], atol=1e-12)
    assert indices[0, 1:9].tolist() == [2, 1, 0, 0, 1, 2, 3, 4]  # symmetric border, 0-based


def test_constant_image_stays_constant():
    for scale in (0.25, 1 / 3, 0.5, 2, 3, 4, 1.7):
        out = imresize(np.full((13, 17, 3), 42.0), scale)
        np.testing.assert_allclose(out, 42.0, atol=1e-9)


@pytest.mark.parametrize(
    "shape, scale, expected",
    [
        ((13, 17), 2, (26, 34)),
        ((13, 17), 3, (39, 51)),
        ((13, 17), 0.5, (7, 9)),
        ((13, 17), 1 / 3, (5, 6)),
        ((255, 255), 1 / 3, (85, 85)),
        ((7, 5), 4, (28, 20)),
    ],
)
def test_output_size_is_ceil(shape, scale, expected):
    assert imresize(np.zeros(shape), scale).shape == expected
    assert tuple(imresize_tf(np.zeros(shape + (1,), np.float32), scale).shape[:2]) == expected


def test_output_shape_argument():
    out = imresize(rng(0).random((10, 12)), output_shape=(20, 6))
    assert out.shape == (20, 6)


@pytest.mark.parametrize("scale", [2, 3, 4, 0.5, 1 / 3, 0.25, 1.5])
def test_numpy_and_tensorflow_agree_on_0_255(scale):
    image = rng(3).random((23, 31, 3)) * 255.0
    expected = imresize(image, scale)
    got = imresize_tf(image.astype(np.float32), scale).numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_tensorflow_dynamic_shapes_in_tf_function_and_batches():
    fn = tf.function(
        lambda x: imresize_tf(x, 0.5), input_signature=[tf.TensorSpec([None, None, None, 1])]
    )
    generator = rng(4)
    for h, w in ((8, 12), (15, 9)):
        batch = (generator.random((2, h, w, 1)) * 255).astype(np.float32)
        got = fn(batch).numpy()
        for i in range(2):
            np.testing.assert_allclose(got[i, ..., 0], imresize(batch[i, ..., 0], 0.5), atol=1e-4)


def test_tensorflow_in_tf_data():
    data = tf.data.Dataset.from_tensor_slices(np.ones((3, 12, 15, 1), np.float32))
    shapes = [tuple(x.shape) for x in data.map(lambda x: imresize_tf(x, 1 / 3))]
    assert shapes == [(4, 5, 1)] * 3


def test_rejects_bad_scale():
    with pytest.raises(ValueError):
        imresize(np.zeros((4, 4)), 0)


def test_imresize_clipped_is_imresize_clipped_to_unit_float32():
    image = (rng(5).random((9, 11, 3)) > 0.5).astype(np.float64)  # hard edges: bicubic overshoots
    raw = imresize(image, output_shape=(20, 17))
    assert raw.min() < 0 and raw.max() > 1
    out = imresize_clipped(image, (20, 17))
    assert out.dtype == np.float32 and out.shape == (20, 17, 3)
    np.testing.assert_array_equal(out, np.clip(raw, 0, 1).astype(np.float32))
