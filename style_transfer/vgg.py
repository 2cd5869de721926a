"""VGG19 (Simonyan & Zisserman 2015) as the feature extractor of Gatys et al.

* :func:`load_vgg19`: Keras' VGG19 (``include_top=False``, input ``(None, None, 3)`` in Caffe space)
  with weights from ``"imagenet"``, a Keras weights file, MatConvNet's
  ``imagenet-vgg-verydeep-19.mat`` (converted on load, its mean pixel kept) or ``"random"``; max
  or average pooling. The mean pixel the network was trained with is ``model.vgg_mean_rgb``.
* :func:`vgg19_feature_model`: the same network truncated at the deepest requested layer, with the
  Caffe preprocessing inside (that mean subtracted); input RGB in [0, 1], ``(N, H, W, 3)``;
  outputs a dict by layer name. Pooling padding ``valid`` (Keras, odd sides round down) or
  ``same`` (anishathalye/neural-style, odd sides round up).
* :func:`canonical_layer_name`: ``relu4_2`` / ``conv4_2`` (Caffe / neural-style names) ->
  ``block4_conv2`` (Keras). Keras' convolution layers include their ReLU, so ``conv4_2`` and
  ``relu4_2`` name the same (rectified) activations, as in Caffe's in-place ReLU.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import tensorflow as tf

from common.errors import UserError
from common.pretrained import RANDOM, WeightsError, build_keras_application
from style_transfer.matconvnet import (
    IMAGENET_MEAN_RGB,
    load_matconvnet_weights,
    read_matconvnet_convolutions,
    read_matconvnet_mean,
)

#: ImageNet mean pixel in BGR order, 0-255 scale (Caffe / Keras ``preprocess_input(mode="caffe")``).
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
#: Attribute of a model from :func:`load_vgg19` / :func:`vgg19_feature_model` holding its mean
#: pixel (RGB, 0-255).
MEAN_ATTRIBUTE = "vgg_mean_rgb"

#: Convolutions per block of VGG19.
_CONVS_PER_BLOCK = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}

#: Every layer of VGG19 without its top, in order (Keras names).
VGG19_LAYERS: tuple[str, ...] = tuple(
    name
    for block, n in _CONVS_PER_BLOCK.items()
    for name in [f"block{block}_conv{i}" for i in range(1, n + 1)] + [f"block{block}_pool"]
)

POOLINGS = ("max", "avg")
POOL_PADDINGS = ("valid", "same")


class LayerNameError(UserError, ValueError):
    """Unknown VGG19 layer name."""


def canonical_layer_name(name: str) -> str:
    """Return the Keras name of a VGG19 layer given in Keras or Caffe/MatConvNet form.

    ``"relu4_2"`` and ``"conv4_2"`` -> ``"block4_conv2"``; ``"pool3"`` -> ``"block3_pool"``;
    Keras names pass through. Raises :class:`LayerNameError` (a ``ValueError``) otherwise.
    """
    text = str(name).strip()
    match = re.fullmatch(r"(?:relu|conv)(\d)_(\d)", text)
    if match:
        text = f"block{match.group(1)}_conv{match.group(2)}"
    match = re.fullmatch(r"pool(\d)", text)
    if match:
        text = f"block{match.group(1)}_pool"
    if text not in VGG19_LAYERS:
        raise LayerNameError(
            f"unknown VGG19 layer {name!r}; use Keras names (block1_conv1 .. block5_conv4, "
            f"block1_pool .. block5_pool) or Caffe names (relu1_1 .. relu5_4, pool1 .. pool5)"
        )
    return text


def vgg19_preprocess(image, mean_rgb=IMAGENET_MEAN_RGB) -> tf.Tensor:
    """Caffe preprocessing of Simonyan & Zisserman's VGG: RGB [0, 1] -> BGR, x255, minus the mean.

    Args:
        image: float RGB in [0, 1], shape ``(..., H, W, 3)`` (numpy or tensor).
        mean_rgb: the network's mean pixel, RGB on the 0-255 scale (ImageNet's by default;
            a MatConvNet file's own, see :func:`read_matconvnet_mean`).

    Returns:
        float32 (float64 if given float64) tensor, same shape, BGR, 0-255 scale minus the mean.
    """
    image = tf.convert_to_tensor(image)
    if image.dtype != tf.float64:  # float64 is kept for gradient checks
        image = tf.cast(image, tf.float32)
    bgr = tf.reverse(image, axis=[-1]) * 255.0
    return bgr - tf.constant([float(v) for v in mean_rgb[::-1]], dtype=image.dtype)


@keras.saving.register_keras_serializable(package="style_transfer")
class CaffePreprocess(keras.layers.Layer):
    """Layer form of :func:`vgg19_preprocess` (RGB [0, 1] -> Caffe BGR minus ``mean_rgb``)."""

    def __init__(self, mean_rgb=IMAGENET_MEAN_RGB, **kwargs):
        super().__init__(**kwargs)
        self.mean_rgb = tuple(float(v) for v in mean_rgb)

    def call(self, inputs):
        return vgg19_preprocess(inputs, self.mean_rgb)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean_rgb": list(self.mean_rgb)}


def _vgg19_architecture(weights: str) -> keras.Model:
    return build_keras_application(
        keras.applications.VGG19,
        weights,
        name="VGG19",
        include_top=False,
        input_shape=(None, None, 3),
    )


def load_vgg19(weights: str = "imagenet", pooling: str = "max") -> keras.Model:
    """VGG19 without its classifier; input ``(None, None, 3)`` in Caffe space (vgg19_preprocess).

    Args:
        weights: ``"imagenet"`` (Keras download and cache), a Keras weights file (``.h5`` /
            ``.weights.h5``), MatConvNet's ``imagenet-vgg-verydeep-19.mat``, or ``"random"``
            (experiments only; warns loudly on stderr).
        pooling: ``"max"`` (Keras / neural-style default) or ``"avg"`` (Gatys et al. 2016:
            max pooling layers replaced by average pooling).

    Returns:
        The model; its attribute ``vgg_mean_rgb`` is the mean pixel to subtract (RGB, 0-255): the
        ``.mat`` file's own when it holds one, else ImageNet's (:data:`IMAGENET_MEAN_RGB`).

    Raises:
        WeightsError: weights unavailable or not VGG19's. ValueError (UserError): bad ``pooling``.
    """
    _check_pooling(pooling)
    mean_rgb = IMAGENET_MEAN_RGB
    if isinstance(weights, str) and weights.lower().endswith(".mat"):
        model = keras.applications.VGG19(
            weights=None, include_top=False, input_shape=(None, None, 3)
        )
        mean_rgb = load_matconvnet_weights(model, weights) or IMAGENET_MEAN_RGB
    else:
        model = _vgg19_architecture(weights)
    if pooling == "avg":
        model = _rebuild(model, VGG19_LAYERS[-1], pooling="avg", name="vgg19_avgpool")
    setattr(model, MEAN_ATTRIBUTE, tuple(mean_rgb))
    return model


def _check_pooling(pooling: str, padding: str = "valid") -> None:
    if pooling not in POOLINGS:
        raise LayerNameError(f"pooling must be 'max' or 'avg', not {pooling!r}")
    if padding not in POOL_PADDINGS:
        raise LayerNameError(f"pooling padding must be 'valid' or 'same', not {padding!r}")


def mean_of(model) -> tuple[float, float, float]:
    """The mean pixel (RGB, 0-255) a VGG19 from this module subtracts; ImageNet's if unknown."""
    return tuple(getattr(model, MEAN_ATTRIBUTE, IMAGENET_MEAN_RGB))


def vgg19_feature_model(
    layers: list[str],
    weights: str | keras.Model = "imagenet",
    pooling: str = "max",
    *,
    pool_padding: str = "valid",
    transpose_kernels: bool = False,
    mean_rgb: tuple[float, float, float] | None = None,
    dtype_policy: str = "float32",
    float32_outputs: bool = True,
) -> keras.Model:
    """VGG19 truncated at the deepest of ``layers``, Caffe preprocessing inside.

    Args:
        layers: layer names, Keras (``block4_conv2``) or Caffe (``relu4_2``) form.
        weights: as :func:`load_vgg19`, or an already built VGG19 from :func:`load_vgg19`
            (its weights are copied; its own pooling is replaced by ``pooling``). Any Keras
            model with VGG19's layer names will do (tests use narrow ones).
        pooling: ``"max"`` or ``"avg"``.
        pool_padding: ``"valid"`` (Keras' VGG19: a side of odd length n pools to floor(n / 2))
            or ``"same"`` (anishathalye/neural-style: ceil(n / 2), the last row/column pooled
            alone; average pooling then averages only the pixels inside).
        transpose_kernels: swap the two spatial axes of every kernel, as
            anishathalye/neural-style's ``vgg.py`` does when it reads MatConvNet's file (it takes
            the stored ``[h, w, in, out]`` for ``[w, h, in, out]``); for ``--compat an`` only.
        mean_rgb: mean pixel subtracted (RGB, 0-255); None: the base model's (:func:`mean_of`).
        dtype_policy: Keras dtype policy of the convolutions, ``"float32"`` or
            ``"mixed_bfloat16"``; ``"float64"`` for tests.
        float32_outputs: with ``"mixed_bfloat16"``, cast the outputs to float32 (default) or
            return them in bfloat16 (cheaper when the consumer works in bfloat16 too).

    Returns:
        Model mapping RGB in [0, 1], shape ``(N, H, W, 3)``, to ``{canonical name: (N, h, w, C)}``;
        its ``vgg_mean_rgb`` attribute is the mean it subtracts.
    """
    if not layers:
        raise LayerNameError("at least one VGG19 layer is needed")
    names = list(dict.fromkeys(canonical_layer_name(n) for n in layers))
    _check_pooling(pooling, pool_padding)
    base = weights if isinstance(weights, keras.Model) else load_vgg19(weights, pooling="max")
    mean = tuple(mean_rgb) if mean_rgb is not None else mean_of(base)
    deepest = max(names, key=VGG19_LAYERS.index)
    model = _rebuild(
        base,
        deepest,
        pooling=pooling,
        pool_padding=pool_padding,
        transpose_kernels=transpose_kernels,
        dtype_policy=dtype_policy,
        preprocess=mean,
        outputs=names,
        cast_outputs=float32_outputs,
        name="vgg19_features",
    )
    setattr(model, MEAN_ATTRIBUTE, mean)
    return model


def _rebuild(
    base: keras.Model,
    last: str,
    *,
    pooling: str,
    pool_padding: str = "valid",
    transpose_kernels: bool = False,
    dtype_policy: str = "float32",
    preprocess: tuple[float, float, float] | None = None,
    outputs: list[str] | None = None,
    cast_outputs: bool = True,
    name: str,
) -> keras.Model:
    """Copy ``base`` layer by layer up to ``last``, swapping pooling and dtype policy.

    ``preprocess``: a mean pixel (RGB) puts :class:`CaffePreprocess` with it first; None: none.
    """
    outer = "float64" if dtype_policy == "float64" else "float32"
    inputs = keras.Input(shape=(None, None, 3), name="image", dtype=outer)
    x = inputs
    if preprocess is not None:
        x = CaffePreprocess(preprocess, name="caffe_preprocess", dtype=outer)(inputs)
    taps: dict[str, keras.KerasTensor] = {}
    for layer_name in VGG19_LAYERS[: VGG19_LAYERS.index(last) + 1]:
        source = base.get_layer(layer_name)
        if layer_name.endswith("_pool"):
            pool_cls = (
                keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
            )
            layer = pool_cls(
                pool_size=2, strides=2, padding=pool_padding, name=layer_name, dtype=dtype_policy
            )
            x = layer(x)
        else:
            config = dict(source.get_config(), dtype=dtype_policy)
            layer = type(source).from_config(config)
            x = layer(x)
            kernel, *rest = source.get_weights()
            if transpose_kernels:
                kernel = np.ascontiguousarray(np.transpose(kernel, (1, 0, 2, 3)))
            layer.set_weights([kernel, *rest])
        taps[layer_name] = x
    if outputs is None:
        return keras.Model(inputs, x, name=name)
    if not cast_outputs or dtype_policy == outer:
        return keras.Model(inputs, {n: taps[n] for n in outputs}, name=name)
    result = {
        n: keras.layers.Activation("linear", dtype=outer, name=f"{n}_out")(taps[n]) for n in outputs
    }
    return keras.Model(inputs, result, name=name)


__all__ = [
    "IMAGENET_MEAN_BGR",
    "IMAGENET_MEAN_RGB",
    "MEAN_ATTRIBUTE",
    "POOL_PADDINGS",
    "RANDOM",
    "VGG19_LAYERS",
    "CaffePreprocess",
    "LayerNameError",
    "WeightsError",
    "canonical_layer_name",
    "load_matconvnet_weights",
    "load_vgg19",
    "mean_of",
    "read_matconvnet_convolutions",
    "read_matconvnet_mean",
    "vgg19_feature_model",
    "vgg19_preprocess",
]
