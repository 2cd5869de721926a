"""Neural style transfer (Gatys et al. 2016) on VGG19: losses, feature extractor, optimisers."""

import common.quiet  # noqa: F401  (first: TensorFlow is imported without its start-up log)
from common.pretrained import WeightsError, build_keras_application
from style_transfer.config import StyleConfig
from style_transfer.losses import (
    blended_style_loss,
    content_loss,
    gram_matrix,
    style_layer_loss,
    style_loss,
    total_loss,
    total_variation_loss,
)
from style_transfer.transfer import feature_layers, initial_image, stylize
from style_transfer.vgg import (
    canonical_layer_name,
    load_vgg19,
    vgg19_feature_model,
    vgg19_preprocess,
)

__all__ = [
    "StyleConfig",
    "WeightsError",
    "blended_style_loss",
    "build_keras_application",
    "canonical_layer_name",
    "content_loss",
    "feature_layers",
    "gram_matrix",
    "initial_image",
    "load_vgg19",
    "style_layer_loss",
    "style_loss",
    "stylize",
    "total_loss",
    "total_variation_loss",
    "vgg19_feature_model",
    "vgg19_preprocess",
]
