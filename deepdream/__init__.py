"""DeepDream: gradient ascent on an ImageNet network's activations, with octaves, jitter,
full-coverage tiling, guided dreams and zoom animations.

Typical use::

    network = build_dream_network("inception_v3", ["mixed4", "mixed5"], weights="imagenet")
    objective = DreamObjective(config.terms, network.layers, network.channels)
    for octave, step, image, loss in dream(photo, network, objective, config):
        ...
"""

from deepdream.config import MODELS, PRECISIONS, VGG19_DEFAULT_TERMS, DreamConfig, LayerTerm
from deepdream.dream import DreamStep, ascent_step, check_image_size, dream, octave_shapes
from deepdream.guide import guide_features
from deepdream.networks import DreamNetwork, ScaleShift, build_dream_network, resolve_terms
from deepdream.objectives import (
    DreamObjective,
    guided_activation,
    mean_squared_activation,
)
from deepdream.tiling import TiledGradient, tile_bounds
from deepdream.zoom import ZoomStep, encode_gif, zoom_dream, zoom_frame

__all__ = [
    "MODELS",
    "PRECISIONS",
    "VGG19_DEFAULT_TERMS",
    "DreamConfig",
    "DreamNetwork",
    "DreamObjective",
    "DreamStep",
    "LayerTerm",
    "ScaleShift",
    "TiledGradient",
    "ZoomStep",
    "ascent_step",
    "build_dream_network",
    "check_image_size",
    "dream",
    "encode_gif",
    "guide_features",
    "guided_activation",
    "mean_squared_activation",
    "octave_shapes",
    "resolve_terms",
    "tile_bounds",
    "zoom_dream",
    "zoom_frame",
]
