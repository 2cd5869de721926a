"""``neural_style.py``: neural style transfer (Gatys et al. 2016) from the command line.

    python scripts/neural_style.py --content C.jpg --styles S.jpg --output O.jpg

Options of anishathalye/neural-style keep their names and meanings; L-BFGS (default), seeds,
coarse-to-fine sizes, colour control (Gatys et al. 2017) and bf16 are additions. ``--compat an``
runs neural-style's algorithm itself (Adam, SAME pooling, Pillow resizing, no clipping, its noise,
its reading of MatConvNet kernels). Writes the output image and, beside it,
``<output stem>.config.json`` and ``<output stem>.losses.tsv``. The options that are
:class:`~style_transfer.config.StyleConfig` fields (loss weights, layers, optimiser, stages) are
built from its fields; the run itself is :mod:`style_transfer.cli_run`.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys

from common.cli import (
    ArgumentParser,
    DefaultsHelpFormatter,
    add_config_flags,
    config_from_args,
    given_values,
    output_problem,
    positive_int,
    run_main,
)
from common.precision import PRECISIONS, warn_precision
from style_transfer import cli_run
from style_transfer.config import MAX_WIDTH, StyleConfig, option
from style_transfer.outputs import checkpoint_name

PROG = "neural_style.py"

#: What --compat an sets (checked against the flags given), and the pooling padding otherwise.
COMPAT = {"an": {"optimizer": "adam", "pool_padding": "same", "resize": "pillow"}}
POOL_PADDING = "valid"
#: Adam's settings; given without --optimizer (and without --compat), a note says L-BFGS runs.
ADAM_SETTINGS = ("learning_rate", "beta1", "beta2", "epsilon")


def build_parser() -> argparse.ArgumentParser:
    """The parser: paths, network, starting image, colour and progress options here; loss
    weights, layers, optimiser and stages from :class:`StyleConfig`'s fields."""
    p = ArgumentParser(
        prog=PROG,
        description="Neural style transfer (Gatys, Ecker & Bethge, CVPR 2016) on VGG19. "
        "Loss weights are normalised as in anishathalye/neural-style, whose defaults they keep.",
        formatter_class=DefaultsHelpFormatter,
        epilog="Besides OUTPUT, every run writes OUTPUT_STEM.config.json (all settings, seed, "
        "final losses) and OUTPUT_STEM.losses.tsv (losses of every iteration). Layer names: "
        "Keras (block4_conv2) or Caffe/neural-style (relu4_2).",
    )
    _image_options(p.add_argument_group("images"))
    _network_options(p.add_argument_group("network"))
    add_config_flags(p, StyleConfig)
    _start_options(p.add_argument_group("starting image and seed"))
    color = p.add_argument_group("colour (Gatys et al. 2017)")
    color.add_argument(
        "--preserve-colors",
        action="store_true",
        help="post-hoc: keep the result's luminance, take the content's colours (neural-style)",
    )
    color.add_argument(
        "--color-control",
        choices=("none", "luminance", "histogram"),
        default="none",
        help="luminance: optimise on luminance only, then use the content's colours; "
        "histogram: match each style's colour mean and covariance to the content's",
    )
    _progress_options(p.add_argument_group("progress"))
    return p


def _image_options(io: argparse._ArgumentGroup) -> None:
    io.add_argument("--content", required=True, metavar="CONTENT", help="content image")
    io.add_argument("--styles", required=True, nargs="+", metavar="STYLE", help="style image(s)")
    io.add_argument("--output", required=True, metavar="OUTPUT", help="output image (.png, .jpg)")
    io.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    io.add_argument(
        "--width", type=positive_int, help="output width (content resized; aspect kept)"
    )


def _network_options(net: argparse._ArgumentGroup) -> None:
    net.add_argument(
        "--network",
        default="imagenet",
        metavar="WEIGHTS",
        help="VGG19 weights: 'imagenet' (Keras download, cached in ~/.keras/models), a Keras "
        "weights file (.h5/.weights.h5), MatConvNet's imagenet-vgg-verydeep-19.mat (MD5 "
        "8ee3263992981a1d26e73b3ca028a123; converted on load), or 'random' (tests only)",
    )
    net.add_argument(
        "--pooling",
        choices=("max", "avg"),
        default="max",
        help="pooling layers: max (neural-style) or avg (Gatys et al.)",
    )
    net.add_argument(
        "--pool-padding",
        choices=("valid", "same"),
        help="pooling of odd sides: valid rounds down (Keras' VGG19; default), same rounds up "
        "(neural-style; default with --compat an)",
    )
    net.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="VGG19 compute precision (mixed_bfloat16: bf16 convolutions and Gram products, "
        "float32 weights and loss sums)",
    )
    net.add_argument(
        "--compat",
        choices=tuple(COMPAT),
        help="an: anishathalye/neural-style's algorithm, its losses reproduced: --optimizer "
        "adam without clipping the pixels to [0, 1], --pool-padding same, --resize pillow, its "
        "starting noise (N(0, 0.256^2) on 0-255 around the mean pixel) and its reading of "
        "MatConvNet kernels (spatial axes swapped)",
    )


def _start_options(opt: argparse._ArgumentGroup) -> None:
    opt.add_argument(
        "--init",
        metavar="content|noise|style|PATH",
        help="starting image (default: noise, or content if --initial-noiseblend < 1)",
    )
    opt.add_argument("--initial", metavar="INITIAL", help="starting image file (= --init PATH)")
    opt.add_argument(
        "--initial-noiseblend",
        type=float,
        help="blend of the starting image with noise, in [0, 1] (default 0 with an initial "
        "image, else 1)",
    )
    opt.add_argument("--seed", type=int, help="random seed (recorded in the config if omitted)")


def _progress_options(out: argparse._ArgumentGroup) -> None:
    out.add_argument("--print-iterations", type=positive_int, help="print losses every N")
    out.add_argument(
        "--checkpoint-output",
        metavar="OUTPUT",
        help="checkpoint file pattern, e.g. out_{:05}.jpg or out_%%05d.jpg",
    )
    out.add_argument(
        "--checkpoint-iterations",
        type=positive_int,
        help="every N iterations, save the best image so far to --checkpoint-output",
    )
    out.add_argument(
        "--progress-write", action="store_true", help="write progress.txt to OUTPUT's dir"
    )
    out.add_argument(
        "--progress-plot", action="store_true", help="plot progress.png to OUTPUT's dir"
    )


def validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> StyleConfig:
    """Reject bad flags before anything is loaded or written; return the run's config.

    Checks of the options together come first, then :class:`StyleConfig`'s own checks of its
    values, then the output paths. Every failure is ``parser.error`` (one line, exit 2).
    """
    problem = _combination_problem(args)
    if problem:
        parser.error(problem)
    config = config_from_args(parser, StyleConfig, args, **compat_settings(args.compat))
    if args.content_weight_blend is not None and args.content_layers is not None:
        parser.error("--content-weight-blend applies to the default layers, not --content-layers")
    problem = output_problem(args.output, what="--output", overwrite=args.overwrite, image=True)
    if problem:
        parser.error(problem)
    return config


def compat_settings(compat: str | None) -> dict[str, object]:
    """The :class:`StyleConfig` values ``--compat`` sets (flags given still win; conflicts are
    refused first): neural-style's optimiser and resizing, and Adam without clipping."""
    if compat is None:
        return {}
    fields = {field.name for field in dataclasses.fields(StyleConfig)}
    return {"adam_clip": False, **{k: v for k, v in COMPAT[compat].items() if k in fields}}


def _combination_problem(args: argparse.Namespace) -> str | None:
    n = len(args.styles)
    for name in ("style_blend_weights", "style_scales"):
        values = getattr(args, name)
        if values is not None and len(values) != n:
            return f"{option(name)} has {len(values)} values for {n} style image(s)"
    if (args.checkpoint_output is None) != (args.checkpoint_iterations is None):
        return "use both --checkpoint-output and --checkpoint-iterations, or neither"
    if args.checkpoint_output is not None:
        problem = _checkpoint_problem(args.checkpoint_output)
        if problem:
            return problem
    if args.initial_noiseblend is not None and not 0.0 <= args.initial_noiseblend <= 1.0:
        return "--initial-noiseblend must be in [0, 1]"
    if args.init is not None and args.initial is not None:
        return "give --init or --initial, not both"
    if args.sizes is not None and args.width is not None:
        return "give --width or --sizes (the last size is the output width), not both"
    if (args.width or 0) > MAX_WIDTH:
        return f"output width above {MAX_WIDTH} pixels is not supported"
    for name, wanted in COMPAT.get(args.compat, {}).items():
        given = getattr(args, name)
        if given is not None and given != wanted:
            flag = "--" + name.replace("_", "-")
            return f"--compat {args.compat} uses {flag} {wanted}; drop {flag} {given}"
    return None


def _checkpoint_problem(pattern: str) -> str | None:
    if not re.search(r"\{.*\}|%", pattern):
        return "--checkpoint-output needs a placeholder, e.g. foo_{}.jpg or foo_%d.jpg"
    try:
        name = checkpoint_name(pattern, 1)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        return f"--checkpoint-output {pattern!r}: bad pattern ({exc})"
    return output_problem(name, what="--checkpoint-output", image=True)


def adam_note(args: argparse.Namespace) -> str | None:
    """One line when Adam's settings are given without --optimizer and without --compat: the
    default optimiser is L-BFGS, which ignores them."""
    given = given_values(args, StyleConfig)
    flags = [option(name) for name in ADAM_SETTINGS if name in given]
    if not flags or "optimizer" in given or args.compat is not None:
        return None
    return (
        f"{PROG}: note: {', '.join(flags)} set Adam, but the optimiser is L-BFGS (the "
        f"default), which ignores them; add --optimizer adam (or --compat an) to run Adam"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), check it, run; the exit code (0: written)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    config = validate(parser, args)
    note = adam_note(args)
    if note:
        print(note, file=sys.stderr, flush=True)
    if args.pool_padding is None:
        args.pool_padding = COMPAT.get(args.compat, {}).get("pool_padding", POOL_PADDING)
    warn_precision(PROG, args.precision)
    return run_main(PROG, lambda: cli_run.run(args, config, PROG))
