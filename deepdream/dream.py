"""DeepDream by gradient ascent over octaves (Mordvintsev et al., google/deepdream, 2015).

For octave ``k`` (coarse to fine) the image is ``base_k + up(detail)``, where ``base_k`` is the
input resized (MATLAB bicubic) to that octave and ``detail`` is what the previous, coarser
octave added to its own base: the input's own fine detail, lost when it was shrunk, comes back
at every finer octave, and only the dream is upscaled. Each step

    g   = d(objective)/d(image) on the image rolled by a random jitter, rolled back,
    x  <- clip(x + step_size * g / mean|g|, 0, 1)

with the gradient computed tile by tile (:mod:`deepdream.tiling`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import imaging

import numpy as np

from deepdream.config import DreamConfig
from deepdream.networks import DreamNetwork
from deepdream.objectives import DreamObjective
from deepdream.tiling import TiledGradient, smallest_tile

#: Smallest mean |gradient| divided by (avoids 0/0 on a flat objective).
_EPS = 1e-8


class DreamStep(NamedTuple):
    """One gradient-ascent step: octave index (0 = coarsest), step index within the octave,
    the image after the step (``(h, w, 3)`` float32 RGB [0, 1], octave-sized; never mutated
    afterwards), and the objective before the step."""

    octave: int
    step: int
    image: np.ndarray
    loss: float


def octave_shapes(
    height: int, width: int, octaves: int, octave_scale: float
) -> list[tuple[int, int]]:
    """Sizes of the octaves, coarsest first: ``int(side / octave_scale**k)``, k = n-1 ... 0."""
    return [
        (int(height / octave_scale**k), int(width / octave_scale**k))
        for k in reversed(range(octaves))
    ]


def check_image_size(shape: tuple[int, ...], network: DreamNetwork, config: DreamConfig) -> None:
    """Raise :class:`imaging.UserError` if an octave or a tile would be too small."""
    height, width = shape[:2]
    coarse = octave_shapes(height, width, config.octaves, config.octave_scale)[0]
    if min(coarse) < network.min_size:
        raise imaging.UserError(
            f"image {width}x{height} is too small for {config.octaves} octave(s) of scale "
            f"{config.octave_scale:g}: the coarsest octave would be {coarse[1]}x{coarse[0]} and "
            f"{network.name} needs at least {network.min_size} px; use fewer octaves or a "
            f"larger image"
        )
    for side in (height, width):
        if smallest_tile(side, config.tile_size) < network.min_size:
            raise imaging.UserError(
                f"tile size {config.tile_size} is too small for {network.name} on a {side} px "
                f"side (tiles must stay >= {network.min_size} px); use a tile size of at least "
                f"{2 * network.min_size}"
            )


def random_shift(
    rng: np.random.Generator, shape: tuple[int, int], jitter: int, tile_size: int
) -> tuple[int, int]:
    """Roll for one step: uniform in ``[-jitter, jitter]`` per axis (google/deepdream), plus a
    uniform offset in ``[0, tile_size)`` along axes cut into several tiles, so seams move."""
    shift = []
    for side in shape:
        value = int(rng.integers(-jitter, jitter + 1)) if jitter else 0
        if side > tile_size:
            value += int(rng.integers(0, tile_size))
        shift.append(value)
    return shift[0], shift[1]


def ascent_step(
    image: np.ndarray,
    gradient: TiledGradient,
    step_size: float,
    shift: tuple[int, int] = (0, 0),
) -> tuple[np.ndarray, float]:
    """One normalised gradient-ascent step; returns ``(new image, objective before the step)``.

    ``image`` float32 ``(H, W, 3)`` in [0, 1]; the result is a new array, clipped to [0, 1].
    """
    grad, loss = gradient(image, shift)
    grad *= step_size / max(mean_abs(grad), _EPS)
    grad += image
    np.clip(grad, 0.0, 1.0, out=grad)
    return grad, loss


def mean_abs(array: np.ndarray, chunks: int = 16) -> float:
    """``mean(|array|)`` without an image-sized temporary (chunked; float64 accumulation)."""
    flat = array.reshape(-1)
    total = sum(float(np.abs(part).sum(dtype=np.float64)) for part in np.array_split(flat, chunks))
    return total / max(flat.size, 1)


def dream(
    image: np.ndarray,
    network: DreamNetwork,
    objective: DreamObjective,
    config: DreamConfig,
    *,
    rng: np.random.Generator | None = None,
) -> Iterator[DreamStep]:
    """Dream ``image``; yields a :class:`DreamStep` after every step of every octave.

    Args:
        image: ``(H, W, 3)`` float RGB in [0, 1].
        network: feature extractor (:func:`deepdream.networks.build_dream_network` or a tiny
            test network wrapped in :class:`DreamNetwork`).
        objective: callable on the network's activations.
        config: octaves, steps, step size, jitter, tiling.
        rng: jitter source; defaults to ``np.random.default_rng(config.seed)``.

    The last step's image (full size) is the dream.
    """
    gradient = TiledGradient(network.features, objective, config.tile_size, config.tile_margin)
    rng = np.random.default_rng(config.seed) if rng is None else rng
    yield from dream_with(image, gradient, network, config, rng)


def dream_with(
    image: np.ndarray,
    gradient: TiledGradient,
    network: DreamNetwork,
    config: DreamConfig,
    rng: np.random.Generator,
) -> Iterator[DreamStep]:
    """:func:`dream` with a prepared :class:`TiledGradient` (reused across zoom frames)."""
    original = np.asarray(image, np.float32)
    if original.min() < 0.0 or original.max() > 1.0:  # copy only when needed: 4096^2 is 192 MiB
        original = np.clip(original, 0.0, 1.0)
    check_image_size(original.shape, network, config)
    height, width = original.shape[:2]
    shapes = octave_shapes(height, width, config.octaves, config.octave_scale)
    detail = np.zeros((*shapes[0], 3), np.float32)
    for octave, shape in enumerate(shapes):
        base = _resized(original, shape)
        current = reinject(base, detail)
        detail = None  # free it during the steps
        for step in range(config.steps):
            shift = random_shift(rng, shape, config.jitter, config.tile_size)
            current, loss = ascent_step(current, gradient, config.step_size, shift)
            yield DreamStep(octave, step, current, loss)
        if octave + 1 < len(shapes):
            detail = current - base


def reinject(base: np.ndarray, detail: np.ndarray) -> np.ndarray:
    """``clip(base + up(detail), 0, 1)``: an octave's start, its base plus the dream so far.

    Args:
        base: ``(h, w, 3)`` the input resized to this octave.
        detail: ``(h', w', 3)`` what the coarser octave added to its own base (zeros at first);
            resized (MATLAB bicubic) to ``(h, w)`` when the sizes differ.
    """
    out = resize_channels(detail, base.shape[:2])
    out += base
    return np.clip(out, 0.0, 1.0, out=out)


def resize_channels(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """MATLAB bicubic resize to ``shape``, one channel at a time (float32 result, a new array).

    Same values as ``imaging.imresize(image, output_shape=shape)``; resizing channel by channel
    keeps its float64 temporaries to a third, which matters on 4096 x 4096 images.
    """
    out = np.empty((*shape, image.shape[-1]), np.float32)
    for channel in range(image.shape[-1]):
        if image.shape[:2] == tuple(shape):
            out[..., channel] = image[..., channel]
        else:
            out[..., channel] = imaging.imresize(image[..., channel], output_shape=shape)
    return out


def _resized(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``image`` at ``shape`` (MATLAB bicubic), clipped to [0, 1]; the image itself if equal."""
    if image.shape[:2] == tuple(shape):
        return image
    return np.clip(resize_channels(image, shape), 0.0, 1.0)
