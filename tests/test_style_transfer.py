"""stylize(): optimisers, coarse-to-fine, several styles, initial images, colour control."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from seeds import rng, seed_keras

import imaging
from common.errors import UserError
from style_transfer import color, optimize, resizing, transfer, vgg
from style_transfer import losses as L
from style_transfer.plot import loss_plot

SHALLOW = {"content_layers": ("relu2_1",), "style_layers": ("relu1_1", "relu2_1")}


@pytest.fixture(scope="module")
def base():
    seed_keras(30)  # module fixtures run before the per-test seeding of conftest.py
    return vgg.load_vgg19("random")


@pytest.fixture(scope="module")
def shallow(base):
    return vgg.vgg19_feature_model(["relu1_1", "relu2_1"], base)


def _smooth_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    y, x = y / max(h - 1, 1), x / max(w - 1, 1)
    image = np.stack([x, y, 0.5 + 0.3 * np.sin(6 * x) * np.cos(5 * y)], -1)
    noise = rng(seed).normal(size=image.shape)
    return np.clip(0.1 + 0.8 * image + 0.05 * noise, 0, 1).astype(np.float32)


# relu1_1 is one convolution of the image: L-BFGS recovers it to float32 rounding (~160 dB
# measured); through relu2_1 (a max pool deeper) 26.6 +- 0.7 dB over 13 seeds, 23 is 5 sd below
@pytest.mark.parametrize(
    ("layer", "iterations", "min_psnr"), [("relu1_1", 30, 60.0), ("relu2_1", 50, 23.0)]
)
def test_content_loss_alone_recovers_content(base, layer, iterations, min_psnr):
    content = _smooth_image(32, 32)
    config = transfer.StyleConfig(
        content_layers=(layer,),
        style_layers=("relu1_1",),
        style_weight=0.0,
        tv_weight=0.0,
        iterations=iterations,
    )
    model = vgg.vgg19_feature_model(transfer.feature_layers(config), base)
    start = transfer.initial_image("noise", content, [content], 1.0, rng(1))
    assert imaging.psnr(content, start, 1.0) < 15  # the mean colour plus noise: ~13.1 dB
    *_, (_, image, _) = transfer.stylize(content, [content], model, config, start)
    assert imaging.psnr(content, image, 1.0) > min_psnr


def test_lbfgs_respects_bounds_and_decreases_loss(shallow):
    content, style = _smooth_image(16, 20, 1), _smooth_image(24, 24, 2)[::-1]
    config = transfer.StyleConfig(**SHALLOW, iterations=8)
    steps = list(transfer.stylize(content, [style], shallow, config))
    assert [s[0] for s in steps] == list(range(1, 9))
    for _, image, losses in steps:
        assert image.shape == (16, 20, 3) and image.dtype == np.float32
        assert image.min() >= 0.0 and image.max() <= 1.0
        # the float32 total and its three weighted parts (all >= 0): a few roundings, <= 5 u
        # = 3e-7 (measured 8e-8); the smallest part is ~4e-3 of the total
        assert losses["total"] == pytest.approx(
            losses["content"] + losses["style"] + losses["tv"], rel=1e-6
        )
    totals = [s[2]["total"] for s in steps]
    # each step lowers the loss by ~15%; 1e-6 (a few float32 roundings) only lets a stalled
    # step tie with the last
    assert all(b <= a * (1 + 1e-6) for a, b in zip(totals, totals[1:], strict=False))


def test_closing_the_generator_stops_lbfgs(shallow):
    content = _smooth_image(16, 16)
    steps = transfer.stylize(content, [content], shallow, transfer.StyleConfig(**SHALLOW))
    next(steps)
    steps.close()
    assert not any(t.name == "lbfgs" and t.is_alive() for t in threading.enumerate())


def test_adam_matches_tf1_adam_in_pixel_units():
    target = np.linspace(40, 200, 12).reshape(2, 2, 3)

    def evaluate(x):  # loss on the 0-255 scale, as neural-style's variable
        residual = 255.0 * x - target
        return {"total": tf.reduce_sum(tf.square(residual))}, 2 * 255.0 * residual

    x0 = np.full((2, 2, 3), 0.5, np.float32)
    ours = [img for _, img, _ in optimize.adam(evaluate, x0, 5, learning_rate=10.0)]
    y, m, v = x0.astype(np.float64) * 255.0, 0.0, 0.0  # TF1 AdamOptimizer on 0-255 pixels
    for t in range(1, 6):
        g = 2 * (y - target)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        y = y - 10.0 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-8)
        # ours is TF1's float32 kernel, this float64: 1 - 0.999**t in float32 is ~u / 0.001 =
        # 6e-5 off relative, so each 10-pixel step by up to ~3e-4 (partly cancelled by v's own
        # 1 - beta2): measured 1.5e-4 after 5 steps, elementwise (the same on every CPU)
        np.testing.assert_allclose(ours[t - 1] * 255.0, y, atol=1e-3)


def test_adam_stays_in_bounds(shallow):
    content = _smooth_image(16, 16)
    config = transfer.StyleConfig(**SHALLOW, optimizer="adam", iterations=5, learning_rate=100.0)
    steps = list(transfer.stylize(content, [1 - content], shallow, config))
    assert [s[0] for s in steps] == [1, 2, 3, 4, 5]
    assert all(s[1].min() >= 0 and s[1].max() <= 1 for s in steps)
    assert steps[-1][2]["total"] < steps[0][2]["total"]


def _pattern(h: int, w: int) -> np.ndarray:
    """A smooth texture in [-1, 1]^3 (no random draw)."""
    y, x = np.mgrid[0:h, 0:w]
    y, x = y / (h - 1), x / (w - 1)
    return np.stack(
        [np.sin(7 * x + 2 * y), np.cos(5 * y - 3 * x), np.sin(4 * x) * np.cos(6 * y)], -1
    )


def _gram_norms(model, image: np.ndarray) -> np.ndarray:
    return np.array([np.linalg.norm(L.gram_matrix(f)) for f in model(image[None]).values()])


def test_style_blend_weights(shallow):
    content = _smooth_image(16, 16)
    # Two very different styles by construction: the same texture about the network's mean
    # colour, b at 4x a's contrast. The random network has zero biases, so its features are
    # positively homogeneous in the mean-subtracted input and b's Grams are 16x a's.
    mean = np.array(vgg.IMAGENET_MEAN_RGB) / 255.0
    a = (mean + 0.1 * _pattern(20, 20)).astype(np.float32)
    b = (mean + 0.4 * _pattern(20, 20)).astype(np.float32)
    start = transfer.initial_image("noise", content, [a], 1.0, rng(0))

    def run(styles, weights):
        config = transfer.StyleConfig(**SHALLOW, iterations=3, style_blend_weights=weights)
        return list(transfer.stylize(content, styles, shallow, config, start))

    single = run([a], None)
    only_first = run([a, b], (1.0, 0.0))
    # b's term is multiplied by 0.0 exactly: the same float32 losses and gradients (equal here);
    # 1e-6 is 16 ulp of values <= 1
    np.testing.assert_allclose(only_first[-1][1], single[-1][1], atol=1e-6)
    quarter = run([a, b], (0.25, 0.75))
    scaled = run([a, b], (2.0, 6.0))
    # 2/8 and 6/8 normalise to 0.25 and 0.75 exactly: the same float32 computation (equal here)
    assert quarter[0][2]["style"] == pytest.approx(scaled[0][2]["style"], rel=1e-6)
    # The margin: per layer, with A = a's Gram (at the stage's size) and u the first iterate's,
    # ||u - A|| <= 2 ||A|| and ||u - A_b|| >= 11 ||A|| when ||u|| <= ||A|| and ||A_b|| >= 12 ||A||
    # (checked here), so the blended loss 0.25 E_a + 0.75 E_b is at least
    # 0.75 * 121 / 4 = 22.7 times the single style's E_a.
    gram_a = _gram_norms(shallow, resizing.scaled_style(a, 16))
    assert np.all(_gram_norms(shallow, resizing.scaled_style(b, 16)) >= 12 * gram_a)
    for steps in (single, quarter):
        assert np.all(_gram_norms(shallow, steps[0][1]) <= gram_a)
    assert quarter[0][2]["style"] > 20 * single[0][2]["style"]


def test_coarse_to_fine_stages(shallow):
    content = _smooth_image(24, 32)
    config = transfer.StyleConfig(**SHALLOW, sizes=(16, 32), stage_iterations=(3, 2))
    steps = list(transfer.stylize(content, [content[::-1]], shallow, config))
    assert [(s[0], s[1].shape) for s in steps] == [
        (1, (12, 16, 3)),
        (2, (12, 16, 3)),
        (3, (12, 16, 3)),
        (4, (24, 32, 3)),
        (5, (24, 32, 3)),
    ]
    assert transfer.stage_plan(config, 32) == [(16, 3), (32, 2)]


def test_style_scales_and_resizing():
    style = np.zeros((30, 60, 3), np.float32)
    assert resizing.scaled_style(style, 40, 0.5).shape == (10, 20, 3)
    assert resizing.scaled_style(style, 40).shape == (20, 40, 3)
    assert resizing.resize_to_width(style, 60) is not None


def test_layer_weights_from_config():
    blended = transfer.content_layer_weights(transfer.StyleConfig(content_weight_blend=0.3))
    # float64: 1 - 0.3 is within an ulp of 0.7
    assert blended == pytest.approx({"block4_conv2": 0.3, "block5_conv2": 0.7})
    assert transfer.content_layer_weights(transfer.StyleConfig()) == {"block4_conv2": 1.0}
    custom = transfer.StyleConfig(content_layers=("conv3_1", "block4_conv1"))
    assert transfer.content_layer_weights(custom) == {"block3_conv1": 0.5, "block4_conv1": 0.5}
    assert transfer.feature_layers(transfer.StyleConfig())[-1] == "block5_conv1"
    with pytest.raises(ValueError, match="unknown VGG19 layer"):
        transfer.style_layer_weights(transfer.StyleConfig(style_layers=("relu9_9",)))


def test_images_too_small_for_the_network(shallow):
    config = transfer.StyleConfig()  # relu5_1 needs 16 pixels
    tiny = np.zeros((8, 40, 3), np.float32)
    with pytest.raises(UserError, match="too small"):
        transfer.check_sizes(tiny, [np.zeros((40, 40, 3))], config)
    with pytest.raises(UserError, match="style"):
        transfer.check_sizes(
            np.zeros((40, 40, 3)),
            [np.zeros((40, 40, 3))],
            transfer.StyleConfig(style_scales=(0.2,)),
        )


def test_initial_images():
    content = _smooth_image(10, 12)
    style = _smooth_image(20, 20, 5)
    fresh = lambda: rng(7)  # noqa: E731
    np.testing.assert_array_equal(
        transfer.initial_image("content", content, [style], 0.0, fresh()), content
    )
    assert transfer.initial_image("style", content, [style], 0.0, fresh()).shape == content.shape
    noise = transfer.initial_image("noise", content, [style], 1.0, fresh())
    np.testing.assert_array_equal(noise, transfer.initial_image("noise", content, [], 0, fresh()))
    # 120 draws per channel of sd 0.1 std(content) = 0.022: a standard error of 0.002, and 0.01
    # is 5 of them (less the 4e-4 by which the ImageNet mean / 255 is typed to 3 decimals)
    np.testing.assert_allclose(noise.mean(axis=(0, 1)), [0.485, 0.458, 0.408], atol=0.01)
    blend = transfer.initial_image("content", content, [style], 0.25, fresh())
    # float32: two products and a sum of values <= 1, an ulp or two (equal here)
    np.testing.assert_allclose(blend, np.clip(0.75 * content + 0.25 * noise, 0, 1), atol=1e-6)
    from_array = transfer.initial_image(style, content, [style], 0.0, fresh())
    assert from_array.shape == content.shape


@pytest.mark.parametrize(
    ("sigma", "expected"), [(None, lambda c: 0.1 * np.std(c)), (transfer.AN_NOISE_SIGMA, None)]
)
def test_noise_is_the_networks_mean_colour_plus_gaussian_noise(sigma, expected):
    content = _smooth_image(64, 80)
    mean_rgb = (90.0, 140.0, 60.0)
    noise = transfer.initial_image(
        "noise", content, [content], 1.0, rng(4), mean_rgb=mean_rgb,
        noise_sigma=sigma,
    )  # fmt: skip
    want = expected(content) if expected else 0.256 / 255.0
    # n = 64 * 80 draws per channel: the sample mean's standard error is want / sqrt(n), the
    # sample std's relative one 1 / sqrt(2 n) = 0.0099; both are allowed 5 standard errors
    n = content.shape[0] * content.shape[1]
    np.testing.assert_allclose(
        noise.mean(axis=(0, 1)), np.array(mean_rgb) / 255, atol=5 * want / np.sqrt(n)
    )
    np.testing.assert_allclose(noise.std(axis=(0, 1)), want, rtol=5 / np.sqrt(2 * n))


def test_pillow_resizing_is_neural_styles():
    image = _smooth_image(45, 37)
    assert resizing.width_shape(image.shape, 29, "pillow") == (35, 29)
    assert resizing.width_shape(image.shape, 29) == (35, 29)
    assert resizing.width_shape((40, 48), 37, "pillow") == (30, 37)  # floor; round gives 31
    assert resizing.style_shape((33, 41), 29, 1.0, "pillow") == (23, 29)
    assert resizing.style_shape((50, 27), 29, 0.8, "pillow") == (42, 23)
    as_uint8 = np.round(image * 255).astype(np.uint8)
    ours = resizing.resize_to_width(image, 29, "pillow")
    pillow = np.asarray(Image.fromarray(as_uint8).resize((29, 35), Image.BICUBIC))
    np.testing.assert_array_equal(np.round(ours * 255), pillow)
    np.testing.assert_array_equal(resizing.resize_to_shape(image, image.shape, "pillow"), image)


def test_preserve_colors_keeps_luminance_of_result_and_chroma_of_content():
    stylized, content = _smooth_image(8, 8, 1), _smooth_image(8, 8, 2)[::-1]
    stylized = 0.3 + 0.4 * stylized  # keep everything in gamut
    content = 0.3 + 0.4 * content
    out = color.finish_colors("none", stylized, content, preserve_colors=True)
    ycc_out, ycc_s, ycc_c = (
        imaging.rgb_to_ycbcr(i.astype(np.float64)) for i in (out, stylized, content)
    )
    # only the float32 rounding of the output's R, G, B (<= 3e-8, times YCbCr coefficients
    # summing to < 1 in absolute value) separates them: measured 3e-8
    np.testing.assert_allclose(ycc_out[..., 0], ycc_s[..., 0], atol=1e-5)
    np.testing.assert_allclose(ycc_out[..., 1:], ycc_c[..., 1:], atol=1e-5)
    assert np.array_equal(
        color.finish_colors("none", stylized, content), stylized.astype(np.float32)
    )


def test_luminance_only_transfer_inputs():
    content, style = _smooth_image(12, 12, 1), _smooth_image(16, 16, 3) * 0.5
    gray_content, (gray_style,) = color.prepare_colors("luminance", content, [style])
    for image in (gray_content, gray_style):
        # neutral chroma: R, G and B get the same Y term and zero chroma terms (equal here)
        np.testing.assert_allclose(image[..., 0], image[..., 1], atol=1e-6)
        np.testing.assert_allclose(image[..., 0], image[..., 2], atol=1e-6)
    y_c = imaging.rgb_to_ycbcr(content.astype(np.float64))[..., 0]
    y_s = imaging.rgb_to_ycbcr(gray_style.astype(np.float64))[..., 0]
    # matched in float64; then only the float32 rounding of the grey pixels (<= 3e-8; nothing
    # is clipped for these images, 20 seeds checked) moves the mean and std: measured <= 6e-8
    assert y_s.mean() == pytest.approx(y_c.mean(), abs=1e-6)
    assert y_s.std() == pytest.approx(y_c.std(), abs=1e-6)
    np.testing.assert_allclose(
        imaging.rgb_to_ycbcr(gray_content.astype(np.float64))[..., 0], y_c, atol=1e-5
    )


def test_color_histogram_matching_matches_mean_and_covariance():
    draw = rng(9)
    content = np.clip(
        0.5 + 0.1 * draw.normal(size=(20, 20, 3)) @ [[1, 0.3, 0], [0, 1, 0.2], [0, 0, 1]], 0, 1
    )
    style = np.clip(0.4 + 0.08 * draw.normal(size=(24, 16, 3)) * [1, 0.5, 2], 0, 1)
    matched = color.match_color_histogram(style, content).reshape(-1, 3).astype(np.float64)
    c = content.reshape(-1, 3)
    # a float64 affine map, clipped (nothing is, ~5 sd from 0 and 1) and rounded to float32
    # (<= 3e-8): measured 1e-9 and 4e-10. A covariance with N instead of N - 1 would be 3e-5 off
    np.testing.assert_allclose(matched.mean(0), c.mean(0), atol=1e-6)
    np.testing.assert_allclose(np.cov(matched, rowvar=False), np.cov(c, rowvar=False), atol=1e-6)
    _, (same,) = color.prepare_colors("histogram", content, [style])
    np.testing.assert_allclose(same, color.match_color_histogram(style, content))
    with pytest.raises(ValueError):
        color.prepare_colors("sepia", content, [style])


def test_loss_plot_draws_series():
    plot = loss_plot([1, 2, 3], {"total": [100.0, 10.0, 1.0], "tv": [5.0, 4.0, 3.0]})
    assert plot.shape == (480, 720, 3) and plot.dtype == np.uint8
    blue = np.all(plot == (31, 119, 180), axis=-1).sum()
    assert blue > 50  # the first series' line
