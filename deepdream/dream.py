"""DeepDream by gradient ascent over octaves (Mordvintsev et al., google/deepdream, 2015).

Each step (:func:`ascent_step`)

    g   = d(objective)/d(image) on the image rolled by a random jitter, rolled back,
    x  <- clip(x + step_size * g / max(mean|g|, eps), 0, 1)

with the gradient computed tile by tile (:mod:`deepdream.tiling`); the tutorial recipe divides by
``std(g) + eps`` instead and the Keras recipe does not clip. Between octaves (``config.detail``):

* ``"before"`` (ours): octave ``k`` starts from ``base_k + up(detail)``, ``base_k`` the input
  resized to it and ``detail`` what the previous octave added to its own base, so the input's
  own fine detail is present during every octave's ascent and only the dream is upscaled;
* ``"after"`` (Keras example): the previous result is upscaled, dreamed on, and then the
  detail the last upscaling lost, ``R(input, s_k) - R(R(input, s_{k-1}), s_k)``, is added;
* ``"none"`` (TensorFlow tutorial): the previous result is upscaled and dreamed on.

An octave ends early after the step whose objective (measured before it) exceeds
``config.max_loss``. If the finest octave is not the input's size, the dream is resized back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from common.errors import UserError
from deepdream.config import DreamConfig
from deepdream.networks import DreamNetwork
from deepdream.objectives import DreamObjective
from deepdream.octaves import octave_shapes, resize_image
from deepdream.tiling import TiledGradient, smallest_tile

#: Smallest mean |gradient| divided by (avoids 0/0 on a flat objective).
_EPS = 1e-8


class DreamStep(NamedTuple):
    """One gradient-ascent step: octave index (0 = coarsest), step index within the octave,
    the image after the step (``(h, w, 3)`` float32 RGB, in [0, 1] unless ``config.clip`` is
    off; octave-sized except on the last step; never mutated afterwards), the objective before
    the step, and whether this is the dream's last step (its image is then the finished dream,
    at the input's size)."""

    octave: int
    step: int
    image: np.ndarray
    loss: float
    done: bool = False


def config_shapes(height: int, width: int, config: DreamConfig) -> list[tuple[int, int]]:
    """:func:`deepdream.octaves.octave_shapes` of an input of ``height x width`` for ``config``."""
    return octave_shapes(
        height,
        width,
        config.octaves,
        config.octave_scale,
        config.finest_octave,
        config.octave_rounding,
    )


def check_image_size(shape: tuple[int, ...], network: DreamNetwork, config: DreamConfig) -> None:
    """Raise :class:`UserError` if an octave or a tile would be too small."""
    height, width = shape[:2]
    shapes = config_shapes(height, width, config)
    coarse = shapes[0]
    if min(coarse) < network.min_size:
        raise UserError(
            f"image {width}x{height} is too small for {config.octaves} octave(s) of scale "
            f"{config.octave_scale:g}: the coarsest octave would be {coarse[1]}x{coarse[0]} and "
            f"{network.name} needs at least {network.min_size} px; use fewer octaves or a "
            f"larger image"
        )
    sides = {side for octave in shapes for side in octave}
    for side in sorted(sides):
        if smallest_tile(side, config.tile_size, config.tile_layout) < network.min_size:
            raise UserError(
                f"tile size {config.tile_size} is too small for {network.name} on a {side} px "
                f"side (tiles must stay >= {network.min_size} px); use a tile size of at least "
                f"{2 * network.min_size}"
            )


def random_shift(
    rng: np.random.Generator,
    shape: tuple[int, int],
    jitter: int,
    tile_size: int,
    tile_shift: bool = True,
) -> tuple[int, int]:
    """Roll for one step: uniform in ``[-jitter, jitter]`` per axis (google/deepdream), plus,
    if ``tile_shift``, a uniform offset in ``[0, tile_size)`` along axes cut into several tiles,
    so seams move. ``jitter=0`` is no shift at all (and draws nothing from ``rng``)."""
    if jitter == 0:
        return 0, 0
    shift = []
    for side in shape:
        value = int(rng.integers(-jitter, jitter + 1))
        if tile_shift and 0 < tile_size < side:
            value += int(rng.integers(0, tile_size))
        shift.append(value)
    return shift[0], shift[1]


def ascent_step(
    image: np.ndarray,
    gradient: TiledGradient,
    step_size: float,
    shift: tuple[int, int] = (0, 0),
    *,
    normalize: str = "mean_abs",
    epsilon: float = _EPS,
    clip: bool = True,
) -> tuple[np.ndarray, float]:
    """One normalised gradient-ascent step; returns ``(new image, objective before the step)``.

    ``x + step_size * g / max(mean|g|, epsilon)`` (``normalize="mean_abs"``) or
    ``x + step_size * g / (std(g) + epsilon)`` (``"std"``), clipped to [0, 1] if ``clip``.
    ``image`` float32 ``(H, W, 3)``; the result is a new array.
    """
    grad, loss = gradient(image, shift)
    divisor = std(grad) + epsilon if normalize == "std" else max(mean_abs(grad), epsilon)
    grad *= step_size / divisor
    grad += image
    if clip:
        np.clip(grad, 0.0, 1.0, out=grad)
    return grad, loss


def mean_abs(array: np.ndarray, chunks: int = 16) -> float:
    """``mean(|array|)`` without an image-sized temporary (chunked; float64 accumulation)."""
    flat = array.reshape(-1)
    total = sum(float(np.abs(part).sum(dtype=np.float64)) for part in np.array_split(flat, chunks))
    return total / max(flat.size, 1)


def std(array: np.ndarray, chunks: int = 16) -> float:
    """Population standard deviation of ``array`` (chunked, float64 accumulation, two passes)."""
    flat = array.reshape(-1)
    count = max(flat.size, 1)
    mean = sum(float(part.sum(dtype=np.float64)) for part in np.array_split(flat, chunks)) / count
    squares = sum(
        float(np.square(part.astype(np.float64) - mean).sum())
        for part in np.array_split(flat, chunks)
    )
    return float(np.sqrt(squares / count))


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
        config: octaves, steps, step size, jitter, tiling, recipe settings.
        rng: jitter source; defaults to ``np.random.default_rng(config.seed)``.

    The last step (``done=True``) carries the dream at the input's size.
    """
    gradient = make_gradient(network, objective, config)
    rng = np.random.default_rng(config.seed) if rng is None else rng
    yield from dream_with(image, gradient, network, config, rng)


def make_gradient(
    network: DreamNetwork, objective: DreamObjective, config: DreamConfig
) -> TiledGradient:
    """The :class:`TiledGradient` of ``config``'s tiling."""
    return TiledGradient(
        network.features, objective, config.tile_size, config.tile_margin, config.tile_layout
    )


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
    shapes = config_shapes(*original.shape[:2], config)
    octave_start = _OCTAVE_STARTS[config.detail]
    state = None
    for octave, shape in enumerate(shapes):
        current, state = octave_start(original, shapes, octave, state, config)
        for step in range(config.steps):
            shift = random_shift(rng, shape, config.jitter, config.tile_size, config.tile_shift)
            current, loss = ascent_step(
                current,
                gradient,
                config.step_size,
                shift,
                normalize=config.normalize,
                epsilon=config.grad_epsilon,
                clip=config.clip,
            )
            stop = config.max_loss is not None and loss > config.max_loss
            if stop or step + 1 == config.steps:
                current, state = _octave_end(original, shapes, octave, current, state, config)
                done = octave + 1 == len(shapes)
                yield DreamStep(octave, step, current, loss, done)
                break
            yield DreamStep(octave, step, current, loss)


def _octave_end(original, shapes, octave, current, state, config):
    """Finish an octave: Keras-style detail re-injection, and the final resize to the input."""
    last = octave + 1 == len(shapes)
    if config.detail == "after":
        current = current + lost_detail(original, shapes, octave, config.resize)
        if config.clip:
            np.clip(current, 0.0, 1.0, out=current)
    if config.detail != "before":
        state = current  # the next octave upscales this result
    elif not last:
        state = current - state  # the dream so far: what this octave added to its base
    if last and current.shape[:2] != original.shape[:2]:
        current = _maybe_clip(resize_image(current, original.shape[:2], config.resize), config)
    return current, state


def lost_detail(
    original: np.ndarray, shapes: list[tuple[int, int]], octave: int, method: str
) -> np.ndarray:
    """What upscaling from the previous octave lost: ``R(x, s_k) - R(R(x, s_{k-1}), s_k)``
    (zero at the coarsest octave, where ``s_{-1} = s_0``)."""
    shape = shapes[octave]
    shrunk = resize_image(original, shapes[max(octave - 1, 0)], method)
    return resize_image(original, shape, method) - resize_image(shrunk, shape, method)


def _start_before(original, shapes, octave, detail, config):
    """Ours: ``base_k + up(detail)``; returns the start and ``base_k`` (to measure the dream)."""
    base = _maybe_clip(resize_image(original, shapes[octave], config.resize), config)
    if detail is None:
        return base, base
    return reinject(base, detail, config.resize, config.clip), base


def _start_upscaled(original, shapes, octave, previous, config):
    """Keras example and tutorial: the previous octave's result (the input at first), resized."""
    source = original if previous is None else previous
    return _maybe_clip(resize_image(source, shapes[octave], config.resize), config), None


_OCTAVE_STARTS = {"before": _start_before, "after": _start_upscaled, "none": _start_upscaled}


def _maybe_clip(image: np.ndarray, config: DreamConfig) -> np.ndarray:
    if not config.clip:
        return image
    if image.min() < 0.0 or image.max() > 1.0:
        return np.clip(image, 0.0, 1.0)
    return image


def reinject(
    base: np.ndarray, detail: np.ndarray, method: str = "bicubic", clip: bool = True
) -> np.ndarray:
    """``clip(base + up(detail), 0, 1)``: an octave's start, its base plus the dream so far.

    Args:
        base: ``(h, w, 3)`` the input resized to this octave.
        detail: ``(h', w', 3)`` what the coarser octave added to its own base; resized by
            ``method`` (:func:`deepdream.octaves.resize_image`) to ``(h, w)``.
        clip: clip the sum to [0, 1].
    Returns:
        A new ``(h, w, 3)`` float32 array.
    """
    out = resize_image(detail, base.shape[:2], method) + base
    return np.clip(out, 0.0, 1.0, out=out) if clip else out
