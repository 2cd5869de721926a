"""The run of ``neural_style.py`` once its flags are checked (:mod:`style_transfer.cli`).

Loads the images, builds VGG19, draws the starting image, optimises with a progress bar,
checkpoints and printed losses, then writes OUTPUT and its companions
(:func:`style_transfer.outputs.write_companions`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

import imaging
from common.cli import given_values
from common.errors import UserError
from common.progress import progress
from common.seeds import resolve_seed, seed_everything
from style_transfer import color, outputs, transfer, vgg
from style_transfer.config import MAX_WIDTH, StyleConfig
from style_transfer.resizing import resize_to_width

#: Options of the config record's "arguments" that stay None when not given (they have no
#: value of their own: the blend applies only to the default layers, no sizes is one stage).
UNSET_WHEN_NOT_GIVEN = ("content_weight_blend", "sizes")


def run(args: argparse.Namespace, config: StyleConfig, prog: str) -> int:
    """Stylize ``args.content`` with ``args.styles`` under ``config``; write ``args.output``."""
    seed = resolve_seed(args.seed)
    rng = seed_everything(seed)
    content_rgb, content, styles = _inputs(args, config)
    init, blend = starting_point(args)
    if isinstance(init, np.ndarray) and args.color_control == "luminance":
        init = color.luminance_image(init)
    model = transfer.build_feature_model(
        config,
        args.network,
        args.pooling,
        args.precision,
        pool_padding=args.pool_padding,
        transpose_kernels=args.compat == "an",
    )
    first = content
    if config.sizes:
        first = resize_to_width(content, config.sizes[0], config.resize)
    initial = transfer.initial_image(
        init,
        first,
        styles,
        blend,
        rng,
        mean_rgb=vgg.mean_of(model),
        noise_sigma=transfer.AN_NOISE_SIGMA if args.compat == "an" else None,
        resize=config.resize,
    )

    def finish(image: np.ndarray) -> np.ndarray:
        image = np.clip(image, 0.0, 1.0)  # unclipped Adam (--compat an) may leave [0, 1]
        return color.finish_colors(args.color_control, image, content_rgb, args.preserve_colors)

    start = time.time()
    rows, best = _optimise(args, config, content, styles, model, initial, finish)
    seconds = time.time() - start
    final = finish(best[1])
    imaging.save_image(args.output, final)
    outputs.write_companions(
        args.output,
        config,
        rows,
        progress_write=args.progress_write,
        progress_plot=args.progress_plot,
        arguments=recorded_arguments(args, config),
        seed=seed,
        content_shape=list(content_rgb.shape),
        output_shape=list(final.shape),
        seconds=round(seconds, 3),
    )
    _report(prog, args.output, config, content.shape[1], rows, best, final.shape, seconds)
    return 0


def _inputs(
    args: argparse.Namespace, config: StyleConfig
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(content as loaded and resized to --width, content and styles to optimise with)."""
    content_rgb = _load("--content", args.content)
    styles_rgb = [_load("--styles", path) for path in args.styles]
    if args.width is not None:
        content_rgb = resize_to_width(content_rgb, args.width, config.resize)
    if not config.sizes and content_rgb.shape[1] > MAX_WIDTH:
        raise UserError(
            f"--content is {content_rgb.shape[1]} pixels wide, above {MAX_WIDTH}; choose a "
            f"smaller output with --width or --sizes"
        )
    content, styles = color.prepare_colors(args.color_control, content_rgb, styles_rgb)
    transfer.check_sizes(content, styles, config)
    return content_rgb, content, styles


def starting_point(args: argparse.Namespace) -> tuple[str | np.ndarray, float]:
    """neural-style's rules: ``(init, noiseblend)``, init a name or the loaded image file."""
    source = args.init if args.init is not None else args.initial
    blend = args.initial_noiseblend
    if source is None:
        blend = 1.0 if blend is None else blend
        return ("noise" if blend >= 1.0 else "content"), blend
    blend = 0.0 if blend is None else blend
    if source in transfer.INITS:
        return source, blend
    return _load("--initial" if args.init is None else "--init", source), blend


def _load(flag: str, path: str) -> np.ndarray:
    """imaging.load_image, its one-line message prefixed by the flag that named the file."""
    try:
        return imaging.load_image(path)
    except imaging.ImageError as exc:
        raise UserError(f"{flag}: {exc}") from exc


def _optimise(
    args: argparse.Namespace,
    config: StyleConfig,
    content: np.ndarray,
    styles: list[np.ndarray],
    model: Any,
    initial: np.ndarray,
    finish: Callable[[np.ndarray], np.ndarray],
) -> tuple[list[tuple], outputs.Step]:
    """:func:`outputs.keep_best` of the stylize run, with the progress bar, --print-iterations
    lines (stdout) and --checkpoint-output images (the best so far, colours finished)."""
    total = sum(n for _, n in transfer.stage_plan(config, content.shape[1]))
    keys = outputs.LOSS_KEYS

    def on_step(step: outputs.Step, best: outputs.Step) -> None:
        it, image, losses = step
        bar.update(it - bar.n)
        bar.set_postfix({k: f"{losses[k]:.3g}" for k in keys}, refresh=False)
        if args.print_iterations and it % args.print_iterations == 0:
            text = "  ".join(f"{k} {losses[k]:.4g}" for k in keys)
            size = f"{image.shape[1]}x{image.shape[0]}"
            bar.write(f"iteration {it}/{total} ({size}): {text}", file=sys.stdout)
        if args.checkpoint_iterations and it % args.checkpoint_iterations == 0:
            path = outputs.checkpoint_name(args.checkpoint_output, it)
            imaging.save_image(path, finish(best[1]))

    try:
        with progress(total, desc="style transfer", unit="it") as bar:
            steps = transfer.stylize(content, styles, model, config, initial)
            return outputs.keep_best(steps, on_step)
    except (MemoryError, tf.errors.ResourceExhaustedError) as exc:
        raise UserError(
            f"out of memory at {content.shape[1]} pixels wide ({type(exc).__name__}); use a "
            f"smaller --width or --sizes, or --precision mixed_bfloat16"
        ) from exc


def recorded_arguments(args: argparse.Namespace, config: StyleConfig) -> dict[str, Any]:
    """The "arguments" of the config record: every option by its argparse name (``eps`` for
    --eps), defaults and --compat's settings filled in, as the record has always held them."""
    values = dict(vars(args))
    given = given_values(args, StyleConfig)
    for name in StyleConfig.__dataclass_fields__:
        if name in values and name not in given and name not in UNSET_WHEN_NOT_GIVEN:
            values[name] = getattr(config, name)
    values["eps"] = values.pop("epsilon")
    return values


def _report(
    prog: str,
    output: str,
    config: StyleConfig,
    width: int,
    rows: list[tuple],
    best: outputs.Step,
    shape: tuple[int, ...],
    seconds: float,
) -> None:
    """The closing lines on stdout: an early L-BFGS stop, then what was written."""
    planned = sum(n for _, n in transfer.stage_plan(config, width))
    if config.optimizer == "lbfgs" and len(rows) < planned:
        print(
            f"{prog}: L-BFGS stopped early ({len(rows)} of {planned} iterations): no further "
            f"descent found (converged, or gradients too noisy at this precision)"
        )
    print(
        f"{prog}: wrote {output} ({shape[1]}x{shape[0]}, {len(rows)} iterations, "
        f"{seconds:.1f} s, loss {best[2]['total']:.4g})"
    )
