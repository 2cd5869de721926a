"""VGG19 (Simonyan & Zisserman 2015) as the feature extractor of Gatys et al.

* :func:`load_vgg19`: Keras' VGG19 (``include_top=False``, input ``(None, None, 3)`` in Caffe space)
  with weights from ``"imagenet"``, a Keras weights file, MatConvNet's
  ``imagenet-vgg-verydeep-19.mat`` (converted on load) or ``"random"``; max or average pooling.
* :func:`vgg19_feature_model`: the same network truncated at the deepest requested layer, with the
  Caffe preprocessing inside; input RGB in [0, 1], ``(N, H, W, 3)``; outputs a dict by layer name.
* :func:`canonical_layer_name`: ``relu4_2`` / ``conv4_2`` (Caffe / neural-style names) ->
  ``block4_conv2`` (Keras). Keras' convolution layers include their ReLU, so ``conv4_2`` and
  ``relu4_2`` name the same (rectified) activations, as in Caffe's in-place ReLU.
"""

from __future__ import annotations

import os
import re

import imaging

import keras
import numpy as np
import tensorflow as tf

from style_transfer.weights import RANDOM, WeightsError, build_keras_application

#: ImageNet mean pixel in BGR order, 0-255 scale (Caffe / Keras ``preprocess_input(mode="caffe")``).
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)

#: Convolutions per block of VGG19.
_CONVS_PER_BLOCK = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}

#: Every layer of VGG19 without its top, in order (Keras names).
VGG19_LAYERS: tuple[str, ...] = tuple(
    name
    for block, n in _CONVS_PER_BLOCK.items()
    for name in [f"block{block}_conv{i}" for i in range(1, n + 1)] + [f"block{block}_pool"]
)

POOLINGS = ("max", "avg")


class LayerNameError(imaging.UserError, ValueError):
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


def vgg19_preprocess(image) -> tf.Tensor:
    """Caffe preprocessing of Simonyan & Zisserman's VGG: RGB [0, 1] -> BGR, x255, minus the mean.

    Args:
        image: float RGB in [0, 1], shape ``(..., H, W, 3)`` (numpy or tensor).

    Returns:
        float32 (float64 if given float64) tensor, same shape, BGR, 0-255 scale minus
        :data:`IMAGENET_MEAN_BGR`.
    """
    image = tf.convert_to_tensor(image)
    if image.dtype != tf.float64:  # float64 is kept for gradient checks
        image = tf.cast(image, tf.float32)
    bgr = tf.reverse(image, axis=[-1]) * 255.0
    return bgr - tf.constant(IMAGENET_MEAN_BGR, dtype=image.dtype)


@keras.saving.register_keras_serializable(package="style_transfer")
class CaffePreprocess(keras.layers.Layer):
    """Layer form of :func:`vgg19_preprocess` (RGB [0, 1] -> Caffe BGR mean-subtracted)."""

    def call(self, inputs):
        return vgg19_preprocess(inputs)


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

    Raises:
        WeightsError: weights unavailable or not VGG19's. ValueError (UserError): bad ``pooling``.
    """
    if pooling not in POOLINGS:
        raise LayerNameError(f"pooling must be 'max' or 'avg', not {pooling!r}")
    if isinstance(weights, str) and weights.lower().endswith(".mat"):
        model = keras.applications.VGG19(
            weights=None, include_top=False, input_shape=(None, None, 3)
        )
        load_matconvnet_weights(model, weights)
    else:
        model = _vgg19_architecture(weights)
    if pooling == "avg":
        model = _rebuild(model, VGG19_LAYERS[-1], pooling="avg", name="vgg19_avgpool")
    return model


def vgg19_feature_model(
    layers: list[str],
    weights: str | keras.Model = "imagenet",
    pooling: str = "max",
    *,
    dtype_policy: str = "float32",
    float32_outputs: bool = True,
) -> keras.Model:
    """VGG19 truncated at the deepest of ``layers``, Caffe preprocessing inside.

    Args:
        layers: layer names, Keras (``block4_conv2``) or Caffe (``relu4_2``) form.
        weights: as :func:`load_vgg19`, or an already built VGG19 from :func:`load_vgg19`
            (its weights are copied; its own pooling is replaced by ``pooling``).
        pooling: ``"max"`` or ``"avg"``.
        dtype_policy: Keras dtype policy of the convolutions, ``"float32"`` or
            ``"mixed_bfloat16"``; ``"float64"`` for tests.
        float32_outputs: with ``"mixed_bfloat16"``, cast the outputs to float32 (default) or
            return them in bfloat16 (cheaper when the consumer works in bfloat16 too).

    Returns:
        Model mapping RGB in [0, 1], shape ``(N, H, W, 3)``, to ``{canonical name: (N, h, w, C)}``.
    """
    if not layers:
        raise LayerNameError("at least one VGG19 layer is needed")
    names = list(dict.fromkeys(canonical_layer_name(n) for n in layers))
    if pooling not in POOLINGS:
        raise LayerNameError(f"pooling must be 'max' or 'avg', not {pooling!r}")
    base = weights if isinstance(weights, keras.Model) else load_vgg19(weights, pooling="max")
    deepest = max(names, key=VGG19_LAYERS.index)
    return _rebuild(
        base,
        deepest,
        pooling=pooling,
        dtype_policy=dtype_policy,
        preprocess=True,
        outputs=names,
        cast_outputs=float32_outputs,
        name="vgg19_features",
    )


def _rebuild(
    base: keras.Model,
    last: str,
    *,
    pooling: str,
    dtype_policy: str = "float32",
    preprocess: bool = False,
    outputs: list[str] | None = None,
    cast_outputs: bool = True,
    name: str,
) -> keras.Model:
    """Copy ``base`` layer by layer up to ``last``, swapping pooling and dtype policy."""
    outer = "float64" if dtype_policy == "float64" else "float32"
    inputs = keras.Input(shape=(None, None, 3), name="image", dtype=outer)
    x = CaffePreprocess(name="caffe_preprocess", dtype=outer)(inputs) if preprocess else inputs
    taps: dict[str, keras.KerasTensor] = {}
    for layer_name in VGG19_LAYERS[: VGG19_LAYERS.index(last) + 1]:
        source = base.get_layer(layer_name)
        if layer_name.endswith("_pool"):
            pool_cls = (
                keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
            )
            layer = pool_cls(pool_size=2, strides=2, name=layer_name, dtype=dtype_policy)
            x = layer(x)
        else:
            config = dict(source.get_config(), dtype=dtype_policy)
            layer = type(source).from_config(config)
            x = layer(x)
            layer.set_weights(source.get_weights())
        taps[layer_name] = x
    if outputs is None:
        return keras.Model(inputs, x, name=name)
    if not cast_outputs or dtype_policy == outer:
        return keras.Model(inputs, {n: taps[n] for n in outputs}, name=name)
    result = {
        n: keras.layers.Activation("linear", dtype=outer, name=f"{n}_out")(taps[n]) for n in outputs
    }
    return keras.Model(inputs, result, name=name)


# --------------------------------------------------------------------------- MatConvNet


def _unwrap(value):
    """Strip the 1x1 cell/struct wrappers ``scipy.io.loadmat`` puts around MATLAB values."""
    while (
        isinstance(value, np.ndarray)
        and value.size == 1
        and (value.dtype == object or value.dtype.names is not None)
    ):
        value = value.reshape(-1)[0]
    return value


def _as_text(value) -> str:
    value = _unwrap(value)
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else ""
    return str(value)


def read_matconvnet_convolutions(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the convolutions of a MatConvNet VGG ``.mat`` file (e.g. imagenet-vgg-verydeep-19.mat).

    Returns:
        ``{"conv1_1": (kernel, bias), ...}`` with the kernel as stored, ``(W, H, in, out)``, and
        the bias flattened to ``(out,)``.
    """
    import scipy.io

    if not os.path.isfile(path):
        raise WeightsError(
            f"VGG19 weights file not found: {path!r} (MatConvNet's imagenet-vgg-verydeep-19.mat "
            f"is at https://www.vlfeat.org/matconvnet/pretrained/; or use the 'imagenet' weights)"
        )
    try:
        data = scipy.io.loadmat(path)
    except Exception as exc:  # MatReadError, ValueError, OSError, ...
        raise WeightsError(f"{path}: not a readable MATLAB .mat file ({exc})") from exc
    if "layers" not in data:
        raise WeightsError(f"{path}: no 'layers' entry; not a MatConvNet network file")
    convs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        for entry in np.asarray(data["layers"]).reshape(-1):
            record = _unwrap(entry)
            layer_name = _as_text(record["name"])
            if not re.fullmatch(r"conv\d_\d", layer_name):
                continue
            params = _unwrap(record["weights"]).reshape(-1)
            kernel, bias = np.asarray(params[0]), np.asarray(params[1])
            convs[layer_name] = (kernel.astype(np.float32), bias.reshape(-1).astype(np.float32))
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise WeightsError(f"{path}: unexpected MatConvNet layer structure ({exc})") from exc
    return convs


def load_matconvnet_weights(model: keras.Model, path: str) -> None:
    """Copy the 16 VGG19 convolutions of a MatConvNet ``.mat`` file into Keras' VGG19 ``model``.

    MatConvNet stores kernels as ``(width, height, in, out)`` for RGB input; Keras' VGG19 expects
    ``(height, width, in, out)`` for BGR input (Caffe), so the first two axes are swapped and the
    first layer's input channels reversed. Every shape is checked against the network.
    """
    convs = read_matconvnet_convolutions(path)
    for layer_name in (n for n in VGG19_LAYERS if "_conv" in n):
        block, index = re.fullmatch(r"block(\d)_conv(\d)", layer_name).groups()
        caffe_name = f"conv{block}_{index}"
        if caffe_name not in convs:
            raise WeightsError(
                f"{path}: layer {caffe_name} missing; not imagenet-vgg-verydeep-19.mat"
            )
        kernel, bias = convs[caffe_name]
        if kernel.ndim != 4:
            raise WeightsError(f"{path}: {caffe_name} kernel has shape {kernel.shape}, not 4-D")
        kernel = np.transpose(kernel, (1, 0, 2, 3))
        if caffe_name == "conv1_1":
            kernel = kernel[:, :, ::-1, :]
        layer = model.get_layer(layer_name)
        want_k, want_b = (tuple(w.shape) for w in layer.weights)
        if kernel.shape != want_k or bias.shape != want_b:
            raise WeightsError(
                f"{path}: {caffe_name} has kernel {kernel.shape} / bias {bias.shape}, VGG19 needs "
                f"{want_k} / {want_b}; not imagenet-vgg-verydeep-19.mat"
            )
        layer.set_weights([np.ascontiguousarray(kernel), bias])


__all__ = [
    "IMAGENET_MEAN_BGR",
    "RANDOM",
    "VGG19_LAYERS",
    "CaffePreprocess",
    "LayerNameError",
    "WeightsError",
    "canonical_layer_name",
    "load_matconvnet_weights",
    "load_vgg19",
    "read_matconvnet_convolutions",
    "vgg19_feature_model",
    "vgg19_preprocess",
]
