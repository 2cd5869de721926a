"""DeepDream: gradient ascent on an ImageNet network's activations, with octaves, jitter,
full-coverage tiling, guided dreams and zoom animations; named recipes (``RECIPES``) reproduce
the Keras example and the TensorFlow tutorial.

Typical use::

    network = build_dream_network("inception_v3", ["mixed4", "mixed5"], weights="imagenet")
    objective = DreamObjective(
        config.terms, network.layers, network.channels,
        kind=config.objective, border=config.loss_border,
    )
    for octave, step, image, loss, done in dream(photo, network, objective, config):
        ...
"""

import common.quiet  # noqa: F401  (first: TensorFlow is imported without its start-up log)
from deepdream.config import MODELS, PRECISIONS, VGG19_DEFAULT_TERMS, DreamConfig, LayerTerm
from deepdream.dream import DreamStep, ascent_step, check_image_size, dream
from deepdream.guide import guide_features
from deepdream.networks import DreamNetwork, ScaleShift, build_dream_network, resolve_terms
from deepdream.objectives import (
    DreamObjective,
    border_activation,
    guided_activation,
    mean_squared_activation,
)
from deepdream.octaves import octave_shapes, quantize, resize_image
from deepdream.recipes import RECIPES
from deepdream.tiling import TiledGradient, tile_bounds
from deepdream.zoom import ZoomConfig, ZoomStep, encode_gif, zoom_dream, zoom_frame

__all__ = [
    "MODELS",
    "PRECISIONS",
    "RECIPES",
    "VGG19_DEFAULT_TERMS",
    "DreamConfig",
    "DreamNetwork",
    "DreamObjective",
    "DreamStep",
    "LayerTerm",
    "ScaleShift",
    "TiledGradient",
    "ZoomConfig",
    "ZoomStep",
    "ascent_step",
    "border_activation",
    "build_dream_network",
    "check_image_size",
    "dream",
    "encode_gif",
    "guide_features",
    "guided_activation",
    "mean_squared_activation",
    "octave_shapes",
    "quantize",
    "resize_image",
    "resolve_terms",
    "tile_bounds",
    "zoom_dream",
    "zoom_frame",
]
