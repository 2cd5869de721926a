"""What a style-transfer run keeps and writes: the best image, the loss log and its companions.

:func:`keep_best` runs :func:`style_transfer.transfer.stylize` to the end and keeps the
lowest-loss image of the last stage; :func:`write_companions` writes, beside the output image
``OUT``, ``OUT_STEM.config.json`` (:func:`common.runconfig.write_run_config`),
``OUT_STEM.losses.tsv`` and optionally neural-style's ``progress.txt`` / ``progress.png`` in
OUT's folder.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

import imaging
from common.errors import UserError
from common.files import atomic_write
from common.runconfig import write_run_config
from style_transfer.config import StyleConfig
from style_transfer.plot import loss_plot

LOSS_KEYS = ("content", "style", "tv", "total")
#: Columns of the loss log; a row is one iteration.
ROW_HEADER = ("iteration", "width", "height", *LOSS_KEYS, "seconds")

#: ``(iteration, image, losses)`` as :func:`~style_transfer.transfer.stylize` yields it.
Step = tuple[int, np.ndarray, dict[str, float]]


def checkpoint_name(pattern: str, iteration: int) -> str:
    """neural-style's checkpoint names: ``{}``-style or ``%``-style placeholder."""
    if re.search(r"\{.*\}", pattern):
        return pattern.format(iteration)
    return pattern % iteration


def keep_best(
    steps: Iterable[Step], on_step: Callable[[Step, Step], None] | None = None
) -> tuple[list[tuple], Step]:
    """Run ``steps`` to the end; return the loss rows and the best step.

    The best step is the one of lowest total loss in the current stage (a stage starts when the
    image size changes, so the result is always at the last stage's size); ties go to the later
    iteration. A row is ``(iteration, width, height, content, style, tv, total, seconds)``,
    seconds counted from the call. ``on_step(step, best)`` is called after every iteration
    (progress bars, checkpoints).

    Raises:
        UserError: ``steps`` yields nothing.
    """
    rows: list[tuple] = []
    best: Step | None = None
    start = time.time()
    for step in steps:
        it, image, losses = step
        if best is None or best[1].shape != image.shape or losses["total"] <= best[2]["total"]:
            best = step
        elapsed = time.time() - start
        rows.append((it, image.shape[1], image.shape[0], *(losses[k] for k in LOSS_KEYS), elapsed))
        if on_step is not None:
            on_step(step, best)
    if best is None:
        raise UserError("the optimisation made no iteration")
    return rows, best


def companion_paths(output: str | os.PathLike) -> dict[str, Path]:
    """Files written beside ``output`` (progress files: in its folder, neural-style's names)."""
    out = Path(output)
    folder = Path(os.path.abspath(output)).parent
    return {
        "losses": out.with_name(f"{out.stem}.losses.tsv"),
        "progress_txt": folder / "progress.txt",
        "progress_png": folder / "progress.png",
    }


def write_companions(
    output: str | os.PathLike,
    config: StyleConfig,
    rows: list[tuple],
    *,
    progress_write: bool = False,
    progress_plot: bool = False,
    **record: Any,
) -> None:
    """Write the loss log, the run's config (``config``, ``record``, iterations run and final
    losses) and, if asked, neural-style's progress.txt and progress.png, beside ``output``."""
    paths = companion_paths(output)
    with atomic_write(paths["losses"], "w") as handle:
        handle.write("\t".join(ROW_HEADER) + "\n")
        for row in rows:
            handle.write("\t".join(f"{v:.8g}" if isinstance(v, float) else str(v) for v in row))
            handle.write("\n")
    final = dict(zip(LOSS_KEYS, rows[-1][3:7], strict=True))
    write_run_config(
        output, config, folder=False, iterations_run=len(rows), final_losses=final, **record
    )
    if progress_write:
        with atomic_write(paths["progress_txt"], "w") as handle:
            handle.write("# itr " + " ".join(LOSS_KEYS) + "\n")
            for row in rows:
                handle.write(" ".join([str(row[0])] + [f"{v:.8e}" for v in row[3:7]]) + "\n")
    if progress_plot:
        series = {k: [row[3 + i] for row in rows] for i, k in enumerate(LOSS_KEYS)}
        imaging.save_image(paths["progress_png"], loss_plot([r[0] for r in rows], series))
