"""SRCNN, VDSR, VDSR-sp builders and the PixelShuffle layer."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from seeds import rng

import common.quiet  # noqa: F401  (quiet TensorFlow start-up)
from sr import models
from sr.paths import WEIGHTS_DIR
from sr.weights import load_model


def test_parameter_counts_pinned():
    assert models.srcnn("9-1-5").count_params() == 8129
    assert models.srcnn("9-5-5").count_params() == 57281
    assert models.vdsr().count_params() == 665921
    # body as VDSR minus its 1-channel head (577) plus a 3x3x64 -> s^2 head with biases
    for s in (2, 3, 4):
        assert models.vdsr_sp(s).count_params() == 665921 - 577 + 9 * 64 * s * s + s * s


@pytest.mark.parametrize("variant, border", [("9-1-5", 6), ("9-5-5", 8)])
def test_srcnn_valid_shapes_and_init(variant, border):
    net = models.srcnn(variant)
    assert net.input_shape == (None, None, None, 1)
    out = net(np.zeros((2, 33, 40, 1), np.float32))
    assert out.shape == (2, 33 - 2 * border, 40 - 2 * border, 1)
    assert models.srcnn_border(variant) == border
    kernels = np.concatenate([w.numpy().ravel() for w in net.weights if len(w.shape) == 4])
    # Gaussian, std 0.001: the sample std of 8032 (9-1-5) or 57184 weights has a standard error
    # of 0.001 / sqrt(2 n) <= 7.9e-6, so +-5e-5 is 6 of them (a truncated normal would be 0.00088)
    assert 0.00095 < kernels.std() < 0.00105
    assert all(not np.any(w.numpy()) for w in net.weights if len(w.shape) == 1)


def test_srcnn_he_init_scales_the_relu_layers_only():
    net = models.srcnn("9-5-5", init="he")
    stds = {w.path.split("/")[0]: w.numpy().std() for w in net.weights if len(w.shape) == 4}
    # He normal: std sqrt(2 / fan_in), fan_in = k * k * input channels. A sample std of n weights
    # has a relative standard error of 1 / sqrt(2 n): 0.0098 for conv1 (n = 5184), 0.0031 for
    # conv2 (51200), 0.025 for conv3 (800); each bound allows 4-6 of them
    np.testing.assert_allclose(stds["conv1"], np.sqrt(2 / 81), rtol=0.05)
    np.testing.assert_allclose(stds["conv2"], np.sqrt(2 / (25 * 64)), rtol=0.02)
    np.testing.assert_allclose(stds["conv3"], 1e-3, rtol=0.1)  # the paper's, as before
    with pytest.raises(ValueError, match="init"):
        models.srcnn(init="xavier")


def test_srcnn_rejects_bad_variant():
    with pytest.raises(ValueError, match="three odd"):
        models.srcnn("9-2-5")


def test_vdsr_is_residual_over_bicubic():
    net = models.vdsr(depth=20)
    assert len([layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]) == 20
    x = rng(0).random((1, 17, 23, 1)).astype(np.float32)
    body = keras.Model(net.input, net.get_layer("residual").output)
    # the same float32 layers run twice (equal sums), then one float32 add: half an ulp of
    # |x + r| < 4 is 2.4e-7
    np.testing.assert_allclose(net(x), x + body(x), atol=1e-6)
    for layer in net.layers:  # zero the last conv: output == input exactly
        if layer.name == "conv20":
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    np.testing.assert_array_equal(net(x), x)


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("residual", [True, False])
def test_vdsr_sp_shapes(scale, residual):
    net = models.vdsr_sp(scale, depth=4, residual=residual)
    lr = np.zeros((2, 7, 9, 1), np.float32)
    bic = np.ones((2, 7 * scale, 9 * scale, 1), np.float32)
    out = net([lr, bic] if residual else lr)
    assert out.shape == (2, 7 * scale, 9 * scale, 1)
    assert out.dtype == tf.float32


def test_untrained_vdsr_sp_is_the_bicubic_upscaling():
    """The residual model's last convolution starts at zero (the seed-0 x4 collapse); the model
    without the residual keeps He initialisation everywhere."""
    draw = rng(0)
    lr = draw.random((1, 6, 7, 1)).astype(np.float32)
    bic = draw.random((1, 18, 21, 1)).astype(np.float32)
    np.testing.assert_array_equal(models.vdsr_sp(3, depth=5)([lr, bic]), bic)
    plain = models.vdsr_sp(3, depth=5, residual=False)
    # He normal sqrt(2 / (9 * 64)) = 0.059 (a zero initialisation gives exactly 0)
    assert np.std(plain.get_layer("conv5").get_weights()[0]) > 0.01
    assert np.abs(plain(lr)).mean() > 1e-3  # He keeps the activations' scale: measured 0.35-0.6


@pytest.mark.parametrize("scale, channels", [(2, 1), (3, 1), (4, 2)])
def test_pixel_shuffle_matches_depth_to_space_and_round_trips(scale, channels):
    x = rng(scale).random((2, 5, 6, scale * scale * channels)).astype(np.float32)
    y = models.PixelShuffle(scale)(x)
    np.testing.assert_array_equal(y, tf.nn.depth_to_space(x, scale))
    np.testing.assert_array_equal(tf.nn.space_to_depth(y, scale), x)
    # one element by the defining equation
    i, j, c = scale - 1, 0, channels - 1
    assert y[1, 3 * scale + i, 4 * scale + j, c] == x[1, 3, 4, (i * scale + j) * channels + c]


def _sub_pixel_loop(x: np.ndarray, r: int) -> np.ndarray:
    """Shi et al. 2016 (sub-pixel convolution), in tf.nn.depth_to_space's channel order, one
    element at a time: out[n, h*r + i, w*r + j, c] = in[n, h, w, (i*r + j)*C + c]."""
    n_, h_, w_, depth = x.shape
    channels = depth // (r * r)
    out = np.full((n_, h_ * r, w_ * r, channels), np.nan, x.dtype)
    for n in range(n_):
        for h in range(h_):
            for w in range(w_):
                for i in range(r):
                    for j in range(r):
                        for c in range(channels):
                            out[n, h * r + i, w * r + j, c] = x[n, h, w, (i * r + j) * channels + c]
    return out


@pytest.mark.parametrize("scale", [2, 3])
def test_pixel_shuffle_equals_the_index_loop(scale):
    """H != W, C > 1, every dimension different: a swapped i/j, h/w or channel-major order
    moves elements. A pure permutation, so exactly equal."""
    channels = 5
    x = rng(10 + scale).random((2, 3, 4, scale * scale * channels)).astype(np.float32)
    y = models.PixelShuffle(scale)(x)
    assert y.shape == (2, 3 * scale, 4 * scale, channels)
    expected = _sub_pixel_loop(x, scale)
    assert not np.isnan(expected).any()  # the loop filled every output element
    np.testing.assert_array_equal(y, expected)
    # distinct values: the output is a rearrangement of the input, nothing repeated or lost
    np.testing.assert_array_equal(np.sort(np.ravel(y)), np.sort(x.ravel()))


def test_pixel_shuffle_compute_output_shape():
    """(N, H, W, r*r*C) -> (N, H*r, W*r, C); unknown sides stay unknown."""
    assert models.PixelShuffle(2).compute_output_shape((None, 3, 4, 20)) == (None, 6, 8, 5)
    assert models.PixelShuffle(3).compute_output_shape((2, 5, 7, 18)) == (2, 15, 21, 2)
    assert models.PixelShuffle(3).compute_output_shape((2, None, 7, 45)) == (2, None, 21, 5)
    assert models.PixelShuffle(2).compute_output_shape((1, 6, None, 12)) == (1, 12, None, 3)
    # the symbolic shape of a functional model agrees
    symbolic = models.PixelShuffle(3)(keras.Input((5, None, 18)))
    assert tuple(symbolic.shape) == (None, 15, None, 2)


def test_pixel_shuffle_serialises(tmp_path):
    net = models.vdsr_sp(3, depth=3)
    draw = rng(2)  # non-zero weights everywhere (the last convolution starts at zero), so the
    for w in net.weights:  # loaded model's output depends on every weight it read back
        w.assign(draw.normal(0, 0.05, w.shape).astype(np.float32))
    net.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(again.get_layer("pixel_shuffle"), models.PixelShuffle)
    assert again.get_layer("pixel_shuffle").get_config()["scale"] == 3
    lr = rng(0).random((1, 6, 5, 1)).astype(np.float32)
    bic = rng(1).random((1, 18, 15, 1)).astype(np.float32)
    assert np.abs(net([lr, bic]).numpy() - bic).max() > 1e-3  # the body changes the image
    # the same float32 weights and ops: equal exactly
    np.testing.assert_array_equal(again([lr, bic]), net([lr, bic]))


def test_mixed_bfloat16_keeps_float32_output():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        net = models.vdsr(depth=3)
        out = net(np.zeros((1, 8, 8, 1), np.float32))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert out.dtype == tf.float32


def test_load_model_builds_in_the_requested_precision_and_restores_the_policy():
    path = WEIGHTS_DIR / "srcnn_x3.weights.h5"
    net, _ = load_model(path, "srcnn", 3, precision="mixed_bfloat16")
    assert net.get_layer("conv1").dtype_policy.name == "mixed_bfloat16"
    assert net.get_layer("conv3").dtype_policy.name == "float32"
    assert keras.config.dtype_policy().name == "float32"
