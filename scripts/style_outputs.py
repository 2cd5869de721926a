"""What a neural-style run writes: checkpoints, the loss log, the config and progress files.

Script-side (library code never writes files): drives ``style_transfer.transfer.stylize`` with a
progress bar, keeps the lowest-loss image of the last stage, and writes the companions of
OUTPUT (``OUTPUT_STEM.config.json``, ``OUTPUT_STEM.losses.tsv``, optional progress files).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import time

import imaging
from common.errors import UserError
from common.files import atomic_write
from common.runconfig import write_config


def checkpoint_name(pattern: str, iteration: int) -> str:
    """neural-style's checkpoint names: ``{}``-style or ``%``-style placeholder."""
    if re.search(r"\{.*\}", pattern):
        return pattern.format(iteration)
    return pattern % iteration


def companion_paths(output: str) -> dict[str, str]:
    """Files written beside ``output``."""
    stem = os.path.splitext(output)[0]
    folder = os.path.dirname(os.path.abspath(output))
    return {
        "config": f"{stem}.config.json",
        "losses": f"{stem}.losses.tsv",
        "progress_txt": os.path.join(folder, "progress.txt"),
        "progress_png": os.path.join(folder, "progress.png"),
    }


LOSS_KEYS = ("content", "style", "tv", "total")


def optimise(args, config, content, styles, model, initial, finish):
    """Run the generator: progress bar, printing, checkpoints; returns (log rows, best step)."""
    from tqdm import tqdm

    from style_transfer import transfer

    total = sum(n for _, n in transfer.stage_plan(config, content.shape[1]))
    rows: list[tuple] = []
    best = None
    start = time.time()
    bar = tqdm(total=total, desc="style transfer", unit="it", disable=None, file=sys.stderr)
    with bar:
        steps = transfer.stylize(content, styles, model, config, initial)
        for it, image, losses in steps:
            new_stage = best is None or best[1].shape != image.shape
            if new_stage or losses["total"] <= best[2]["total"]:
                best = (it, image, losses)
            rows.append(
                (
                    it,
                    image.shape[1],
                    image.shape[0],
                    *(losses[k] for k in LOSS_KEYS),
                    time.time() - start,
                )
            )
            bar.update(it - bar.n)
            bar.set_postfix({k: f"{losses[k]:.3g}" for k in LOSS_KEYS}, refresh=False)
            if args.print_iterations and it % args.print_iterations == 0:
                text = "  ".join(f"{k} {losses[k]:.4g}" for k in LOSS_KEYS)
                tqdm.write(
                    f"iteration {it}/{total} ({image.shape[1]}x{image.shape[0]}): {text}",
                    file=sys.stdout,
                )
            if args.checkpoint_iterations and it % args.checkpoint_iterations == 0:
                imaging.save_image(checkpoint_name(args.checkpoint_output, it), finish(best[1]))
    if best is None:
        raise UserError("the optimisation made no iteration")
    return rows, best


def write_companions(args, config, rows, seed, content_shape, output_shape, seconds) -> None:
    paths = companion_paths(args.output)
    header = ("iteration", "width", "height", *LOSS_KEYS, "seconds")
    with atomic_write(paths["losses"], "w") as handle:
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(f"{v:.8g}" if isinstance(v, float) else str(v) for v in row))
            handle.write("\n")
    last = dict(zip(LOSS_KEYS, rows[-1][3:7], strict=True))
    write_config(
        paths["config"],
        dataclasses.asdict(config),
        arguments=vars(args),
        seed=seed,
        content_shape=list(content_shape),
        output_shape=list(output_shape),
        iterations_run=len(rows),
        final_losses=last,
        seconds=round(seconds, 3),
    )
    if args.progress_write:
        with atomic_write(paths["progress_txt"], "w") as handle:
            handle.write("# itr " + " ".join(LOSS_KEYS) + "\n")
            for row in rows:
                handle.write(" ".join([str(row[0])] + [f"{v:.8e}" for v in row[3:7]]) + "\n")
    if args.progress_plot:
        from style_transfer.plot import loss_plot

        series = {k: [row[3 + i] for row in rows] for i, k in enumerate(LOSS_KEYS)}
        imaging.save_image(paths["progress_png"], loss_plot([r[0] for r in rows], series))
