"""MatConvNet's VGG files (``imagenet-vgg-verydeep-19.mat``): convolutions and mean pixel.

Layout as MatConvNet's ``utils/import-caffe.py`` writes it (and ``vl_simplenn_tidy`` keeps it):
``layers`` is a 1 x L cell array of structs with ``name``, ``type`` and, for convolutions,
``weights = {kernel, bias}``; the kernel is ``h x w x in x out`` (Caffe's ``out x in x h x w``
blob transposed), the first layer's input channels RGB. The mean pixel is
``normalization.averageImage`` (old layout) or ``meta.normalization.averageImage`` (newer).
"""

from __future__ import annotations

import os
import re

import keras
import numpy as np

from common.pretrained import WeightsError

#: ImageNet mean pixel, RGB on the 0-255 scale (the one MatConvNet's VGG files hold).
IMAGENET_MEAN_RGB = (123.68, 116.779, 103.939)

#: ``(keras name, MatConvNet name)`` of VGG19's 16 convolutions.
VGG19_CONVOLUTIONS: tuple[tuple[str, str], ...] = tuple(
    (f"block{b}_conv{i}", f"conv{b}_{i}")
    for b, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))
    for i in range(1, n + 1)
)


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


def _load_mat(path: str) -> dict:
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
    return data


def read_matconvnet_convolutions(path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the convolutions of a MatConvNet VGG ``.mat`` file (e.g. imagenet-vgg-verydeep-19.mat).

    Returns:
        ``{"conv1_1": (kernel, bias), ...}`` with the kernel as stored, ``(h, w, in, out)``
        (MatConvNet's ``import-caffe.py`` transposes Caffe's blobs to this order; the first
        layer's input channels are RGB), and the bias flattened to ``(out,)``.
    """
    return _convolutions(_load_mat(path), path)


def _convolutions(data: dict, path: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
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


def read_matconvnet_mean(path: str) -> tuple[float, float, float] | None:
    """The mean pixel (RGB, 0-255) a MatConvNet network file holds, or None if it holds none.

    Old layout (imagenet-vgg-verydeep-19.mat, MD5 8ee3263992981a1d26e73b3ca028a123):
    ``normalization.averageImage``, an ``H x W x 3`` image (constant for VGG) averaged over its
    pixels, as anishathalye/neural-style does; newer layout: ``meta.normalization.averageImage``
    (``1 x 1 x 3``). Anything else (no such field, or not 3 channels, e.g. MatConvNet's ``[0 0]``
    placeholder) gives None.
    """
    return _mean(_load_mat(path))


def _field(value, name: str):
    value = _unwrap(value)
    if isinstance(value, (np.ndarray, np.void)) and name in (value.dtype.names or ()):
        return value[name]
    return None


def _mean(data: dict) -> tuple[float, float, float] | None:
    normalization = data.get("normalization")
    if normalization is None and "meta" in data:
        normalization = _field(data["meta"], "normalization")
    average = None if normalization is None else _field(normalization, "averageImage")
    if average is None:
        return None
    average = np.asarray(_unwrap(average), dtype=np.float64)
    if average.size == 3:
        pixels = average.reshape(1, 3)
    elif average.ndim >= 2 and average.shape[-1] == 3:
        pixels = average.reshape(-1, 3)
    else:
        return None
    return tuple(float(v) for v in pixels.mean(axis=0))


def load_matconvnet_weights(model: keras.Model, path: str) -> tuple[float, float, float] | None:
    """Copy the 16 VGG19 convolutions of a MatConvNet ``.mat`` file into Keras' VGG19 ``model``.

    MatConvNet stores kernels as ``(h, w, in, out)`` like Keras, with the first layer's input
    channels in RGB order; Keras' VGG19 takes BGR input (Caffe), so only those three input
    channels are reversed. Every shape is checked against ``model`` (any model with VGG19's
    layer names).

    Returns:
        The file's mean pixel (RGB, 0-255), or None if it holds none (see
        :func:`read_matconvnet_mean`). It is also set as ``model.vgg_mean_rgb`` (ImageNet's
        mean when the file holds none), which the feature extractor subtracts.
    """
    data = _load_mat(path)
    convs = _convolutions(data, path)
    for layer_name, caffe_name in VGG19_CONVOLUTIONS:
        if caffe_name not in convs:
            raise WeightsError(
                f"{path}: layer {caffe_name} missing; not imagenet-vgg-verydeep-19.mat"
            )
        kernel, bias = convs[caffe_name]
        if kernel.ndim != 4:
            raise WeightsError(f"{path}: {caffe_name} kernel has shape {kernel.shape}, not 4-D")
        if caffe_name == "conv1_1":
            kernel = kernel[:, :, ::-1, :]  # RGB input channels -> BGR
        layer = model.get_layer(layer_name)
        want_k, want_b = (tuple(w.shape) for w in layer.weights)
        if kernel.shape != want_k or bias.shape != want_b:
            raise WeightsError(
                f"{path}: {caffe_name} has kernel {kernel.shape} / bias {bias.shape}, VGG19 needs "
                f"{want_k} / {want_b}; not imagenet-vgg-verydeep-19.mat"
            )
        layer.set_weights([np.ascontiguousarray(kernel), bias])
    mean = _mean(data)
    model.vgg_mean_rgb = mean if mean is not None else IMAGENET_MEAN_RGB
    return mean


__all__ = [
    "VGG19_CONVOLUTIONS",
    "load_matconvnet_weights",
    "read_matconvnet_convolutions",
    "read_matconvnet_mean",
]
