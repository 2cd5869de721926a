"""Zoom animations (google/deepdream's "infinite zoom"): each frame is dreamed from the
previous frame zoomed in about its centre (and optionally rotated)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage

import imaging
from common.cli import flag
from common.errors import UserError
from deepdream.config import DreamConfig
from deepdream.dream import dream_with, make_gradient
from deepdream.networks import DreamNetwork
from deepdream.objectives import DreamObjective


class ZoomStep(NamedTuple):
    """A :class:`deepdream.dream.DreamStep` tagged with its frame; ``done`` is True on the last
    step of the frame (``image`` is then the finished, full-size frame)."""

    frame: int
    octave: int
    step: int
    image: np.ndarray
    loss: float
    done: bool


_GROUP = "zoom animation"


@dataclass(frozen=True)
class ZoomConfig:
    """A zoom animation (google/deepdream's "infinite zoom", :func:`deepdream.zoom.zoom_dream`).

    Attributes:
        frames: number of frames; 1 is a still dream, more an animated GIF.
        zoom: zoom factor about the centre between frames, in [1, 2].
        rotate: rotation between frames, degrees counter-clockwise.
        fps: frame rate of the GIF, in [0.1, 100].
    """

    frames: int = field(
        default=1,
        metadata=flag("number of frames; > 1 writes an animated GIF", type=int, group=_GROUP),
    )
    zoom: float = field(
        default=1.05, metadata=flag("zoom factor between frames, >= 1", type=float, group=_GROUP)
    )
    rotate: float = field(
        default=0.0,
        metadata=flag(
            "rotation between frames, degrees counter-clockwise", type=float, group=_GROUP
        ),
    )
    fps: float = field(default=10.0, metadata=flag("GIF frame rate", type=float, group=_GROUP))

    def __post_init__(self) -> None:
        problems = [
            message
            for bad, message in [
                (not 1 <= self.frames <= 10000, "--frames must be in 1..10000"),
                (not 1.0 <= self.zoom <= 2.0, "--zoom must be in [1, 2], e.g. 1.05"),
                (not math.isfinite(self.rotate), "--rotate must be a finite number of degrees"),
                (not 0.1 <= self.fps <= 100, "--fps must be in [0.1, 100]"),
            ]
            if bad
        ]
        if problems:
            raise UserError("; ".join(problems))


def zoom_frame(image: np.ndarray, zoom: float, rotate: float = 0.0) -> np.ndarray:
    """Zoom ``image`` about its centre by ``zoom`` (>= 1) and rotate it ``rotate`` degrees
    counter-clockwise, keeping its size.

    Args:
        image: ``(H, W, 3)`` float RGB in [0, 1].
    Returns:
        ``(H, W, 3)`` float32 in [0, 1]. Zoom uses MATLAB bicubic (imaging.imresize) and a
        centre crop; rotation a cubic spline with mirrored borders.
    """
    height, width = image.shape[:2]
    out = np.asarray(image, np.float32)
    if rotate:
        out = ndimage.rotate(out, rotate, axes=(1, 0), reshape=False, order=3, mode="mirror")
    if zoom != 1.0:
        big = imaging.imresize(out, zoom)
        top = (big.shape[0] - height) // 2
        left = (big.shape[1] - width) // 2
        out = big[top : top + height, left : left + width]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def zoom_dream(
    image: np.ndarray,
    network: DreamNetwork,
    objective: DreamObjective,
    config: DreamConfig,
    *,
    frames: int,
    zoom: float,
    rotate: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Iterator[ZoomStep]:
    """Dream ``frames`` frames: frame 0 from ``image``, frame k from ``zoom_frame(frame k-1)``.

    Yields a :class:`ZoomStep` after every step; the network's gradient function is traced
    once for the whole animation.
    """
    gradient = make_gradient(network, objective, config)
    rng = np.random.default_rng(config.seed) if rng is None else rng
    source = np.asarray(image, np.float32)
    for frame in range(frames):
        if frame:
            source = zoom_frame(source, zoom, rotate)
        for step in dream_with(source, gradient, network, config, rng):
            yield ZoomStep(frame, step.octave, step.step, step.image, step.loss, step.done)
            if step.done:
                source = step.image


def encode_gif(frames: Iterable[np.ndarray], *, fps: float = 10.0) -> bytes:
    """An endlessly looping animated GIF of ``frames`` (float [0, 1] or uint8, ``(H, W, 3)``).

    Frames are consumed lazily (e.g. a generator reading PNGs back), so memory stays at one
    frame plus the encoded GIF.
    """
    pictures = (Image.fromarray(imaging.to_uint8(frame), "RGB") for frame in frames)
    first = next(pictures, None)
    if first is None:
        raise ValueError("encode_gif needs at least one frame")
    buffer = io.BytesIO()
    first.save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pictures,
        duration=max(20, round(1000.0 / fps)),
        loop=0,
    )
    return buffer.getvalue()
