"""The work of one command-line dream: load, build the network, dream with a progress bar, write
the image (or the frames and the GIF) and the run's config file beside it."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import imaging
from common.files import atomic_write
from common.progress import progress
from common.runconfig import config_path, write_config
from common.seeds import seed_everything
from deepdream.config import DreamConfig
from deepdream.dream import check_image_size
from deepdream.guide import guide_features
from deepdream.networks import DreamNetwork, build_dream_network, resolve_terms
from deepdream.objectives import DreamObjective
from deepdream.octaves import quantize
from deepdream.zoom import ZoomConfig, encode_gif, zoom_dream

PROG = "deepdream"


@dataclass(frozen=True)
class DreamJob:
    """The files of one command-line dream and the recipe fields its flags overrode.

    Attributes:
        input: the image to dream on.
        output: the dream (``.png``, ``.jpg``; an animated ``.gif`` with several frames).
        guide: the guide image of a guided dream, or None.
        overrides: names of the recipe's fields set by a flag (``"terms"`` for --layers or
            --channel), recorded in the config file.
    """

    input: str
    output: str
    guide: str | None = None
    overrides: tuple[str, ...] = ()


def run_dream(config: DreamConfig, animation: ZoomConfig, job: DreamJob) -> Path:
    """Dream ``job.input`` with ``config``; write ``job.output`` and, beside it, the config file
    ``OUTPUT_STEM.config.json`` (:func:`common.runconfig.config_path`), whose path is returned.

    Raises:
        UserError: unreadable image, unknown layer, image too small, weights unavailable.
    """
    image = imaging.load_image(job.input)
    guide = imaging.load_image(job.guide) if job.guide else None
    config = config.replace(terms=resolve_terms(config.model, config.terms))
    rng = seed_everything(config.seed)
    network, objective = _build(config, image.shape, guide)
    output = Path(job.output)
    frames_dir = frame_path(output, 0).parent if animation.frames > 1 else None
    if frames_dir is not None:
        frames_dir.mkdir(exist_ok=True)
    start = time.perf_counter()
    final_loss = _dream_frames(image, network, objective, config, animation, rng, output)
    if frames_dir is not None:
        _write_gif(output, animation.frames, animation.fps)
    path = config_path(output, folder=False)
    write_config(
        path,
        config,
        input=os.path.abspath(job.input),
        output=os.path.abspath(job.output),
        guide=os.path.abspath(job.guide) if job.guide else None,
        **dataclasses.asdict(animation),
        overrides=list(job.overrides),
        frames_dir=str(frames_dir) if frames_dir else None,
        steps_per_frame=config.octaves * config.steps,
        final_loss=final_loss,
        seconds=round(time.perf_counter() - start, 3),
    )
    return path


def _build(
    config: DreamConfig, shape: tuple[int, ...], guide: np.ndarray | None
) -> tuple[DreamNetwork, DreamObjective]:
    """The network truncated at the config's layers and the objective on its activations."""
    network = build_dream_network(
        config.model,
        [t.layer for t in config.terms],
        weights=config.weights,
        precision=config.precision,
    )
    guides = guide_features(guide, network) if guide is not None else None
    objective = DreamObjective(
        config.terms,
        network.layers,
        network.channels,
        guides,
        kind=config.objective,
        border=config.loss_border,
    )
    check_image_size(shape, network, config)
    return network, objective


def frame_path(output: Path, frame: int) -> Path:
    """Where frame ``frame`` of an animation written to ``output`` goes:
    ``OUTPUT_STEM_frames/frame_NNNN.png``."""
    return output.with_name(output.stem + "_frames") / f"frame_{frame:04d}.png"


def _dream_frames(
    image: np.ndarray,
    network: DreamNetwork,
    objective: DreamObjective,
    config: DreamConfig,
    animation: ZoomConfig,
    rng: np.random.Generator,
    output: Path,
) -> float | None:
    """Dream every frame under a progress bar, writing each finished one (the output itself when
    there is one frame); returns the last frame's final objective."""
    frames = animation.frames
    steps = config.octaves * config.steps
    final_loss = None
    with progress(frames * steps, desc=PROG, unit="step", dynamic_ncols=True) as bar:
        for event in zoom_dream(
            image,
            network,
            objective,
            config,
            frames=frames,
            zoom=animation.zoom,
            rotate=animation.rotate,
            rng=rng,
        ):
            where = f"frame {event.frame + 1}/{frames} " if frames > 1 else ""
            where += f"octave {event.octave + 1}/{config.octaves} loss {event.loss:.4g}"
            bar.set_postfix_str(where, refresh=False)
            bar.update(1)
            if event.done:  # an early stop (--max-loss) skips steps: count the frame as done
                bar.update((event.frame + 1) * steps - bar.n)
                final_loss = event.loss
                pixels = quantize(event.image, config.quantize)
                target = frame_path(output, event.frame) if frames > 1 else output
                imaging.save_image(target, pixels)
    return final_loss


def _write_gif(output: Path, frames: int, fps: float) -> None:
    """Encode the frames written beside ``output`` as the animated GIF ``output`` (atomically)."""
    paths = [frame_path(output, k) for k in range(frames)]
    data = encode_gif((imaging.load_image(p) for p in paths), fps=fps)
    with atomic_write(output, "wb") as handle:
        handle.write(data)
