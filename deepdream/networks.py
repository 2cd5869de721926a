"""Feature extractors for DeepDream: InceptionV3 (default) and VGG19, input RGB in [0, 1].

Each builder returns a :class:`DreamNetwork` whose ``features`` model maps a batch
``(N, H, W, 3)`` of float32 RGB in [0, 1] to the list of activations of ``layers`` (in that
order), with the network's own preprocessing built in: InceptionV3 expects RGB scaled to
[-1, 1], VGG19 Caffe-style BGR minus the ImageNet mean (shared with style transfer). Keras
prunes every layer after the deepest requested one, so dreaming at ``mixed4`` never runs
``mixed10``.

Weights come from :func:`common.pretrained.build_keras_application`: Keras' ImageNet
download and cache, a local weights file, or ``"random"`` (tests only, announced loudly).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import keras

from common.errors import UserError
from common.precision import precision_scope
from common.pretrained import build_keras_application
from deepdream.config import LayerTerm
from style_transfer.vgg import canonical_layer_name, vgg19_feature_model

#: Smallest input side each network accepts (InceptionV3's stem uses 'valid' convolutions).
MIN_SIZE = {"inception_v3": 75, "vgg19": 32}


@keras.saving.register_keras_serializable(package="deepdream")
class ScaleShift(keras.layers.Layer):
    """``y = x * scale + shift``: maps RGB [0, 1] to a network's input range (e.g. [-1, 1])."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)
        self.shift = float(shift)

    def call(self, inputs):
        return inputs * self.scale + self.shift

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "shift": self.shift}


@dataclass(frozen=True)
class DreamNetwork:
    """A feature extractor and what DeepDream needs to know about it.

    Attributes:
        features: Keras model, ``(N, H, W, 3)`` float32 RGB [0, 1] -> list of activations
            ``(N, h_l, w_l, C_l)``, one per entry of ``layers``.
        layers: layer names, in the order of the model's outputs.
        channels: number of channels of each layer.
        min_size: smallest image side the network accepts.
        name: human-readable name for messages.
    """

    features: keras.Model
    layers: tuple[str, ...]
    channels: tuple[int, ...]
    min_size: int
    name: str


def build_dream_network(
    model: str, layers: Sequence[str], *, weights: str = "imagenet", precision: str = "float32"
) -> DreamNetwork:
    """Build the named network truncated at ``layers``.

    Raises:
        UserError: unknown model or layer (message lists the usual choices).
        common.pretrained.WeightsError: weights unavailable.
    """
    if model == "vgg19":
        layers = [vgg19_layer(name)[0] for name in layers]
    layers = list(dict.fromkeys(layers))
    if model == "inception_v3":
        return _inception_v3(layers, weights, precision)
    if model == "vgg19":
        return _vgg19(layers, weights, precision)
    raise UserError(f"unknown model {model!r}; choose inception_v3 or vgg19")


def _inception_v3(layers: list[str], weights: str, precision: str) -> DreamNetwork:
    with precision_scope(precision):
        base = build_keras_application(
            keras.applications.InceptionV3,
            weights,
            name="InceptionV3",
            include_top=False,
            input_shape=(None, None, 3),
        )
        names = {layer.name for layer in base.layers}
        for name in layers:
            if name not in names:
                raise UserError(
                    f"unknown InceptionV3 layer {name!r}; DeepDream layers are mixed0 ... mixed10"
                )
        outputs = [base.get_layer(name).output for name in layers]
        trunk = keras.Model(base.input, outputs, name="inception_v3_trunk")
        rgb = keras.Input((None, None, 3), name="rgb")
        feats = trunk(ScaleShift(2.0, -1.0, name="to_minus1_1", dtype="float32")(rgb))
        features = keras.Model(rgb, _as_list(feats), name="inception_v3_features")
    channels = tuple(int(out.shape[-1]) for out in outputs)
    return DreamNetwork(features, tuple(layers), channels, MIN_SIZE["inception_v3"], "InceptionV3")


def vgg19_layer(name: str) -> tuple[str, int]:
    """Canonical Keras VGG19 name of ``name`` (``relu4_3`` / ``conv4_3`` / ``block4_conv3``)
    and its number of channels.

    Raises:
        UserError: not a VGG19 convolution or pooling layer.
    """
    canonical = canonical_layer_name(name)  # raises LayerNameError, a UserError
    block = int(canonical[len("block")])
    return canonical, {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}[block]


def _vgg19(layers: list[str], weights: str, precision: str) -> DreamNetwork:
    channels = tuple(vgg19_layer(name)[1] for name in layers)
    by_name = vgg19_feature_model(layers, weights=weights, pooling="max", dtype_policy=precision)
    rgb = keras.Input((None, None, 3), name="rgb")
    outputs = by_name(rgb)  # {canonical name: activations}
    features = keras.Model(rgb, [outputs[name] for name in layers], name="vgg19_features")
    return DreamNetwork(features, tuple(layers), channels, MIN_SIZE["vgg19"], "VGG19")


def resolve_terms(model: str, terms: Sequence[LayerTerm]) -> tuple[LayerTerm, ...]:
    """``terms`` with layer names as the network spells them (VGG19 aliases canonicalised)."""
    if model != "vgg19":
        return tuple(terms)
    return tuple(dataclasses.replace(t, layer=vgg19_layer(t.layer)[0]) for t in terms)


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
