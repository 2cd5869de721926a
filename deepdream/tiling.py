"""Tiled gradients: the objective's gradient over the whole image, one tile at a time.

The image is cut into ``ceil(H / tile) x ceil(W / tile)`` tiles of nearly equal size, so every
pixel belongs to exactly one tile and no tile is a sliver (the TensorFlow tutorial drops the
last tile of each axis instead). Each tile is fed to the network with ``margin`` extra pixels of
context on each side (clamped to the image); the gradient of the context is discarded.

Each tile's objective is weighted by ``crop area / image area``, so for a network whose
activation count is proportional to its input area (stride-1 'same' convolutions) the sum of
the tile objectives is the whole-image mean and, once ``margin`` covers the receptive field,
the tiled gradient equals the whole-image gradient up to float rounding. Without a margin (or
for InceptionV3, whose receptive field exceeds any practical margin) the gradient near a seam is
that of the tile alone; the random roll before each step moves the seams so they leave no mark.

The ``"tutorial"`` layout reproduces the TensorFlow tutorial's ``TiledGradients``: tiles start at
multiples of ``tile`` on the rolled image, the last start of each axis is skipped unless it is the
only one (so the pixels past it get no gradient that step), and the tile objectives are summed
without weights. ``tile_size=0`` means one tile, the whole image.

Rolling is done by index arithmetic (``(y - shift) mod H``), never by copying the image, so a
4096 x 4096 image needs only the tile's activations on top of a few image-sized arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf


def tile_bounds(length: int, tile_size: int, layout: str = "cover") -> list[tuple[int, int]]:
    """Tiles of ``[0, length)`` as ``(start, stop)``.

    ``"cover"``: ``ceil(length / tile_size)`` near-equal tiles covering every index.
    ``"tutorial"``: starts ``0, tile_size, ...`` below ``length`` without the last one (unless it
    is the only one), each ``tile_size`` long or cut at ``length``. ``tile_size=0``: one tile.
    """
    if tile_size == 0:
        return [(0, length)]
    if layout == "tutorial":
        starts = list(range(0, length, tile_size))[:-1] or [0]
        return [(start, min(start + tile_size, length)) for start in starts]
    count = max(1, math.ceil(length / tile_size))
    edges = [round(i * length / count) for i in range(count + 1)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def smallest_tile(length: int, tile_size: int, layout: str = "cover") -> int:
    """Side of the smallest tile :func:`tile_bounds` makes for ``length``."""
    return min(stop - start for start, stop in tile_bounds(length, tile_size, layout))


class TiledGradient:
    """Objective value and gradient of an image, computed tile by tile.

    Args:
        features: Keras model ``(N, H, W, 3)`` RGB [0, 1] -> list of activations.
        objective: callable, list of activations -> float32 scalar.
        tile_size: largest tile side (pixels); 0 for the whole image.
        margin: context pixels around each tile.
        layout: ``"cover"`` (area-weighted tiles over every pixel) or ``"tutorial"``.

    One ``tf.function`` with a ``(None, None, 3)`` signature serves every tile shape, so it
    is traced once per ``TiledGradient`` and never again, whatever the image size.
    """

    def __init__(
        self,
        features: Callable,
        objective: Callable[[Sequence[tf.Tensor]], tf.Tensor],
        tile_size: int,
        margin: int = 0,
        layout: str = "cover",
    ):
        if layout not in ("cover", "tutorial"):
            raise ValueError(f"tile layout must be cover or tutorial (got {layout!r})")
        self.tile_size = int(tile_size)
        self.margin = int(margin)
        self.layout = layout

        def value_and_gradient(tile: tf.Tensor, weight: tf.Tensor):
            with tf.GradientTape() as tape:
                tape.watch(tile)
                value = objective(features(tile[None], training=False))
                weighted = value * weight
            return value, tape.gradient(weighted, tile)

        self._fn = tf.function(
            value_and_gradient,
            input_signature=[
                tf.TensorSpec([None, None, 3], tf.float32),
                tf.TensorSpec([], tf.float32),
            ],
        )

    def traces(self) -> int:
        """How many times the tf.function was traced (for tests: 1 after any number of calls)."""
        return self._fn.experimental_get_tracing_count()

    def __call__(
        self, image: np.ndarray, shift: tuple[int, int] = (0, 0)
    ) -> tuple[np.ndarray, float]:
        """Gradient of the objective at ``image`` rolled by ``shift``, mapped back unrolled.

        Args:
            image: ``(H, W, 3)`` float32 RGB in [0, 1].
            shift: ``(dy, dx)``; the tiles are laid on ``np.roll(image, shift, (0, 1))``.
        Returns:
            ``(gradient, objective)``: gradient ``(H, W, 3)`` float32 in the coordinates of
            ``image``; objective the area-weighted sum of the tile objectives (the
            whole-image objective when tiles and image coincide), or their plain sum for the
            ``"tutorial"`` layout (whose untiled pixels get a zero gradient).
        """
        height, width = image.shape[:2]
        area = float(height * width)
        summed = self.layout == "tutorial"
        grad = (np.zeros if summed else np.empty)(image.shape, np.float32)
        total = 0.0
        for y0, y1 in tile_bounds(height, self.tile_size, self.layout):
            cy0, cy1 = max(0, y0 - self.margin), min(height, y1 + self.margin)
            rows = (np.arange(cy0, cy1) - shift[0]) % height
            for x0, x1 in tile_bounds(width, self.tile_size, self.layout):
                cx0, cx1 = max(0, x0 - self.margin), min(width, x1 + self.margin)
                cols = (np.arange(cx0, cx1) - shift[1]) % width
                crop = image[rows[:, None], cols[None, :]]
                weight = 1.0 if summed else (cy1 - cy0) * (cx1 - cx0) / area
                value, g = self._fn(tf.constant(crop), tf.constant(weight, tf.float32))
                core = g.numpy()[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
                grad[rows[y0 - cy0 : y1 - cy0, None], cols[None, x0 - cx0 : x1 - cx0]] = core
                total += float(value) * (1.0 if summed else (y1 - y0) * (x1 - x0) / area)
        return grad, total
