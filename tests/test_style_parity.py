"""``--compat an`` against anishathalye/neural-style ("AN"), transcribed here from its published
``neural_style.py``, ``stylize.py`` and ``vgg.py`` (read for their algorithm, not copied):

* the network read from a MatConvNet file: each kernel's first two axes swapped (AN takes the
  stored ``h x w x in x out`` for ``w x h x in x out``), the mean pixel averaged from
  ``normalization.averageImage``, input ``image - mean`` in RGB on the 0-255 scale;
  convolutions and 2x2 max pooling with ``SAME`` padding;
* images: ``--width`` gives ``floor(H / W * width)`` rows; a style is resized by the factor
  ``scale * width / W_style`` with both sides truncated; ``--initial`` to the content's shape;
  every resize is Pillow's default filter (bicubic) on uint8;
* losses: content ``blend * w_c * 2 l2(F - P) / size(P)`` on relu4_2 and ``1 - blend`` on relu5_2;
  Gram ``F^T F / size(F)``; style ``w_s * b_s * sum_l w_l 2 l2(G - A) / size(A)`` with
  ``w_l ~ exp^l`` normalised to sum 1 and ``b_s`` normalised to sum 1; TV
  ``w_tv * 2 (l2(dy) / size(dy) + l2(dx) / size(dx))``, where ``l2(x) = sum(x^2) / 2``;
* TensorFlow 1's Adam (its float32 kernel: running products ``beta**t``, bias correction in
  float32) on the mean-subtracted 0-255 image, never clipped.

It runs on a narrow VGG19-shaped network (VGG19's layers, 4-8 channels) written as a MatConvNet
file, with odd image sides, several steps, two styles and non-default weights.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import scipy.io
import seeds
import tensorflow as tf
from matconvnet_files import matconvnet_entries, write_matconvnet
from PIL import Image

from style_transfer import resizing, transfer, vgg

NARROW = {1: 4, 2: 6, 3: 8, 4: 8, 5: 8}
MEAN_RGB = (110.0, 121.5, 95.25)  # not ImageNet's: the file's own mean must be used
SETTINGS = dict(
    content_weight=5.0,
    content_weight_blend=0.6,
    style_weight=500.0,
    style_layer_weight_exp=2.0,
    tv_weight=40.0,
    style_blend_weights=(1.0, 3.0),
    style_scales=(1.0, 0.8),
    learning_rate=10.0,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    iterations=4,
)
WIDTH = 29
#: float32's unit roundoff (round to nearest): the relative error of one rounding is at most u.
U32 = 2.0**-24


# ----------------------------------------------------------------- AN, transcribed


def an_load_net(path) -> tuple[list, np.ndarray]:
    data = scipy.io.loadmat(path)
    average = data["normalization"][0, 0]["averageImage"]
    mean_pixel = np.mean(average, axis=(0, 1))
    layers = []
    for cell in data["layers"][0]:
        record = cell[0, 0]
        name, kind = str(record["name"][0]), str(record["type"][0])
        if kind == "conv" and name.startswith("conv"):
            kernel, bias = record["weights"][0]
            layers.append((name, "conv", np.transpose(kernel, (1, 0, 2, 3)), bias.reshape(-1)))
        elif kind in ("relu", "pool"):
            layers.append((name, kind, None, None))
    return layers, mean_pixel


def an_net(layers, image) -> dict:
    net, x = {}, image
    for name, kind, kernel, bias in layers:
        if kind == "conv":
            kernel, bias = tf.constant(kernel, x.dtype), tf.constant(bias, x.dtype)
            x = tf.nn.bias_add(tf.nn.conv2d(x, kernel, 1, "SAME"), bias)
        elif kind == "relu":
            x = tf.nn.relu(x)
        else:
            x = tf.nn.max_pool2d(x, 2, 2, "SAME")
        net[name] = x
    return net


def an_imresize(array: np.ndarray, size) -> np.ndarray:
    img = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    if isinstance(size, tuple):
        height, width = size
    else:
        width, height = int(img.width * size), int(img.height * size)
    return np.array(img.resize((width, height)))


def an_inputs(content, styles, initial, width, scales):
    shape = (int(math.floor(float(content.shape[0]) / content.shape[1] * width)), width)
    content = an_imresize(content, shape)
    pairs = zip(styles, scales, strict=True)
    styles = [an_imresize(s, k * content.shape[1] / s.shape[1]) for s, k in pairs]
    return content, styles, an_imresize(initial, content.shape[:2])


def an_losses(path, content, styles, s, dtype=tf.float32):
    """AN's loss terms as a function of its variable (the mean-subtracted 0-255 image), computed
    in ``dtype`` (AN's float32, or float64 as an exact reference)."""
    layers, mean = an_load_net(path)
    style_layers = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    raw = [s["style_layer_weight_exp"] ** i for i in range(len(style_layers))]
    layer_w = {name: r / sum(raw) for name, r in zip(style_layers, raw, strict=True)}
    blend = [b / sum(s["style_blend_weights"]) for b in s["style_blend_weights"]]
    content_w = {"relu4_2": s["content_weight_blend"], "relu5_2": 1 - s["content_weight_blend"]}

    def pre(image):
        return tf.constant((np.asarray(image, dtype.as_numpy_dtype) - mean)[None], dtype)

    targets = an_net(layers, pre(content))
    content_features = {name: targets[name] for name in content_w}
    grams = []
    for style in styles:
        net = an_net(layers, pre(style))
        per = {}
        for name in style_layers:
            f = np.reshape(net[name].numpy(), (-1, net[name].shape[3]))
            per[name] = np.matmul(f.T, f) / f.size
        grams.append(per)

    def l2(x):
        return tf.reduce_sum(tf.square(x)) / 2

    def losses(image):
        net = an_net(layers, image)
        c = sum(
            content_w[n] * s["content_weight"] * (2 * l2(net[n] - p) / int(np.prod(p.shape)))
            for n, p in content_features.items()
        )
        st = 0.0
        for b, targets in zip(blend, grams, strict=True):
            terms = []
            for name in style_layers:
                f = tf.reshape(net[name], (-1, net[name].shape[3]))
                g = tf.matmul(tf.transpose(f), f) / int(np.prod(net[name].shape))
                terms.append(layer_w[name] * 2 * l2(g - targets[name]) / targets[name].size)
            st += s["style_weight"] * b * tf.add_n(terms)
        dy, dx = image[:, 1:] - image[:, :-1], image[:, :, 1:] - image[:, :, :-1]
        ny, nx = int(np.prod(dy.shape)), int(np.prod(dx.shape))
        tv = s["tv_weight"] * 2 * (l2(dy) / ny + l2(dx) / nx)
        return {"content": c, "style": st, "tv": tv, "total": c + st + tv}

    return losses, pre, mean


def an_stylize(path, content, styles, initial, s, gradient_error=0.0):
    """AN's Adam steps; yields ``(losses, image, spread)`` per step. ``spread`` bounds, to first
    order, how far the iterate moves if every gradient is off by ``gradient_error * rms(g)``
    per pixel: ``dm_t = b1 dm + (1 - b1) dg``, ``dv_t = b2 dv + 2 (1 - b2) |g| dg`` and the step
    ``alpha m / r``, ``r = sqrt(v) + eps``, moves by ``alpha (|dm| / r + |m| dv / (2 r^3))``
    (0-255 units)."""
    losses, pre, mean = an_losses(path, content, styles, s)
    x = tf.Variable(pre(initial))
    m, v = tf.zeros_like(x), tf.zeros_like(x)
    dm = dv = spread = np.zeros(x.shape, np.float64)
    f32 = np.float32
    lr, b1, b2, eps = (f32(s[k]) for k in ("learning_rate", "beta1", "beta2", "epsilon"))
    b1_power, b2_power = b1, b2  # TF1's AdamOptimizer: float32 running products
    for _ in range(s["iterations"]):
        with tf.GradientTape() as tape:
            total = losses(x)["total"]
        g = tape.gradient(total, x)
        alpha = lr * np.sqrt(f32(1) - b2_power) / (f32(1) - b1_power)  # in float32, as TF1
        m = m + (g - m) * (f32(1) - b1)
        v = v + (g * g - v) * (f32(1) - b2)
        x.assign_sub(alpha * m / (tf.sqrt(v) + eps))
        b1_power, b2_power = f32(b1_power * b1), f32(b2_power * b2)
        g64, m64, v64 = (np.asarray(t, np.float64) for t in (g, m, v))
        dg = gradient_error * np.sqrt(np.mean(g64**2))
        dm = b1 * dm + (1 - b1) * dg
        dv = b2 * dv + 2 * (1 - b2) * np.abs(g64) * dg
        root = np.sqrt(v64) + eps
        spread = spread + alpha * (dm / root + np.abs(m64) * dv / (2 * root**3))
        yield {k: float(val) for k, val in losses(x).items()}, x.numpy()[0] + mean, spread[0]


def chain_lengths(layers) -> dict[str, int]:
    """``{layer: K_l}``: the terms accumulated from the input to layer l, the sum over its
    convolutions of their dot products' length ``3 * 3 * C_in + 1`` (the bias)."""
    lengths, total = {}, 0
    for name, kind, kernel, _ in layers:
        if kind == "conv":
            total += int(np.prod(kernel.shape[:3])) + 1
        lengths["relu" + name[4:]] = total  # conv1_1 -> relu1_1; pool1 -> "relu1"
    return lengths


def _mean_square_variance(d: np.ndarray, variance: np.ndarray) -> float:
    """Variance of float32 ``mean(d**2)`` when each ``d_i`` carries an independent error of
    variance ``variance_i``: to first order ``(2/n)^2 sum d_i^2 variance_i``, plus the mean's own
    accumulation, a relative error of standard deviation ``u sqrt(n)``."""
    n = d.size
    return float((2 / n) ** 2 * np.sum(d * d * variance) + (U32 * np.sqrt(n) * np.mean(d * d)) ** 2)


def float32_tolerance(path, content, styles, image, s) -> dict[str, float]:
    """Relative tolerance of each of our float32 losses at ``image`` against their exact values:
    three standard deviations of the rounding error in the usual probabilistic model (Higham,
    "Accuracy and Stability of Numerical Algorithms", 2nd ed., sections 2.8 and 3.1): a float32
    dot product of k terms has a relative error of standard deviation about u sqrt(k), so every
    feature of layer l carries an independent relative error e_l = u sqrt(K_l)
    (:func:`chain_lengths`), the content and style targets as well; the pixels of TV's 0-255 image
    carry one rounding each. Computed in float64 from AN's network at ``image`` (RGB 0-255)."""
    layers, mean = an_load_net(path)
    lengths = chain_lengths(layers)

    def net(pixels):
        x = tf.constant((np.asarray(pixels, np.float64) - mean)[None], tf.float64)
        return {k: v.numpy()[0] for k, v in an_net(layers, x).items()}

    raw = [s["style_layer_weight_exp"] ** i for i in range(5)]
    style_layers = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    blend = [b / sum(s["style_blend_weights"]) for b in s["style_blend_weights"]]
    content_w = {"relu4_2": s["content_weight_blend"], "relu5_2": 1 - s["content_weight_blend"]}
    at, target = net(image), net(content)
    value, variance = {}, {}
    value["content"] = variance["content"] = 0.0
    for name, w in content_w.items():
        f, p = at[name], target[name]
        e2 = U32**2 * lengths[name]
        weight = w * s["content_weight"]
        value["content"] += weight * np.mean((f - p) ** 2)
        variance["content"] += weight**2 * _mean_square_variance(f - p, e2 * (f * f + p * p))

    def gram_and_variance(features, e2):
        f = features.reshape(-1, features.shape[-1])
        gram = f.T @ f / f.size
        # d G_ij = sum_k F_ki F_kj (x_ki + x_kj) e / size, x independent of variance 1
        rounding = e2 * (2 + 2 * np.eye(f.shape[1])) * ((f * f).T @ (f * f)) / f.size**2
        accumulation = (U32 * np.sqrt(f.shape[0]) * (np.abs(f).T @ np.abs(f)) / f.size) ** 2
        return gram, rounding + accumulation

    value["style"] = variance["style"] = 0.0
    for b, style in zip(blend, styles, strict=True):
        ref = net(style)
        for i, name in enumerate(style_layers):
            e2 = U32**2 * lengths[name]
            g, g_var = gram_and_variance(at[name], e2)
            a, a_var = gram_and_variance(ref[name], e2)
            weight = s["style_weight"] * b * raw[i] / sum(raw)
            value["style"] += weight * np.mean((g - a) ** 2)
            variance["style"] += weight**2 * _mean_square_variance(g - a, g_var + a_var)
    value["tv"] = variance["tv"] = 0.0
    pixels = np.asarray(image, np.float64)
    for axis in (0, 1):
        ahead, behind = np.delete(pixels, 0, axis), np.delete(pixels, -1, axis)
        d, d_var = ahead - behind, U32**2 * (ahead**2 + behind**2)
        value["tv"] += s["tv_weight"] * np.mean(d * d)
        variance["tv"] += s["tv_weight"] ** 2 * _mean_square_variance(d, d_var)
    value["total"], variance["total"] = sum(value.values()), sum(variance.values())
    return {key: 3 * np.sqrt(variance[key]) / value[key] for key in value}


# ----------------------------------------------------------------- ours


def narrow_vgg19() -> keras.Model:
    """Keras model with VGG19's layer names and NARROW channel counts."""
    inputs = keras.Input((None, None, 3))
    x = inputs
    for name in vgg.VGG19_LAYERS:
        block = int(name[5])
        if name.endswith("_pool"):
            x = keras.layers.MaxPooling2D(2, name=name)(x)
        else:
            x = keras.layers.Conv2D(NARROW[block], 3, padding="same", activation="relu", name=name)(
                x
            )
    return keras.Model(inputs, x)


def _pattern(h: int, w: int, seed: int) -> np.ndarray:
    """uint8 RGB with saturated corners (so unclipped Adam steps leave [0, 255])."""
    rng = seeds.rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    image = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin(x / 2.0 + y / 3.0)], -1) * 300 - 20
    return np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("an") / "narrow-vgg19.mat"
    write_matconvnet(path, matconvnet_entries(NARROW, seed=3), MEAN_RGB)
    images = {
        "content": _pattern(45, 37, 0),
        "styles": [_pattern(33, 41, 1)[::-1], _pattern(50, 27, 2)[:, ::-1]],
        "initial": _pattern(20, 17, 3),
    }
    return path, images


def ours(path, images, *, pool_padding="same", clip=False, **settings):
    net = narrow_vgg19()
    assert vgg.load_matconvnet_weights(net, str(path)) == pytest.approx(MEAN_RGB)
    config = transfer.StyleConfig(
        optimizer="adam", resize="pillow", adam_clip=clip, **{**SETTINGS, **settings}
    )
    model = transfer.build_feature_model(
        config, net, "max", pool_padding=pool_padding, transpose_kernels=True
    )
    content = resizing.resize_to_width(images["content"] / 255.0, WIDTH, "pillow")
    styles = [s / 255.0 for s in images["styles"]]
    start = transfer.initial_image(
        images["initial"] / 255.0, content, styles, 0.0, seeds.rng(0), resize="pillow"
    )
    return content, start, list(transfer.stylize(content, styles, model, config, start))


def test_compat_an_reproduces_an_losses_and_adam_steps(setup):
    path, images = setup
    an_content, an_styles, an_initial = an_inputs(
        images["content"], images["styles"], images["initial"], WIDTH, SETTINGS["style_scales"]
    )
    assert an_content.shape == (35, 29, 3)  # odd sides; floor(45 / 37 * 29) = 35
    assert [s.shape for s in an_styles] == [(23, 29, 3), (42, 23, 3)]
    content, start, steps = ours(path, images)
    np.testing.assert_array_equal(np.round(content * 255), an_content)
    np.testing.assert_array_equal(np.round(start * 255), an_initial)
    for style, scale, theirs in zip(
        images["styles"], SETTINGS["style_scales"], an_styles, strict=True
    ):
        resized = resizing.scaled_style(style / 255.0, WIDTH, scale, "pillow")
        np.testing.assert_array_equal(np.round(resized * 255), theirs)
    # float32 gradients carry a relative error of about u sqrt(2 K) (K terms accumulated on the way
    # to the deepest layer and back, see chain_lengths): at three standard deviations it moves AN's
    # iterates by ``spread``; ours may differ from AN's by twice that (the difference feeds back
    # into the gradient), plus one float32 rounding of each pixel per step on either side.
    deepest = max(chain_lengths(an_load_net(str(path))[0]).values())
    gradient_error = 3 * U32 * np.sqrt(2 * deepest)
    theirs = list(
        an_stylize(str(path), an_content, an_styles, an_initial, SETTINGS, gradient_error)
    )
    assert len(steps) == len(theirs) == SETTINGS["iterations"]
    # AN's losses, computed exactly (float64), at our own iterate: our float32 losses must be
    # theirs to within float32's rounding there; AN's float32 Adam must take our steps.
    exact, to_an, _ = an_losses(str(path), an_content, an_styles, SETTINGS, tf.float64)
    for t, (ours_t, theirs_t) in enumerate(zip(steps, theirs, strict=True)):
        (_, image, our_losses), (_, their_image, spread) = ours_t, theirs_t
        pixels = image.astype(np.float64) * 255.0
        reference = {k: float(v) for k, v in exact(to_an(pixels)).items()}
        tolerance = float32_tolerance(str(path), an_content, an_styles, pixels, SETTINGS)
        for key, value in reference.items():
            assert our_losses[key] == pytest.approx(value, rel=tolerance[key]), key
        storage = 2 * (t + 1) * U32 * 255.0
        assert np.all(np.abs(image * 255.0 - their_image) <= 2 * spread + storage)
    final = steps[-1][1]
    assert final.min() < 0.0 or final.max() > 1.0  # not clipped, as AN


def test_each_compat_setting_matters(setup):
    """Valid pooling or per-step clipping alone moves the losses away from AN's."""
    path, images = setup
    reference = ours(path, images)[2]
    for changed in (ours(path, images, pool_padding="valid"), ours(path, images, clip=True)):
        first, last = changed[2][0][2]["total"], changed[2][-1][2]["total"]
        assert (
            abs(last / reference[-1][2]["total"] - 1) > 1e-4
            or abs(first / reference[0][2]["total"] - 1) > 1e-4
        )
