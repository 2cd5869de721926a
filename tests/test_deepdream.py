"""DeepDream library: objective, tiled gradient, octaves, guided and channel objectives, zoom.

A tiny fully-convolutional network (two 3x3 'same' convolutions, stride 1) stands in for
InceptionV3, so every property can be checked exactly and fast.
"""

from __future__ import annotations

import io

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from seeds import rng, seed, seed_keras

import imaging
from common.errors import UserError
from deepdream import (
    DreamConfig,
    DreamNetwork,
    DreamObjective,
    LayerTerm,
    TiledGradient,
    ascent_step,
    build_dream_network,
    dream,
    encode_gif,
    guide_features,
    guided_activation,
    mean_squared_activation,
    octave_shapes,
    quantize,
    resize_image,
    tile_bounds,
    zoom_dream,
    zoom_frame,
)
from deepdream.dream import reinject

#: Receptive field of the tiny net's deepest layer is 5 px, so a 4 px margin makes tiles exact.
EXACT_MARGIN = 4


def tiny_network(n: int = 0, channels: int = 6) -> DreamNetwork:
    """Random weights from seed ``n`` (shifted by TEST_SEED_SHIFT)."""
    seed_keras(n)
    rgb = keras.Input((None, None, 3))
    c1 = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name="c1")(rgb - 0.5)
    c2 = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name="c2")(c1)
    model = keras.Model(rgb, [c1, c2])
    return DreamNetwork(model, ("c1", "c2"), (channels, channels), 8, "tiny")


def tiny_config(**changes) -> DreamConfig:
    base = dict(
        model="inception_v3",
        terms=(LayerTerm("c1", 1.0), LayerTerm("c2", 1.5)),
        octaves=2,
        octave_scale=1.5,
        steps=3,
        step_size=0.01,
        jitter=4,
        tile_size=32,
        seed=seed(0),
    )
    base.update(changes)
    return DreamConfig(**base)


@pytest.fixture(scope="module")
def net() -> DreamNetwork:
    return tiny_network()


def image(h: int, w: int, n: int = 1) -> np.ndarray:
    return rng(n).random((h, w, 3), dtype=np.float32)


def whole_gradient(network, objective, img) -> tuple[np.ndarray, float]:
    x = tf.constant(img)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = objective(network.features(x[None]))
    return tape.gradient(value, x).numpy(), float(value)


def objective_value(network, objective, img) -> float:
    return float(objective(network.features(tf.constant(img)[None])))


# ------------------------------------------------------------------ objective and step


def test_mean_squared_activation_known_values():
    a = tf.constant(np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2))
    assert float(mean_squared_activation(a)) == pytest.approx(np.mean(np.arange(8) ** 2))
    assert float(mean_squared_activation(a, 1)) == pytest.approx(np.mean([1, 9, 25, 49]))


def test_step_raises_objective(net):
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    gradient = TiledGradient(net.features, objective, tile_size=64)
    img = image(40, 44)
    before = objective_value(net, objective, img)
    after_img, reported = ascent_step(img, gradient, step_size=0.003)
    # one tile: the same float32 graph as `before` (conv sums of <= 54 terms, u sqrt(54) = 4e-7
    # per activation), then a mean of 40 * 44 * 6 = 10560 squares, u sqrt(10560) = 6e-6
    assert reported == pytest.approx(before, rel=1e-5)
    # measured about 3.5% higher; 0.1% is still 100x the float32 noise of the objective (1e-5)
    assert objective_value(net, objective, after_img) > before * 1.001
    # the step x + 0.003 g / mean|g|, clipped, with g the whole-image gradient (= the one tile's):
    # the gradient's float32 rounding (u * 54 = 3e-6 of steps <= ~0.1) and the final rounding of
    # values <= 1 (3e-8) stay below 1e-6
    g, _ = whole_gradient(net, objective, img)
    step = np.clip(img + 0.003 * g / np.abs(g).mean(dtype=np.float64), 0.0, 1.0)
    np.testing.assert_allclose(after_img, step, rtol=0, atol=1e-6)
    # so the mean |change| is the step size, less what clipping takes from the ~1% of values
    # within a step of 0 or 1 (0.6-1.2% short over 20 seeds)
    assert np.mean(np.abs(after_img - img)) == pytest.approx(0.003, rel=0.05)
    assert after_img.min() >= 0.0 and after_img.max() <= 1.0


def test_dream_keeps_pixels_in_range_and_loss_grows(net):
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    steps = list(
        dream(image(36, 40), net, objective, tiny_config(octaves=1, steps=6, step_size=0.05))
    )
    assert [s.step for s in steps] == list(range(6))
    assert all(s.image.min() >= 0 and s.image.max() <= 1 for s in steps)
    assert steps[-1].loss > steps[0].loss


# ------------------------------------------------------------------ tiling


@pytest.mark.parametrize("length,tile", [(37, 16), (53, 16), (16, 16), (15, 16), (1000, 512)])
def test_tiles_cover_every_pixel_once(length, tile):
    bounds = tile_bounds(length, tile)
    covered = np.zeros(length, int)
    for start, stop in bounds:
        covered[start:stop] += 1
        assert stop - start <= tile
        assert stop - start >= min(length, tile // 2)
    assert np.all(covered == 1)


def test_tiled_gradient_with_margin_equals_whole_image_gradient(net):
    """Exact (to float32 rounding) for a stride-1 'same' net once the margin covers the RF."""
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    img = image(37, 53)  # neither side a multiple of the tile
    expected, expected_value = whole_gradient(net, objective, img)
    tiled = TiledGradient(net.features, objective, tile_size=16, margin=EXACT_MARGIN)
    grad, value = tiled(img)
    scale = np.abs(expected).max()
    # float32 backprop through two convolutions of 54 terms each: u * 54 = 3e-6 of the largest
    # component (measured <= 3e-7 of it)
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-5 * scale)
    # the reported objective is only an estimate: tile borders see zero padding, which puts it
    # 3-8% off (mean 5.5%, sd 1.1% over 20 seeds): 0.1 is 4 sd away
    assert value == pytest.approx(expected_value, rel=0.1)
    assert tiled.traces() == 1  # 9 tiles of 4 different shapes, one trace


def test_tiled_gradient_without_margin_differs_only_near_seams(net):
    """Without a margin (TensorFlow tutorial, our InceptionV3 default) tiling is approximate:
    pixels within the receptive field of a seam differ, all others are exact."""
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    img = image(37, 53)
    expected, _ = whole_gradient(net, objective, img)
    grad, _ = TiledGradient(net.features, objective, tile_size=16, margin=0)(img)
    near = np.zeros(img.shape[:2], bool)
    for axis, length in ((0, 37), (1, 53)):
        for start, _ in tile_bounds(length, 16)[1:]:
            index = [slice(None), slice(None)]
            index[axis] = slice(start - EXACT_MARGIN, start + EXACT_MARGIN)
            near[tuple(index)] = True
    scale = np.abs(expected).max()
    # as with a margin: float32 rounding, u * 54 = 3e-6 of the largest component
    np.testing.assert_allclose(grad[~near], expected[~near], rtol=0, atol=1e-5 * scale)
    # near a seam the gradient is wrong, not rounded: measured 0.5-0.8 of the largest component
    assert np.abs(grad[near] - expected[near]).max() > 1e-3 * scale


def test_rolled_gradient_is_unrolled(net):
    """The roll is undone: with one tile, rolling only moves the wrap-around seam."""
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    img = image(30, 34)
    tiled = TiledGradient(net.features, objective, tile_size=64)
    shift = (7, -5)
    grad, _ = tiled(img, shift)
    rolled_expected, _ = whole_gradient(net, objective, np.roll(img, shift, (0, 1)))
    # the same float32 backprop on the same pixels: u * 54 = 3e-6 of the largest component
    scale = np.abs(rolled_expected).max()
    np.testing.assert_allclose(
        grad, np.roll(rolled_expected, (-7, 5), (0, 1)), rtol=0, atol=1e-5 * scale
    )


# ------------------------------------------------------------------ octaves


def test_octave_shapes():
    assert octave_shapes(100, 140, 3, 1.4) == [(51, 71), (71, 100), (100, 140)]
    assert octave_shapes(64, 80, 1, 1.4) == [(64, 80)]


def test_octave_shapes_hand_values():
    """Coarsest first; exponents finest - (octaves - 1) ... finest; truncation, not rounding."""
    # 78 / 1.3 is 60.0 in float64 but 78 * 1.3**-1 is 59.99999999999999: the side is divided
    assert octave_shapes(78, 130, 3, 1.3) == [(46, 76), (60, 100), (78, 130)]
    # finest 1: exponents -2, -1, 0, 1; 50 / 2.25 = 22.2, 77 / 2.25 = 34.2, 50 / 1.5 = 33.3,
    # 77 / 1.5 = 51.3, then 50 * 1.5 = 75 and 77 * 1.5 = 115.5 -> 115 (truncated)
    assert octave_shapes(50, 77, 4, 1.5, finest=1) == [(22, 34), (33, 51), (50, 77), (75, 115)]
    # every octave above the input: exponents 1, 2; 50 * 2.25 = 112.5, 77 * 2.25 = 173.25
    assert octave_shapes(50, 77, 2, 1.5, finest=2) == [(75, 115), (112, 173)]
    # float32 (the tutorial's): float32(90) * float32(1.3) = 116.99999 -> 116, float64 117
    assert octave_shapes(90, 169, 2, 1.3, finest=1, rounding="float32") == [(90, 169), (116, 219)]
    assert octave_shapes(90, 169, 2, 1.3, finest=1) == [(90, 169), (117, 219)]
    # float32 and below: float32(169) * float32(1.3**-2) = 100.0, float64 169 / 1.69 = 99.99...
    assert octave_shapes(90, 169, 3, 1.3, rounding="float32")[0] == (53, 100)
    assert octave_shapes(90, 169, 3, 1.3)[0] == (53, 99)


def keras_example_shapes(original_shape, num_octave, octave_scale):
    """keras-io examples/generative/deep_dream.py (F. Chollet), written out again: the input's
    shape, then int(dim / octave_scale**i) for i = 1 ... num_octave - 1, reversed."""
    successive_shapes = [original_shape]
    for i in range(1, num_octave):
        shape = tuple(int(dim / (octave_scale**i)) for dim in original_shape)
        successive_shapes.append(shape)
    return successive_shapes[::-1]


def tutorial_shapes(base_shape, octave_scale, exponents):
    """TensorFlow tutorial tutorials/generative/deepdream (run_deep_dream_with_octaves):
    tf.cast(float32 base_shape * octave_scale**n, tf.int32) for n in its range(-2, 3)."""
    float_base_shape = tf.cast(tf.constant(base_shape), tf.float32)
    return [
        tuple(int(v) for v in tf.cast(float_base_shape * (octave_scale**n), tf.int32).numpy())
        for n in exponents
    ]


# non-square inputs, some whose sides divide by the scale to an integer in float64 (78, 130,
# 39, 65 by 1.3) and some that are a hair off it in float32 (169 by 1.69, 100 by 1.69)
SIDES = [(100, 140), (78, 130), (65, 39), (169, 90), (100, 143), (301, 217), (40, 52)]


@pytest.mark.parametrize("octave_scale", [1.3, 1.4, 1.5])
@pytest.mark.parametrize("octaves", [1, 2, 3, 4, 5])
def test_octave_shapes_are_the_keras_examples(octaves, octave_scale):
    for height, width in SIDES:
        got = octave_shapes(height, width, octaves, octave_scale)
        assert len(got) == octaves
        assert got == keras_example_shapes((height, width), octaves, octave_scale), (height, width)


@pytest.mark.parametrize("octaves, finest", [(5, 2), (3, 0), (4, 3), (2, -1)])
def test_float32_octave_shapes_are_the_tutorials(octaves, finest):
    """The tutorial's own range(-2, 3) is octaves 5, finest 2; other ranges follow its formula
    with n = finest - octaves + 1 ... finest."""
    exponents = range(finest - octaves + 1, finest + 1)
    for height, width in SIDES:
        for octave_scale in (1.3, 1.4):
            got = octave_shapes(height, width, octaves, octave_scale, finest, "float32")
            expected = tutorial_shapes((height, width), octave_scale, exponents)
            assert got == expected, (height, width, octave_scale)


def test_octave_shapes_grow_to_the_finest():
    """Sides grow octave by octave, and the octave of exponent 0 is the input itself."""
    for rounding in ("float64", "float32"):
        shapes = octave_shapes(301, 217, 6, 1.4, finest=2, rounding=rounding)
        assert len(shapes) == 6 and shapes[3] == (301, 217)
        pairs = zip(shapes[:-1], shapes[1:], strict=True)
        assert all(a[0] < b[0] and a[1] < b[1] for a, b in pairs)


# ------------------------------------------------------------------ resize and quantize


def test_resize_image_same_shape_is_the_image():
    img = image(6, 7)
    for method in ("bilinear", "bicubic"):
        assert resize_image(img, (6, 7), method) is img


def test_bilinear_resize_hand_values():
    """tf.image.resize bilinear, half-pixel centres, no antialiasing: a 2x shrink samples the
    centre of each 2x2 block (its mean); a 2x enlargement has weights 3/4, 1/4 (clamped at the
    edges). Antialiasing would widen the shrinking kernel."""
    img = image(4, 6)
    small = resize_image(img, (2, 3), "bilinear")
    assert small.shape == (2, 3, 3) and small.dtype == np.float32
    blocks = img.astype(np.float64).reshape(2, 2, 3, 2, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(small, blocks, rtol=0, atol=1e-6)  # float32 lerps of [0, 1]
    row = np.array([0.0, 0.25, 1.0], np.float32)  # constant down the 2 rows, 3 channels
    wide = resize_image(np.broadcast_to(row[None, :, None], (2, 3, 3)).copy(), (4, 6), "bilinear")
    expected = np.array([0.0, 0.0625, 0.1875, 0.4375, 0.8125, 1.0])  # e.g. 3/4 0.25 + 1/4 1
    expected = np.broadcast_to(expected[None, :, None], (4, 6, 3))
    np.testing.assert_array_equal(wide, expected)  # dyadic weights and values: exact in float32


def test_bicubic_resize_hand_values():
    """MATLAB imresize bicubic (Keys, a = -0.5), 2x enlargement of 4 columns: output columns 3
    and 4 sit at input 1.25 and 1.75 (0-based) with the four taps 0..3 inside the image and the
    weights W(1.25), W(0.25), W(0.75), W(1.75) = -0.0703125, 0.8671875, 0.2265625, -0.0234375
    (and reversed); rows are constant, so every row (and each channel) gives the same."""
    signal = np.array([[0.0, 1.0, 0.5, 0.75], [0.25, 0.0, 1.0, 0.5], [1.0, 0.5, 0.0, 0.25]])
    img = np.broadcast_to(signal.T[None], (3, 4, 3)).astype(np.float32)  # channel c: signal[c]
    out = resize_image(img, (6, 8), "bicubic")
    assert out.shape == (6, 8, 3) and out.dtype == np.float32
    weights = np.array([-0.0703125, 0.8671875, 0.2265625, -0.0234375])
    # dyadic weights and signal: the float64 sums are exact; only the float32 result rounds (3e-8)
    for c in range(3):
        np.testing.assert_allclose(out[:, 3, c], signal[c] @ weights, rtol=0, atol=1e-6)
        np.testing.assert_allclose(out[:, 4, c], signal[c] @ weights[::-1], rtol=0, atol=1e-6)


def test_quantize_modes_hand_values():
    """round: rint(255 x) half to even; truncate: trunc(255 x); both clipped. keras:
    trunc(clip(((2x - 1) / 2 + 0.5) 255)) in float32, then the min-max stretch to [0, 255]."""
    # float32(0.3) * 255 is 76.500003 (round: 77) and 76.5 in float32 (truncate: 76); 0.5 * 255
    # = 127.5 exactly, to even 128; 0.999 * 255 = 254.745
    x = np.array([0.0, 0.3, 0.5, 0.999, 1.0, -0.1, 1.2], np.float32)
    np.testing.assert_array_equal(quantize(x), [0, 77, 128, 255, 255, 0, 255])
    np.testing.assert_array_equal(quantize(x, "truncate"), [0, 76, 127, 254, 255, 0, 255])
    # min 0 and max 255 already: the stretch is the identity; 2/255 comes back 1.9999999 -> 1
    y = np.array([0.0, 2 / 255, 0.5, 0.95, 1.0], np.float32)
    np.testing.assert_array_equal(quantize(y, "keras"), [0, 1, 127, 242, 255])
    # the stretch: levels 10, 70, 20, 130 -> 0, trunc(60 * 255 / 120) = 127, 21, 255
    z = ((np.array([10, 70, 20, 130], np.float32) + 0.5) / 255).reshape(2, 2, 1)
    np.testing.assert_array_equal(quantize(z, "keras").ravel(), [0, 127, 21, 255])
    # a flat image has no range to stretch: all 0 (save_img skips the division)
    np.testing.assert_array_equal(quantize(np.full((2, 3, 3), 0.4, np.float32), "keras"), 0)


def test_reinject_upsamples_detail_onto_base():
    base = image(30, 40, n=2) * 0.5 + 0.25
    detail = (image(20, 27, n=3) - 0.5) * 0.1
    expected = np.clip(base + imaging.imresize(detail, output_shape=(30, 40)), 0, 1)
    # reinject rounds the float64 resize to float32 and adds in float32: half an ulp of values
    # <= 1, 3e-8 (measured)
    np.testing.assert_allclose(reinject(base, detail), expected, atol=1e-6)
    np.testing.assert_array_equal(reinject(base, np.zeros_like(base)), base)


def test_octaves_put_lost_detail_back(net):
    """With (almost) no dreaming the output is the input, not a blurred upscaled copy."""
    img = image(48, 60)
    cfg = tiny_config(octaves=3, octave_scale=1.5, steps=1, step_size=1e-6, jitter=0)
    objective = DreamObjective(cfg.terms, net.layers, net.channels)
    steps = list(dream(img, net, objective, cfg))
    assert [s.image.shape[:2] for s in steps] == octave_shapes(48, 60, 3, 1.5)
    # three steps of mean size 1e-6 (a few times that at the largest |g| / mean|g|) carried up
    # by two resizes: measured 1.1-1.2e-5
    np.testing.assert_allclose(steps[-1].image, img, atol=1e-4)
    naive = imaging.imresize(imaging.imresize(img, output_shape=(21, 26)), output_shape=(48, 60))
    # what losing the detail would have cost: uniform noise (sd 0.29) loses ~0.23 on average
    assert np.abs(naive - img).mean() > 0.05


def test_too_small_image_is_a_user_error(net):
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    with pytest.raises(UserError, match="too small"):
        list(dream(image(12, 12), net, objective, tiny_config(octaves=3)))


# ------------------------------------------------------------------ channel and guided


def test_channel_objective_and_range_check(net):
    terms = (LayerTerm("c2", 2.0, channel=3),)
    objective = DreamObjective(terms, net.layers, net.channels)
    img = image(20, 24)
    acts = net.features(tf.constant(img)[None])
    # against float64: a float32 mean of 20 * 24 = 480 squares, u sqrt(480) = 1.3e-6 (4x: 5e-6)
    channel = acts[1].numpy()[..., 3].astype(np.float64)
    assert float(objective(acts)) == pytest.approx(2.0 * np.mean(channel**2), rel=5e-6)
    with pytest.raises(UserError, match="channel 6 is out of range for layer c2"):
        DreamObjective((LayerTerm("c2", 1.0, channel=6),), net.layers, net.channels)
    with pytest.raises(UserError, match="not one of the network outputs"):
        DreamObjective((LayerTerm("c9", 1.0),), net.layers, net.channels)


def test_guided_activation_picks_best_matching_guide_feature():
    x = tf.constant([[[[1.0, 0.0], [0.0, 1.0]]]])  # (1, 1, 2, 2): two positions
    guide = tf.constant([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = guided_activation(x, guide)
    assert float(value) == pytest.approx((2.0 + 3.0) / 2)
    # d/dx_i = best-matching guide vector / number of positions (google/deepdream's diff)
    np.testing.assert_allclose(tape.gradient(value, x).numpy()[0, 0], [[1.0, 0.0], [0.0, 1.5]])


def test_guided_dream_moves_towards_guide(net):
    guide_img = image(32, 32, n=9)
    guides = guide_features(guide_img, net)
    assert [tuple(g.shape) for g in guides] == [(32 * 32, 6), (32 * 32, 6)]
    objective = DreamObjective((LayerTerm("c2", 1.0),), net.layers, net.channels, guides)
    gradient = TiledGradient(net.features, objective, tile_size=64)
    img = image(30, 30)
    new, before = ascent_step(img, gradient, 0.003)
    assert objective_value(net, objective, new) > before
    with pytest.raises(UserError, match="guide"):
        DreamObjective((LayerTerm("c2", 1.0, 0),), net.layers, net.channels, guides)


# ------------------------------------------------------------------ determinism and zoom


def test_seeded_runs_repeat_exactly(net):
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    img = image(50, 70)  # two tiles per row: roll and tile offset both random

    def run(n):
        return list(dream(img, net, objective, tiny_config(seed=seed(n))))[-1].image

    first, again, other = run(5), run(5), run(6)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_zoom_frame_geometry():
    img = image(40, 50)
    np.testing.assert_array_equal(zoom_frame(img, 1.0), img)
    zoomed = zoom_frame(img, 2.0)
    assert zoomed.shape == img.shape
    big = imaging.imresize(img, 2.0)
    # the same float64 resize, rounded once to float32 (clipping to 0 and 1 commutes with it)
    np.testing.assert_array_equal(zoomed, np.clip(big[20:60, 25:75], 0, 1).astype(np.float32))
    assert zoom_frame(img, 1.1, rotate=5.0).shape == img.shape


def test_zoom_dream_frames_and_gif(net):
    objective = DreamObjective(tiny_config().terms, net.layers, net.channels)
    cfg = tiny_config(octaves=1, steps=2)
    events = list(zoom_dream(image(32, 36), net, objective, cfg, frames=3, zoom=1.2, rotate=2))
    done = [e for e in events if e.done]
    assert [e.frame for e in done] == [0, 1, 2]
    assert len(events) == 3 * 2
    gif = encode_gif([e.image for e in done], fps=5)
    with Image.open(io.BytesIO(gif)) as anim:
        assert anim.format == "GIF" and anim.n_frames == 3 and anim.size == (36, 32)
        assert anim.info.get("loop") == 0


# ------------------------------------------------------------------ real architectures


def test_inception_network_layers_channels_and_errors(capsys):
    seed_keras(0)  # random weights
    network = build_dream_network("inception_v3", ["mixed2", "mixed3"], weights="random")
    assert network.layers == ("mixed2", "mixed3") and network.channels == (288, 768)
    assert "RANDOM" in capsys.readouterr().err
    feats = network.features(tf.zeros((1, 80, 90, 3)))
    assert [tuple(f.shape) for f in feats] == [(1, 7, 8, 288), (1, 3, 3, 768)]
    with pytest.raises(UserError, match="unknown InceptionV3 layer 'mixed11'"):
        build_dream_network("inception_v3", ["mixed11"], weights="random")


def test_vgg19_network_shares_style_transfer_extractor():
    seed_keras(0)  # random weights
    network = build_dream_network(
        "vgg19", ["relu2_1", "block1_conv2"], weights="random", precision="mixed_bfloat16"
    )
    assert network.layers == ("block2_conv1", "block1_conv2")
    assert network.channels == (128, 64)
    assert keras.config.dtype_policy().name == "float32"  # global policy restored
    feats = network.features(tf.zeros((1, 32, 40, 3)))
    assert [tuple(f.shape) for f in feats] == [(1, 16, 20, 128), (1, 32, 40, 64)]
    with pytest.raises(UserError, match="unknown VGG19 layer"):
        build_dream_network("vgg19", ["mixed4"], weights="random")
