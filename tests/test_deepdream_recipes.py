"""DeepDream recipes held to independent transcriptions of the references.

``keras_example`` below is written from the published description of keras-io
``examples/generative/deep_dream.py`` (F. Chollet) and ``tutorial_*`` from the TensorFlow
tutorial ``site/en/tutorials/generative/deepdream.ipynb`` (tiled version): each works in the
references' own terms (images in [-1, 1], ``tf.image.resize``, ``tf.roll``, a batch axis) and
calls nothing of ours but the network. Our side runs ``deepdream.dream`` with the named recipe on
the same tiny network, whose layers carry the references' layer names; images must agree to
float32 rounding after several octaves and steps.
"""

from __future__ import annotations

import importlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from seeds import rng, seed, seed_keras

from deepdream import (
    RECIPES,
    DreamNetwork,
    DreamObjective,
    LayerTerm,
    TiledGradient,
    ascent_step,
    border_activation,
    dream,
    octave_shapes,
    quantize,
    tile_bounds,
    zoom_dream,
)
from deepdream.dream import random_shift

dream_module = importlib.import_module("deepdream.dream")  # the name `dream` is the function

KERAS_LAYERS = {"mixed4": 1.0, "mixed5": 1.5, "mixed6": 2.0, "mixed7": 2.5}
TUTORIAL_LAYERS = ("mixed3", "mixed5")


def tiny_trunk(names: tuple[str, ...], n: int) -> keras.Model:
    """A smooth (tanh) conv net on [-1, 1] input: a stride-1 layer, then stride-2 layers, so
    the deepest maps are a few pixels wide and the 2 px border crop matters."""
    seed_keras(n)  # random weights from seed n (shifted by TEST_SEED_SHIFT)
    x = inputs = keras.Input((None, None, 3))
    outputs = []
    for index, name in enumerate(names):
        stride = 1 if index == 0 else 2
        x = keras.layers.Conv2D(6, 3, strides=stride, padding="same", activation="tanh", name=name)(
            x
        )
        outputs.append(x)
    return keras.Model(inputs, outputs)


def as_network(trunk: keras.Model, names: tuple[str, ...]) -> DreamNetwork:
    """Our view of ``trunk``: RGB in [0, 1], mapped to [-1, 1] as InceptionV3 is."""
    rgb = keras.Input((None, None, 3))
    features = keras.Model(rgb, trunk(rgb * 2.0 - 1.0))
    return DreamNetwork(features, names, (6,) * len(names), 8, "tiny")


def photo_u8(height: int, width: int, n: int = 3) -> np.ndarray:
    """A smooth uint8 photo with saturated (0 and 255) regions, so clipping matters."""
    noise = rng(n)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    rgb = np.stack([1.6 * x - 0.3, 1.4 * y - 0.2, 0.5 + 0.6 * np.sin(7 * x + 5 * y)], -1)
    rgb += 0.05 * noise.standard_normal(rgb.shape)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


# ------------------------------------------------------------------ the Keras example


def keras_example(photo, trunk, *, iterations, max_loss, num_octave=3, octave_scale=1.4):
    """The keras-io example, transcribed: returns (final [-1, 1] image, steps run per octave,
    losses). Inception preprocessing x / 127.5 - 1; octave sizes int(side / 1.4**i) from the
    full size down; per octave: bilinear tf.image.resize of the current image, gradient ascent
    (loss = sum_l coeff_l * sum(a_l[:, 2:-2, 2:-2, :]**2) / size(a_l); step 0.01 * g /
    max(mean|g|, 1e-6); the octave ends after the step whose loss exceeded max_loss), then the
    lost detail resize(original, s) - resize(resize(original, s_prev), s) is added."""
    original = tf.constant(photo[None].astype(np.float32)) / 127.5 - 1.0
    height, width = photo.shape[:2]
    sizes = [(height, width)]
    sizes += [
        (int(height / octave_scale**i), int(width / octave_scale**i)) for i in range(1, num_octave)
    ]
    sizes.reverse()
    shrunk = tf.image.resize(original, sizes[0])
    img = original
    steps_run, losses = [], []
    for size in sizes:
        img = tf.image.resize(img, size)
        count = 0
        for _ in range(iterations):
            with tf.GradientTape() as tape:
                tape.watch(img)
                acts = dict(zip(KERAS_LAYERS, trunk(img), strict=True))
                loss = tf.zeros(())
                for name, coeff in KERAS_LAYERS.items():
                    act = acts[name]
                    count_all = tf.cast(tf.reduce_prod(tf.shape(act)), tf.float32)
                    loss += coeff * tf.reduce_sum(tf.square(act[:, 2:-2, 2:-2, :])) / count_all
            grads = tape.gradient(loss, img)
            grads /= tf.maximum(tf.reduce_mean(tf.abs(grads)), 1e-6)
            img += 0.01 * grads
            count += 1
            losses.append(float(loss))
            if loss > max_loss:
                break
        steps_run.append(count)
        img += tf.image.resize(original, size) - tf.image.resize(shrunk, size)
        shrunk = tf.image.resize(original, size)
    return img[0].numpy(), steps_run, losses


def keras_deprocess(img: np.ndarray) -> np.ndarray:
    """The example's uint8 conversion: (x / 2 + 0.5) * 255, clipped, truncated by astype."""
    return np.clip((img / 2.0 + 0.5) * 255.0, 0, 255).astype("uint8")


def keras_written(img: np.ndarray) -> np.ndarray:
    """What the example's file holds: keras.utils.save_img (scale=True by default) shifts the
    deprocessed image so its minimum is 0, divides by its maximum, multiplies by 255 and
    truncates again."""
    x = keras_deprocess(img).astype(np.float32)
    x -= x.min()
    if x.max() != 0:
        x /= x.max()
    return (x * 255).astype("uint8")


@pytest.fixture(scope="module")
def keras_case():
    names = tuple(KERAS_LAYERS)
    trunk = tiny_trunk(names, n=11)
    photo = photo_u8(40, 48)
    # a threshold inside the loss range, so that some octaves stop early and others do not
    _, _, losses = keras_example(photo, trunk, iterations=5, max_loss=np.inf)
    max_loss = float(np.quantile(losses, 0.6))
    reference, steps_run, ref_losses = keras_example(photo, trunk, iterations=5, max_loss=max_loss)
    return trunk, as_network(trunk, names), photo, max_loss, reference, steps_run, ref_losses


def keras_config(max_loss: float, **changes):
    terms = tuple(LayerTerm(name, weight) for name, weight in KERAS_LAYERS.items())
    settings = {"terms": terms, "steps": 5, "max_loss": max_loss, "seed": seed(0)} | changes
    return RECIPES["keras"].replace(**settings)


def run_ours(network, photo, config):
    objective = DreamObjective(
        config.terms,
        network.layers,
        network.channels,
        kind=config.objective,
        border=config.loss_border,
    )
    return list(dream(photo.astype(np.float32) / 255.0, network, objective, config))


def test_keras_recipe_matches_the_keras_example(keras_case):
    _, network, photo, max_loss, reference, steps_run, ref_losses = keras_case
    assert 0 < min(steps_run) < 5 and max(steps_run) == 5  # the early stop is exercised
    steps = run_ours(network, photo, keras_config(max_loss))
    assert [sum(s.octave == k for s in steps) for k in range(3)] == steps_run
    # float32 losses: squared activations after at most K = 193 accumulated terms (4 layers of
    # 3 * 3 * 6 + 1), a relative error of 3 u sqrt(K) = 2.5e-6 each side, doubled by the square
    np.testing.assert_allclose([s.loss for s in steps], ref_losses, rtol=1e-5)
    assert steps[-1].done and not any(s.done for s in steps[:-1])
    ours = steps[-1].image
    expected = reference / 2.0 + 0.5
    assert expected.min() < 0 or expected.max() > 1  # no clipping was needed to agree
    # 15 steps of 0.005 g / mean|g| in [0, 1] units: a float32 gradient error of 3 u sqrt(2 K) =
    # 3.5e-6 (forward and back, K = 193) on pixels of |g| up to ~10 mean|g| moves each step by
    # 2e-7 (3e-6 in all); the resizes, the detail re-injection and the two representations add
    # one rounding (6e-8) per operation, about 60 a pixel (4e-6); 2e-5 is 3x their sum
    np.testing.assert_allclose(ours, expected, rtol=0, atol=2e-5)
    # uint8 as the example writes it: truncation, round trip through [-1, 1] included (pixels
    # left exactly on an 8-bit level - no gradient reaches input row 0 through the cropped maps -
    # come back a hair below it, e.g. 1.9999999, and drop one level in both), then the stretch
    ref_levels = (reference / 2.0 + 0.5) * 255.0
    on_level = np.abs(ref_levels - np.round(ref_levels)) < 1e-4
    assert np.mean(on_level & (keras_deprocess(reference) < np.round(ref_levels))) > 0.005
    mismatch = quantize(ours, "keras") != keras_written(reference)
    assert np.mean(mismatch) < 1e-3


def test_quantize_known_values():
    x = np.array([0.0, 2 / 255, 0.5, 0.999, 1.0, -0.1, 1.2], np.float32)
    np.testing.assert_array_equal(quantize(x, "round"), [0, 2, 128, 255, 255, 0, 255])
    np.testing.assert_array_equal(quantize(x, "truncate"), [0, 2, 127, 254, 255, 0, 255])
    # the Keras example's float32 round trip: (2 x - 1) / 2 + 0.5 turns 2/255 into 1.9999999
    np.testing.assert_array_equal(quantize(x, "keras"), [0, 1, 127, 254, 255, 0, 255])
    # ... and save_img's stretch: levels 10, 20, 130 become 0, 21 (= 10 * 255 / 120), 255
    y = (np.array([10, 20, 130], np.float32) + 0.5) / 255
    np.testing.assert_array_equal(quantize(y[:, None, None], "keras").ravel(), [0, 21, 255])


@pytest.mark.parametrize(
    "change",
    [
        {"loss_border": 0},
        {"max_loss": None},
        {"resize": "bicubic"},
        {"detail": "before"},
        {"clip": True},
        {"normalize": "std"},
    ],
)
def test_each_keras_setting_matters(keras_case, change):
    """The parity above is not slack: undoing any one of the Keras settings breaks it."""
    _, network, photo, max_loss, reference, _, _ = keras_case
    ours = run_ours(network, photo, keras_config(**({"max_loss": max_loss} | change)))[-1].image
    assert np.abs(ours - (reference / 2.0 + 0.5)).max() > 1e-3


def test_keras_gradient_floor_in_our_units():
    """Keras: x' = x + 0.01 g / max(mean|g|, 1e-6) in [-1, 1]; ours in [0, 1] (x = (x' + 1)/2,
    gradient twice as large) must take the same step when the floor is active."""
    draw = rng(0)
    img01 = draw.random((6, 7, 3), dtype=np.float32)
    g_pm1 = (draw.standard_normal((6, 7, 3)) * 3e-7).astype(np.float32)  # mean |g| < 1e-6

    def gradient(image, shift):
        return 2.0 * g_pm1, 0.0  # d/d(x01) = 2 d/d(x_pm1)

    cfg = RECIPES["keras"]
    ours, _ = ascent_step(
        img01, gradient, cfg.step_size, normalize=cfg.normalize, epsilon=cfg.grad_epsilon,
        clip=cfg.clip,
    )  # fmt: skip
    x_pm1 = img01 * 2 - 1
    expected = x_pm1 + 0.01 * g_pm1 / max(np.mean(np.abs(g_pm1)), 1e-6)
    # elementwise float32, no reduction (the 1e-6 floor applies): two or three roundings of
    # values below 1 on each side, at most 3 u = 1.8e-7 in [-1, 1], i.e. 9e-8 in [0, 1]
    np.testing.assert_allclose(ours, (expected + 1) / 2, atol=1e-7)


def test_keras_border_loss_known_value():
    """sum(a[:, 2:-2, 2:-2]**2) / size(a): on a 5x6 map only the centre 1x2 positions count."""
    a = np.arange(60, dtype=np.float32).reshape(1, 5, 6, 2) / 10
    expected = np.sum(a[:, 2:3, 2:4] ** 2) / a.size
    assert float(border_activation(tf.constant(a), border=2)) == pytest.approx(expected)
    assert float(border_activation(tf.constant(a[:, :4]), border=2)) == 0.0  # empty crop
    assert float(border_activation(tf.constant(a), kind="mean")) == pytest.approx(a.mean())


# ------------------------------------------------------------------ the TensorFlow tutorial


def tutorial_calc_loss(img, trunk):
    """Sum over the layers of the mean activation, for one (h, w, 3) image."""
    return tf.reduce_sum([tf.reduce_mean(act) for act in trunk(img[None])])


def tutorial_tiled_gradients(img, trunk, shift, tile):
    """The tutorial's TiledGradients with a given roll: roll the image, tiles start at
    multiples of ``tile`` (the last start of each axis skipped unless it is the only one),
    the tiles' gradients summed, rolled back, divided by std + 1e-8."""
    rolled = tf.roll(img, shift=shift, axis=[0, 1])
    grads = tf.zeros_like(rolled)
    height, width = img.shape[:2]
    xs = list(range(0, width, tile))[:-1] or [0]
    ys = list(range(0, height, tile))[:-1] or [0]
    for x in xs:
        for y in ys:
            with tf.GradientTape() as tape:
                tape.watch(rolled)
                loss = tutorial_calc_loss(rolled[y : y + tile, x : x + tile], trunk)
            grads += tape.gradient(loss, rolled)
    grads = tf.roll(grads, shift=[-shift[0], -shift[1]], axis=[0, 1])
    return grads / (tf.math.reduce_std(grads) + 1e-8)


def tutorial_octaves(photo, trunk, shifts, tile, steps, octave_scale=1.3):
    """run_deep_dream_with_octaves: octaves -2 ... 2, size int(float32(base) * 1.3**n), the
    previous image resized (bilinear), steps of img + 0.01 g clipped to [-1, 1]; at the end
    resized back to the base size."""
    base = photo.shape[:2]
    img = tf.constant(photo.astype(np.float32)) / 127.5 - 1.0
    for octave in range(-2, 3):
        size = tf.cast(tf.constant(base, tf.float32) * (octave_scale**octave), tf.int32)
        img = tf.image.resize(img, size)
        for _ in range(steps):
            grads = tutorial_tiled_gradients(img, trunk, next(shifts), tile)
            img = tf.clip_by_value(img + grads * 0.01, -1, 1)
    return tf.image.resize(img, base).numpy()


@pytest.fixture(scope="module")
def tutorial_net():
    trunk = tiny_trunk(TUTORIAL_LAYERS, n=5)
    return trunk, as_network(trunk, TUTORIAL_LAYERS)


def tutorial_objective(network):
    cfg = RECIPES["tutorial"]
    return DreamObjective(
        cfg.terms, network.layers, network.channels, kind=cfg.objective, border=cfg.loss_border
    )


def test_tutorial_one_tiled_step_matches(tutorial_net):
    """One step of the tiled scheme on an image of several tiles with a partial last tile
    (whose pixels get no gradient), rolled by a given shift."""
    trunk, network = tutorial_net
    photo = photo_u8(40, 53)
    shift = (5, -7)
    expected = tutorial_tiled_gradients(
        tf.constant(photo.astype(np.float32)) / 127.5 - 1.0, trunk, shift, tile=16
    ).numpy()
    assert np.mean(expected == 0) > 0.05  # the skipped last tiles
    cfg = RECIPES["tutorial"]
    gradient = TiledGradient(network.features, tutorial_objective(network), 16, 0, "tutorial")
    img01 = photo.astype(np.float32) / 255.0
    ours, _ = ascent_step(
        img01, gradient, cfg.step_size, shift, normalize=cfg.normalize,
        epsilon=cfg.grad_epsilon, clip=cfg.clip,
    )  # fmt: skip
    reference = np.clip(img01 * 2 - 1 + 0.01 * expected, -1, 1)
    # one step of 0.005 g / std(g) in [0, 1]: the gradient's float32 error 3 u sqrt(2 K) = 3.5e-6
    # on pixels of |g| up to ~10 std moves it by 2e-7; a few roundings of the pixel add 2e-7
    np.testing.assert_allclose(ours, (reference + 1) / 2, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def tutorial_case(tutorial_net):
    trunk, network = tutorial_net
    photo = photo_u8(40, 52)
    tile, steps = 16, 3
    draw = rng(4)
    rolls = [tuple(int(v) for v in draw.integers(-tile, tile, 2)) for _ in range(5 * steps)]
    reference = tutorial_octaves(photo, trunk, iter(rolls), tile, steps)
    return network, photo, rolls, (reference + 1) / 2


def run_tutorial_ours(network, photo, rolls, monkeypatch, **changes):
    """Our tutorial recipe with 16 px tiles (and rolls), 3 steps, replaying ``rolls``."""
    replay = iter(rolls)
    monkeypatch.setattr(dream_module, "random_shift", lambda *args: next(replay))
    cfg = RECIPES["tutorial"].replace(steps=3, tile_size=16, jitter=16, seed=seed(0), **changes)
    objective = DreamObjective(
        cfg.terms, network.layers, network.channels, kind=cfg.objective, border=cfg.loss_border
    )
    return list(dream(photo.astype(np.float32) / 255.0, network, objective, cfg))


def test_tutorial_recipe_matches_the_tutorial(tutorial_case, monkeypatch):
    """Five octaves of 1.3 up to 1.69x the input and back, three steps each, the same rolls."""
    network, photo, rolls, expected = tutorial_case
    result = run_tutorial_ours(network, photo, rolls, monkeypatch)
    sizes = [s.image.shape[:2] for s in result if s.step == 0]
    assert sizes == [(23, 30), (30, 40), (40, 52), (52, 67), (67, 87)]
    assert result[-1].done and result[-1].image.shape == photo.shape
    # 15 steps over 5 octaves: the same budget as the Keras recipe's 15 steps (see above)
    np.testing.assert_allclose(result[-1].image, expected, rtol=0, atol=2e-5)


@pytest.mark.parametrize(
    "change",
    [
        {"tile_layout": "cover"},
        {"objective": "l2"},
        {"normalize": "mean_abs"},
        {"detail": "before"},
        {"resize": "bicubic"},
        {"clip": False},
        {"finest_octave": 0},
    ],
)
def test_each_tutorial_setting_matters(tutorial_case, monkeypatch, change):
    network, photo, rolls, expected = tutorial_case
    ours = run_tutorial_ours(network, photo, rolls, monkeypatch, **change)[-1].image
    assert np.abs(ours - expected).max() > 1e-3


def test_tutorial_octave_sizes_are_float32():
    """The tutorial truncates float32(side) * float32(1.3**n): 90 * 1.3 gives 116, not 117."""
    assert octave_shapes(90, 169, 5, 1.3, 2, "float32") == [
        (53, 100), (69, 130), (90, 169), (116, 219), (152, 285)
    ]  # fmt: skip
    assert octave_shapes(90, 169, 5, 1.3, 2, "float64")[3] == (117, 219)


def test_tutorial_roll_and_jitter_zero():
    """The tutorial rolls by up to its tile size and never moves a grid besides; --jitter 0
    means no shift at all, even on an image of several tiles."""
    cfg = RECIPES["tutorial"]
    draw = rng(0)
    shape = (2000, 1500)
    draws = np.array(
        [random_shift(draw, shape, cfg.jitter, cfg.tile_size, cfg.tile_shift) for _ in range(3000)]
    )
    assert draws.min() == -512 and draws.max() <= 512  # ours: [-512, 512]; tutorial [-512, 512)
    # 6000 uniform draws on 1025 values (std 296): the mean's standard error is 3.8, so 20 is
    # 5 of them; the sample std's relative standard error is sqrt(0.8 / 6000) / 2 = 0.6%, 5% is 8
    assert abs(draws.mean()) < 20 and draws.std() == pytest.approx(1025 / 12**0.5, rel=0.05)
    for tile_shift in (True, False):
        assert random_shift(draw, shape, 0, 512, tile_shift) == (0, 0)
    default = RECIPES["default"]
    moved = [random_shift(draw, shape, default.jitter, default.tile_size, True) for _ in range(200)]
    assert max(max(s) for s in moved) > default.jitter  # the default still moves its tile grid


def test_jitter_zero_is_deterministic_on_a_tiled_image(tutorial_net):
    """--jitter 0: no roll and no tile-grid offset, so the seed no longer matters even when the
    image spans several tiles; with jitter the grid moves and seeds differ."""
    _, network = tutorial_net
    img = photo_u8(40, 50).astype(np.float32) / 255.0
    objective = DreamObjective((LayerTerm("mixed5", 1.0),), network.layers, network.channels)

    def run(**changes):
        cfg = RECIPES["default"].replace(octaves=1, steps=2, tile_size=16, **changes)
        return list(dream(img, network, objective, cfg))[-1].image

    np.testing.assert_array_equal(run(jitter=0, seed=seed(1)), run(jitter=0, seed=seed(2)))
    assert not np.array_equal(run(jitter=2, seed=seed(1)), run(jitter=2, seed=seed(2)))


def test_tutorial_tile_layout_known_values():
    """The tutorial skips the last tile start of each axis unless it is the only one, so a
    1024 px side gets one 512 px tile; tile size 0 is the whole side (Keras recipe)."""
    assert tile_bounds(1024, 512, "tutorial") == [(0, 512)]
    assert tile_bounds(1100, 512, "tutorial") == [(0, 512), (512, 1024)]
    assert tile_bounds(300, 512, "tutorial") == [(0, 300)]
    assert tile_bounds(1100, 512) == [(0, 367), (367, 733), (733, 1100)]
    assert tile_bounds(1100, 0) == [(0, 1100)]


def test_early_stop_ends_each_octave_and_zoom_frame(tutorial_net):
    """A loss threshold below every loss: one step per octave, the last one marked done, and a
    zoom animation still finishes every frame."""
    _, network = tutorial_net
    img = photo_u8(36, 40).astype(np.float32) / 255.0
    cfg = RECIPES["keras"].replace(terms=(LayerTerm("mixed5", 1.0),), steps=4, max_loss=-1.0)
    objective = DreamObjective(cfg.terms, network.layers, network.channels, border=2)
    steps = list(dream(img, network, objective, cfg))
    assert [(s.octave, s.step, s.done) for s in steps] == [
        (0, 0, False),
        (1, 0, False),
        (2, 0, True),
    ]
    events = list(zoom_dream(img, network, objective, cfg, frames=2, zoom=1.1))
    assert [(e.frame, e.done) for e in events if e.done] == [(0, True), (1, True)]
    assert len(events) == 6
