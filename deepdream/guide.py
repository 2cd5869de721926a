"""Guide features for guided dreaming (google/deepdream ``objective_guide``)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

import imaging
from common.errors import UserError
from deepdream.networks import DreamNetwork
from deepdream.objectives import guide_vectors


def guide_features(
    guide: np.ndarray, network: DreamNetwork, max_side: int = 512
) -> list[tf.Tensor]:
    """Feature vectors ``(M_l, C_l)`` of ``guide`` at every layer of ``network``.

    Args:
        guide: ``(H, W, 3)`` float RGB in [0, 1]; shrunk (MATLAB bicubic) so that its longer
            side is at most ``max_side``, which bounds both the forward pass and the
            ``positions x M`` dot-product matrix of the guided objective.
    Raises:
        UserError: guide smaller than the network's minimum input.
    """
    guide = np.asarray(guide, np.float32)
    longest = max(guide.shape[:2])
    if longest > max_side:
        shape = tuple(max(1, round(side * max_side / longest)) for side in guide.shape[:2])
        guide = imaging.imresize_clipped(guide, shape)
    if min(guide.shape[:2]) < network.min_size:
        raise UserError(
            f"guide image {guide.shape[1]}x{guide.shape[0]} is too small: {network.name} needs "
            f"at least {network.min_size} px on each side"
        )
    outputs = network.features(tf.constant(guide[None]), training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [guide_vectors(out) for out in outputs]
