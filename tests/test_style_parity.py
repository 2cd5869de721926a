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
#: Relative agreement required of each loss at every step. float32 rounding differs (our pixels
#: are stored on [0, 1], AN's mean-subtracted on 0-255: the iterates differ by up to 2.4e-4 grey
#: levels after 4 steps), which moves the total, style and TV losses by up to 5e-7 and the
#: content loss, a small difference of large features, by up to 1.5e-6 (measured).
TOLERANCE = {"total": 1e-6, "style": 1e-6, "tv": 1e-6, "content": 2e-6}


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
            x = tf.nn.bias_add(tf.nn.conv2d(x, tf.constant(kernel), 1, "SAME"), bias)
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


def an_losses(path, content, styles, s):
    """AN's loss terms as a function of its variable (the mean-subtracted 0-255 image)."""
    layers, mean = an_load_net(path)
    style_layers = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    raw = [s["style_layer_weight_exp"] ** i for i in range(len(style_layers))]
    layer_w = {name: r / sum(raw) for name, r in zip(style_layers, raw, strict=True)}
    blend = [b / sum(s["style_blend_weights"]) for b in s["style_blend_weights"]]
    content_w = {"relu4_2": s["content_weight_blend"], "relu5_2": 1 - s["content_weight_blend"]}

    def pre(image):
        return tf.constant((np.asarray(image, np.float32) - mean)[None], tf.float32)

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


def an_stylize(path, content, styles, initial, s):
    losses, pre, mean = an_losses(path, content, styles, s)
    x = tf.Variable(pre(initial))
    m, v = tf.zeros_like(x), tf.zeros_like(x)
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
        yield {k: float(val) for k, val in losses(x).items()}, x.numpy()[0] + mean


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
    rng = np.random.default_rng(seed)
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
        images["initial"] / 255.0, content, styles, 0.0, np.random.default_rng(0), resize="pillow"
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
    theirs = list(an_stylize(str(path), an_content, an_styles, an_initial, SETTINGS))
    assert len(steps) == len(theirs) == SETTINGS["iterations"]
    for (_, image, our_losses), (their_losses, their_image) in zip(steps, theirs, strict=True):
        for key, rel in TOLERANCE.items():
            assert our_losses[key] == pytest.approx(their_losses[key], rel=rel), key
        np.testing.assert_allclose(image * 255.0, their_image, atol=1e-3)
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
