import numpy as np
import pytest
import tensorflow as tf

from imaging import imresize, imresize_clipped, imresize_tf
from imaging.resize import contributions, cubic


def test_keys_kernel_values():
    x = np.array([0.0, 0.25, 0.75, 1.0, 1.25, 1.75, 2.0, 2.5])
    expected = [1.0, 0.8671875, 0.2265625, 0.0, -0.0703125, -0.0234375, 0.0, 0.0]
    np.testing.assert_allclose(cubic(x), expected, atol=1e-12)


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
    out = imresize(np.random.default_rng(0).random((10, 12)), output_shape=(20, 6))
    assert out.shape == (20, 6)


@pytest.mark.parametrize("scale", [2, 3, 4, 0.5, 1 / 3, 0.25, 1.5])
def test_numpy_and_tensorflow_agree_on_0_255(scale):
    image = np.random.default_rng(3).random((23, 31, 3)) * 255.0
    expected = imresize(image, scale)
    got = imresize_tf(image.astype(np.float32), scale).numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_tensorflow_dynamic_shapes_in_tf_function_and_batches():
    fn = tf.function(
        lambda x: imresize_tf(x, 0.5), input_signature=[tf.TensorSpec([None, None, None, 1])]
    )
    rng = np.random.default_rng(4)
    for h, w in ((8, 12), (15, 9)):
        batch = (rng.random((2, h, w, 1)) * 255).astype(np.float32)
        got = fn(batch).numpy()
        for i in range(2):
            np.testing.assert_allclose(got[i, ..., 0], imresize(batch[i, ..., 0], 0.5), atol=1e-4)


def test_tensorflow_in_tf_data():
    data = tf.data.Dataset.from_tensor_slices(np.ones((3, 12, 12, 1), np.float32))
    shapes = [tuple(x.shape) for x in data.map(lambda x: imresize_tf(x, 1 / 3))]
    assert shapes == [(4, 4, 1)] * 3


def test_rejects_bad_scale():
    with pytest.raises(ValueError):
        imresize(np.zeros((4, 4)), 0)


def test_imresize_clipped_is_imresize_clipped_to_unit_float32():
    rng = np.random.default_rng(5)
    image = (rng.random((9, 11, 3)) > 0.5).astype(np.float64)  # hard edges: bicubic overshoots
    raw = imresize(image, output_shape=(20, 17))
    assert raw.min() < 0 and raw.max() > 1
    out = imresize_clipped(image, (20, 17))
    assert out.dtype == np.float32 and out.shape == (20, 17, 3)
    np.testing.assert_array_equal(out, np.clip(raw, 0, 1).astype(np.float32))
