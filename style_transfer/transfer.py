"""Neural style transfer (Gatys, Ecker & Bethge, CVPR 2016) as a generator.

:func:`stylize` yields ``(iteration, image, losses)``; the feature extractor is passed in (see
:func:`style_transfer.vgg.vgg19_feature_model`), so tests use tiny or random networks. The
settings are a :class:`~style_transfer.config.StyleConfig`; sizes and resizing are
:mod:`style_transfer.resizing`'s.
``resize="pillow"`` and ``adam_clip=False`` (with a ``pool_padding="same"`` feature model, see
:func:`build_feature_model`) are neural-style's own resizing and unbounded Adam steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import tensorflow as tf

from common.errors import UserError
from style_transfer import losses as L
from style_transfer.config import CONTENT_LAYERS, StyleConfig
from style_transfer.optimize import adam, lbfgs
from style_transfer.resizing import resize_to_shape, scaled_style, stage_shape, style_shape
from style_transfer.vgg import (
    IMAGENET_MEAN_RGB,
    VGG19_LAYERS,
    canonical_layer_name,
    vgg19_feature_model,
)

INITS = ("content", "noise", "style")

#: neural-style's starting noise: N(0, 0.256^2) on the 0-255 scale around the mean pixel
#: (``tf.random_normal(shape) * 0.256`` added in its mean-subtracted space), here on [0, 1].
AN_NOISE_SIGMA = 0.256 / 255.0

FeatureModel = Callable[[tf.Tensor], Mapping[str, tf.Tensor]]
DEFAULT_CONFIG = StyleConfig()


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
    else:  # StyleConfig checks that there is one count per size
        counts = list(config.stage_iterations)
    return list(zip(widths, counts, strict=True))


def stylize(
    content: np.ndarray,
    styles: Sequence[np.ndarray],
    feature_model: FeatureModel,
    config: StyleConfig = DEFAULT_CONFIG,
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
