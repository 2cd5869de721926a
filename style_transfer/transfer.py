"""Neural style transfer (Gatys, Ecker & Bethge, CVPR 2016) as a generator.

:func:`stylize` yields ``(iteration, image, losses)``; the feature extractor is passed in (see
:func:`style_transfer.vgg.vgg19_feature_model`), so tests use tiny or random networks. Defaults
of :class:`StyleConfig` are anishathalye/neural-style's (with its normalisation, see
:mod:`style_transfer.losses`) and the optimiser is L-BFGS as in Gatys et al. and jcjohnson.
``resize="pillow"`` and ``adam_clip=False`` (with a ``pool_padding="same"`` feature model, see
:func:`build_feature_model`) are neural-style's own resizing and unbounded Adam steps.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import tensorflow as tf
from PIL import Image

import imaging
from common.errors import UserError
from style_transfer import losses as L
from style_transfer.optimize import adam, lbfgs
from style_transfer.vgg import (
    IMAGENET_MEAN_RGB,
    VGG19_LAYERS,
    canonical_layer_name,
    vgg19_feature_model,
)

CONTENT_LAYERS = ("relu4_2", "relu5_2")  # blended by content_weight_blend, as neural-style
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "style")
RESIZES = ("matlab", "pillow")

#: neural-style's starting noise: N(0, 0.256^2) on the 0-255 scale around the mean pixel
#: (``tf.random_normal(shape) * 0.256`` added in its mean-subtracted space), here on [0, 1].
AN_NOISE_SIGMA = 0.256 / 255.0

FeatureModel = Callable[[tf.Tensor], Mapping[str, tf.Tensor]]


@dataclasses.dataclass(frozen=True)
class StyleConfig:
    """Loss weights and optimiser of one style transfer; defaults are neural-style's / Gatys'.

    ``content_layers`` None means neural-style's relu4_2 (weight ``content_weight_blend``) and
    relu5_2 (weight ``1 - content_weight_blend``); otherwise the given layers, equally weighted.
    ``sizes``: image widths of the coarse-to-fine stages (empty: one stage at the content's size);
    ``stage_iterations``: iterations per stage (None: ``iterations`` at every stage).
    ``resize``: ``"matlab"`` (MATLAB bicubic in float, sizes rounded) or ``"pillow"``
    (neural-style's: Pillow bicubic on uint8, sizes floored); ``adam_clip``: clip the pixels to
    [0, 1] after each Adam step (neural-style does not).
    """

    content_weight: float = 5.0
    content_weight_blend: float = 1.0
    style_weight: float = 500.0
    style_layer_weight_exp: float = 1.0
    tv_weight: float = 100.0
    content_layers: tuple[str, ...] | None = None
    style_layers: tuple[str, ...] = STYLE_LAYERS
    style_blend_weights: tuple[float, ...] | None = None
    style_scales: tuple[float, ...] | None = None
    optimizer: str = "lbfgs"
    iterations: int = 1000
    learning_rate: float = 10.0
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    lbfgs_memory: int = 10
    sizes: tuple[int, ...] = ()
    stage_iterations: tuple[int, ...] | None = None
    resize: str = "matlab"
    adam_clip: bool = True


def content_layer_weights(config: StyleConfig) -> dict[str, float]:
    """``{keras layer: weight}`` of the content loss (zero weights dropped)."""
    if config.content_layers is None:
        blend = config.content_weight_blend
        pairs = zip(CONTENT_LAYERS, (blend, 1.0 - blend), strict=True)
    else:
        pairs = ((n, 1.0 / len(config.content_layers)) for n in config.content_layers)
    weights: dict[str, float] = {}
    for name, weight in pairs:
        if weight:
            key = canonical_layer_name(name)
            weights[key] = weights.get(key, 0.0) + weight
    if not weights:
        raise ValueError("the content loss needs at least one layer with non-zero weight")
    return weights


def style_layer_weights(config: StyleConfig) -> dict[str, float]:
    """``{keras layer: w_l}``, ``w_l`` proportional to ``style_layer_weight_exp ** l``, sum 1."""
    names = [canonical_layer_name(n) for n in config.style_layers]
    if len(set(names)) != len(names):
        raise ValueError(f"repeated style layer in {list(config.style_layers)}")
    return L.style_layer_weights(names, config.style_layer_weight_exp)


def feature_layers(config: StyleConfig) -> list[str]:
    """All (Keras) layers the feature extractor must output, shallow to deep."""
    names = set(content_layer_weights(config)) | set(style_layer_weights(config))
    return sorted(names, key=VGG19_LAYERS.index)


def build_feature_model(
    config: StyleConfig,
    weights="imagenet",
    pooling: str = "max",
    precision: str = "float32",
    *,
    pool_padding: str = "valid",
    transpose_kernels: bool = False,
):
    """VGG19 extractor of the layers ``config`` needs (see :func:`vgg19_feature_model`).

    Under ``precision="mixed_bfloat16"`` the features stay bfloat16, so the Gram products run in
    bfloat16 like the convolutions; every loss reduction is float32.
    """
    return vgg19_feature_model(
        feature_layers(config),
        weights,
        pooling,
        pool_padding=pool_padding,
        transpose_kernels=transpose_kernels,
        dtype_policy=precision,
        float32_outputs=False,
    )


def min_image_side(config: StyleConfig) -> int:
    """Smallest side the network accepts: each pooling before the deepest layer halves it."""
    deepest = feature_layers(config)[-1]
    pools = sum(1 for n in VGG19_LAYERS[: VGG19_LAYERS.index(deepest)] if n.endswith("_pool"))
    return 2**pools


def width_shape(shape: Sequence[int], width: int, method: str = "matlab") -> tuple[int, int]:
    """``(H, W)`` of an image of ``shape`` resized to ``width`` wide, aspect kept.

    ``"matlab"``: height rounded; ``"pillow"``: ``floor(H / W * width)`` in floating point, as
    neural-style's ``--width`` (which may drop a row even when ``width == W``).
    """
    h, w = int(shape[0]), int(shape[1])
    if method == "pillow":
        return max(1, int(math.floor(float(h) / w * width))), int(width)
    return max(1, round(h * width / w)), int(width)


def style_shape(
    shape: Sequence[int], content_width: int, scale: float = 1.0, method: str = "matlab"
) -> tuple[int, int]:
    """``(H, W)`` of a style image of ``shape`` scaled to ``scale * content_width`` wide.

    ``"pillow"``: neural-style's arithmetic, both sides ``int(side * scale * content_width / W)``.
    """
    if method == "pillow":
        factor = scale * content_width / shape[1]
        return max(1, int(shape[0] * factor)), max(1, int(shape[1] * factor))
    return width_shape(shape, max(1, round(scale * content_width)))


def pillow_resize(image: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """neural-style's resize: to uint8 (rounded here), Pillow bicubic to ``(H, W)``; float32 [0, 1].

    Pillow's bicubic (a = -0.5, antialiased when shrinking) works on and returns uint8.
    """
    pixels = np.round(np.clip(np.asarray(image, np.float64), 0, 1) * 255.0).astype(np.uint8)
    resized = Image.fromarray(pixels).resize((int(shape[1]), int(shape[0])), Image.BICUBIC)
    return (np.asarray(resized, np.float32) / np.float32(255.0)).astype(np.float32)


def resize_to_shape(image: np.ndarray, shape: Sequence[int], method: str = "matlab") -> np.ndarray:
    """Bicubic resize to ``(H, W)`` (MATLAB's in float, or Pillow's on uint8); float32 [0, 1]."""
    if tuple(image.shape[:2]) == tuple(shape[:2]):
        return np.asarray(image, np.float32)
    if method == "pillow":
        return pillow_resize(image, shape)
    out = imaging.imresize(image, output_shape=tuple(shape[:2]))
    return np.clip(out, 0, 1).astype(np.float32)


def resize_to_width(image: np.ndarray, width: int, method: str = "matlab") -> np.ndarray:
    """Bicubic resize to ``width`` keeping the aspect ratio (:func:`width_shape`); float32."""
    return resize_to_shape(image, width_shape(image.shape, width, method), method)


def stage_shape(shape: Sequence[int], width: int, method: str = "matlab") -> tuple[int, int]:
    """``(H, W)`` of a coarse-to-fine stage of ``width``: the content's own at its own width."""
    if int(width) == int(shape[1]):
        return int(shape[0]), int(shape[1])
    return width_shape(shape, width, method)


def scaled_style(
    style: np.ndarray, content_width: int, scale: float = 1.0, method: str = "matlab"
) -> np.ndarray:
    """neural-style's --style-scales: the style is resized to ``scale * content_width`` wide."""
    return resize_to_shape(style, style_shape(style.shape, content_width, scale, method), method)


def noise_image(
    content: np.ndarray,
    rng: np.random.Generator,
    *,
    mean_rgb: Sequence[float] = IMAGENET_MEAN_RGB,
    sigma: float | None = None,
) -> np.ndarray:
    """The network's mean colour plus Gaussian noise per pixel, clipped to [0, 1].

    Args:
        content: the content image, RGB [0, 1] ``(H, W, 3)`` (its shape, and its spread for
            the default ``sigma``).
        mean_rgb: mean pixel, RGB on the 0-255 scale (the network's, see ``vgg_mean_rgb``).
        sigma: standard deviation on [0, 1]; None: ``0.1 * std(content)`` (ours, the spread
            neural-style computes but does not use); :data:`AN_NOISE_SIGMA` is the one it uses.
    """
    mean = np.asarray(mean_rgb, np.float64) / 255.0
    sigma = 0.1 * float(np.std(content)) if sigma is None else float(sigma)
    noise = mean + rng.normal(0.0, sigma, size=content.shape)
    return np.clip(noise, 0, 1).astype(np.float32)


def initial_image(
    init: str | np.ndarray,
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    noiseblend: float,
    rng: np.random.Generator,
    *,
    mean_rgb: Sequence[float] = IMAGENET_MEAN_RGB,
    noise_sigma: float | None = None,
    resize: str = "matlab",
) -> np.ndarray:
    """Starting image at the content's shape: ``(1 - noiseblend) * init + noiseblend * noise``.

    ``init`` is ``"content"``, ``"noise"``, ``"style"`` (first style, resized) or an image array;
    the noise is :func:`noise_image` (``mean_rgb``, ``noise_sigma``); ``resize`` as
    :func:`resize_to_shape`.
    """
    if isinstance(init, np.ndarray):
        base = resize_to_shape(init, content.shape, resize)
    elif init == "content":
        base = content
    elif init == "style":
        base = resize_to_shape(styles[0], content.shape, resize)
    elif init == "noise":
        return noise_image(content, rng, mean_rgb=mean_rgb, sigma=noise_sigma)
    else:
        raise ValueError(f"unknown init {init!r}; choose from {INITS} or pass an image")
    if noiseblend <= 0:
        return np.asarray(base, np.float32)
    noise = noise_image(content, rng, mean_rgb=mean_rgb, sigma=noise_sigma)
    blended = (1.0 - noiseblend) * base + noiseblend * noise
    return np.clip(blended, 0, 1).astype(np.float32)


def make_evaluate(
    feature_model: FeatureModel,
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    config: StyleConfig,
    shape: Sequence[int],
    blend_weights: Sequence[float],
):
    """tf.function ``x (1, H, W, 3) -> ({content, style, tv, total}, d total / d x)``.

    Targets (content features P^l, style Grams A^l) are computed once here. The function has a
    fixed input signature, so it is traced exactly once for this image size.
    """
    content_w = content_layer_weights(config)
    style_w = style_layer_weights(config)
    content_feats = feature_model(tf.constant(content[None]))
    content_targets = {n: tf.identity(content_feats[n]) for n in content_w}
    style_targets = []
    for style in styles:
        feats = feature_model(tf.constant(style[None]))
        style_targets.append({n: L.gram_matrix(feats[n]) for n in style_w})

    def losses_of(x: tf.Tensor) -> dict[str, tf.Tensor]:
        feats = feature_model(x)
        content = L.weighted_content_loss(feats, content_targets, content_w)
        style = L.blended_style_loss(feats, style_targets, blend_weights, style_w)
        tv = L.total_variation_loss(x)
        total = L.total_loss(
            content, style, tv, config.content_weight, config.style_weight, config.tv_weight
        )
        return {
            "content": config.content_weight * content,
            "style": config.style_weight * style,
            "tv": config.tv_weight * tv,
            "total": total,
        }

    spec = tf.TensorSpec((1, int(shape[0]), int(shape[1]), 3), tf.float32)

    @tf.function(input_signature=[spec])
    def evaluate(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            values = losses_of(x)
        return values, tape.gradient(values["total"], x)

    return evaluate


def stage_plan(config: StyleConfig, content_width: int) -> list[tuple[int, int]]:
    """``[(width, iterations), ...]`` of the coarse-to-fine stages (one stage without sizes)."""
    widths = list(config.sizes) or [content_width]
    if config.stage_iterations is None:
        counts = [config.iterations] * len(widths)
    else:
        counts = list(config.stage_iterations)
        if len(counts) != len(widths):
            raise ValueError(f"{len(counts)} stage iterations for {len(widths)} sizes")
    return list(zip(widths, counts, strict=True))


def stylize(
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    feature_model: FeatureModel,
    config: StyleConfig = StyleConfig(),
    initial: np.ndarray | None = None,
) -> Iterator[tuple[int, np.ndarray, dict[str, float]]]:
    """Optimise an image whose VGG features match ``content`` and whose Grams match ``styles``.

    Args:
        content: RGB in [0, 1], ``(H, W, 3)``; with ``config.sizes`` it is resized to each width.
        styles: RGB in [0, 1] images of any size; each is resized to ``style_scale * width``.
        feature_model: ``(1, h, w, 3)`` RGB [0, 1] -> ``{keras layer: features}`` for at least
            :func:`feature_layers` ``(config)``.
        config: weights, layers, optimiser, coarse-to-fine sizes.
        initial: starting image (any size, resized to the first stage); None = the content.

    Yields:
        ``(iteration, image, losses)``: iteration counts from 1 across all stages, image is
        float32 ``(h, w, 3)`` in [0, 1] at the current stage's size, ``losses`` has the weighted
        ``content``, ``style``, ``tv`` terms and their ``total``.
    """
    if not styles:
        raise ValueError("at least one style image is needed")
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {config.optimizer!r}; choose from {OPTIMIZERS}")
    if config.resize not in RESIZES:
        raise ValueError(f"unknown resize {config.resize!r}; choose from {RESIZES}")
    blend = L.normalized(config.style_blend_weights or [1.0] * len(styles))
    scales = config.style_scales or (1.0,) * len(styles)
    if len(blend) != len(styles) or len(scales) != len(styles):
        raise ValueError("need one style blend weight and one style scale per style")
    check_sizes(content, styles, config)
    image = initial if initial is not None else content
    first = 1
    for width, iterations in stage_plan(config, content.shape[1]):
        stage_content = resize_to_shape(
            content, stage_shape(content.shape, width, config.resize), config.resize
        )
        stage_styles = [
            scaled_style(s, width, k, config.resize) for s, k in zip(styles, scales, strict=True)
        ]
        image = resize_to_shape(image, stage_content.shape, config.resize)
        evaluate = make_evaluate(
            feature_model, stage_content, stage_styles, config, image.shape, blend
        )
        steps = (
            lbfgs(evaluate, image, iterations, memory=config.lbfgs_memory, first=first)
            if config.optimizer == "lbfgs"
            else adam(
                evaluate,
                image,
                iterations,
                learning_rate=config.learning_rate,
                beta1=config.beta1,
                beta2=config.beta2,
                epsilon=config.epsilon,
                clip=config.adam_clip,
                first=first,
            )
        )
        for step, image, values in steps:
            yield step, image, values
        first += iterations


def check_sizes(content: np.ndarray, styles: Sequence[np.ndarray], config: StyleConfig) -> None:
    """Raise UserError if any stage's content or scaled style is too small for the network."""
    scales = config.style_scales or (1.0,) * len(styles)
    for width, _ in stage_plan(config, content.shape[1]):
        _check_size(stage_shape(content.shape, width, config.resize), config)
        for style, scale in zip(styles, scales, strict=False):
            shape = style_shape(style.shape, width, scale, config.resize)
            _check_size(shape, config, what="scaled style image")


def _check_size(shape: Sequence[int], config: StyleConfig, what: str = "image") -> None:
    need = min_image_side(config)
    if min(shape[:2]) < need:
        raise UserError(
            f"{what} of {shape[1]}x{shape[0]} pixels is too small: the layers used need at "
            f"least {need} pixels on each side"
        )
