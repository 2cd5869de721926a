"""Neural style transfer (Gatys et al. 2016) from the command line.

    python scripts/neural_style.py --content C.jpg --styles S.jpg --output O.jpg

Options of anishathalye/neural-style keep their names and meanings; L-BFGS (default), seeds,
coarse-to-fine sizes, colour control (Gatys et al. 2017) and bf16 are additions. ``--compat an``
runs neural-style's algorithm itself (Adam, SAME pooling, Pillow resizing, no clipping, its noise,
its reading of MatConvNet kernels). Writes the output image and, beside it,
``<output stem>.config.json`` and ``<output stem>.losses.tsv``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

if __package__ in (None, ""):  # run as `python scripts/neural_style.py`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image

import imaging
from common.cli import (
    ArgumentParser,
    DefaultsHelpFormatter,
    nonneg_float,
    positive_float,
    positive_int,
    run_main,
)
from common.errors import UserError
from common.precision import warn_precision
from scripts.style_outputs import checkpoint_name, optimise, write_companions

PROG = "neural_style.py"
MAX_WIDTH = 8192

#: Adam's settings (neural-style's defaults); given without --optimizer, a note says L-BFGS runs.
ADAM_DEFAULTS = {"learning_rate": 10.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

#: What --compat an sets, and our defaults otherwise.
COMPAT = {
    None: {"optimizer": "lbfgs", "pool_padding": "valid", "resize": "matlab"},
    "an": {"optimizer": "adam", "pool_padding": "same", "resize": "pillow"},
}


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=PROG,
        description="Neural style transfer (Gatys, Ecker & Bethge, CVPR 2016) on VGG19. "
        "Loss weights are normalised as in anishathalye/neural-style, whose defaults they keep.",
        formatter_class=DefaultsHelpFormatter,
        epilog="Besides OUTPUT, every run writes OUTPUT_STEM.config.json (all settings, seed, "
        "final losses) and OUTPUT_STEM.losses.tsv (losses of every iteration). Layer names: "
        "Keras (block4_conv2) or Caffe/neural-style (relu4_2).",
    )
    io = p.add_argument_group("images")
    io.add_argument("--content", required=True, metavar="CONTENT", help="content image")
    io.add_argument("--styles", required=True, nargs="+", metavar="STYLE", help="style image(s)")
    io.add_argument("--output", required=True, metavar="OUTPUT", help="output image (.png, .jpg)")
    io.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    io.add_argument(
        "--width", type=positive_int, help="output width (content resized; aspect kept)"
    )
    io.add_argument(
        "--sizes",
        type=positive_int,
        nargs="+",
        metavar="WIDTH",
        help="coarse-to-fine: optimise at each width in turn (e.g. 256 512 1024), each stage "
        "starting from the previous result upsampled; the last is the output width",
    )
    io.add_argument(
        "--stage-iterations",
        type=positive_int,
        nargs="+",
        metavar="N",
        help="iterations of each --sizes stage (default: --iterations at every stage)",
    )
    io.add_argument(
        "--resize",
        choices=("matlab", "pillow"),
        help="resizing of content (--width), styles and stages: matlab (bicubic in float, sizes "
        "rounded; default) or pillow (neural-style: Pillow bicubic on 8-bit pixels, sizes "
        "floored; default with --compat an)",
    )
    io.add_argument(
        "--style-scales",
        type=positive_float,
        nargs="+",
        metavar="STYLE_SCALE",
        help="per style: resize it to STYLE_SCALE x the width being optimised (default 1.0 each)",
    )

    net = p.add_argument_group("network")
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
        "--content-layers",
        nargs="+",
        metavar="LAYER",
        help="content layers, equally weighted (default relu4_2, blended with relu5_2 by "
        "--content-weight-blend); Keras (block4_conv2) or Caffe (relu4_2) names",
    )
    net.add_argument(
        "--style-layers",
        nargs="+",
        metavar="LAYER",
        default=["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"],
        help="style layers",
    )
    net.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default="float32",
        help="VGG19 compute precision (mixed_bfloat16: bf16 convolutions and Gram products, "
        "float32 weights and loss sums)",
    )

    loss = p.add_argument_group("loss weights")
    loss.add_argument(
        "--content-weight", type=nonneg_float, default=5.0, help="alpha, content loss weight"
    )
    loss.add_argument(
        "--content-weight-blend",
        type=float,
        help="relu4_2 * blend + relu5_2 * (1 - blend), in [0, 1] (default 1)",
    )
    loss.add_argument(
        "--style-weight", type=nonneg_float, default=500.0, help="beta, style loss weight"
    )
    loss.add_argument(
        "--style-layer-weight-exp",
        type=positive_float,
        default=1.0,
        help="weight(layer n+1) = exp * weight(layer n); layer weights sum to 1",
    )
    loss.add_argument(
        "--style-blend-weights",
        type=nonneg_float,
        nargs="+",
        metavar="STYLE_BLEND_WEIGHT",
        help="one weight per style, normalised to sum 1 (default equal)",
    )
    loss.add_argument(
        "--tv-weight",
        type=nonneg_float,
        default=100.0,
        help="total-variation weight (squared differences, 0-255 pixel scale)",
    )

    opt = p.add_argument_group("optimisation")
    opt.add_argument(
        "--compat",
        choices=("an",),
        help="an: anishathalye/neural-style's algorithm, its losses reproduced: --optimizer "
        "adam without clipping the pixels to [0, 1], --pool-padding same, --resize pillow, its "
        "starting noise (N(0, 0.256^2) on 0-255 around the mean pixel) and its reading of "
        "MatConvNet kernels (spatial axes swapped)",
    )
    opt.add_argument(
        "--optimizer",
        choices=("lbfgs", "adam"),
        help="lbfgs: scipy L-BFGS-B on the pixels, bounded to [0, 1] (Gatys, jcjohnson; default); "
        "adam: neural-style's optimiser, pixels clipped to [0, 1] after each step (default with "
        "--compat an, unclipped)",
    )
    opt.add_argument(
        "--iterations", type=positive_int, default=1000, help="iterations (per --sizes stage)"
    )
    opt.add_argument(
        "--learning-rate", type=positive_float, help="Adam step, 0-255 pixel units (default 10)"
    )
    opt.add_argument("--beta1", type=float, help="Adam beta1 (default 0.9)")
    opt.add_argument("--beta2", type=float, help="Adam beta2 (default 0.999)")
    opt.add_argument("--eps", type=positive_float, help="Adam epsilon (default 1e-08)")
    opt.add_argument("--lbfgs-memory", type=positive_int, default=10, help="L-BFGS pairs kept")
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

    out = p.add_argument_group("progress")
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
    return p


def _check_writable(parser: argparse.ArgumentParser, path: str, what: str) -> None:
    if os.path.splitext(path)[1].lower() not in Image.registered_extensions():
        parser.error(f"{what} {path!r}: unknown image extension (use .png or .jpg)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        parser.error(f"{what} {path!r}: directory {folder} does not exist")
    if not os.access(folder, os.W_OK):
        parser.error(f"{what} {path!r}: directory {folder} is not writable")


def validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject bad flag combinations before anything is loaded or written."""
    from style_transfer.vgg import canonical_layer_name

    n = len(args.styles)
    for flag, values in (
        ("--style-blend-weights", args.style_blend_weights),
        ("--style-scales", args.style_scales),
    ):
        if values is not None and len(values) != n:
            parser.error(f"{flag} has {len(values)} values for {n} style image(s)")
    if args.style_blend_weights is not None and sum(args.style_blend_weights) <= 0:
        parser.error("--style-blend-weights must not all be zero")
    if (args.checkpoint_output is None) != (args.checkpoint_iterations is None):
        parser.error("use both --checkpoint-output and --checkpoint-iterations, or neither")
    if args.checkpoint_output is not None:
        if not re.search(r"\{.*\}|%", args.checkpoint_output):
            parser.error("--checkpoint-output needs a placeholder, e.g. foo_{}.jpg or foo_%d.jpg")
        try:
            name = checkpoint_name(args.checkpoint_output, 1)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            parser.error(f"--checkpoint-output {args.checkpoint_output!r}: bad pattern ({exc})")
        _check_writable(parser, name, "--checkpoint-output")
    if args.content_weight_blend is not None:
        if not 0.0 <= args.content_weight_blend <= 1.0:
            parser.error("--content-weight-blend must be in [0, 1]")
        if args.content_layers is not None:
            parser.error(
                "--content-weight-blend applies to the default layers, not --content-layers"
            )
    if args.initial_noiseblend is not None and not 0.0 <= args.initial_noiseblend <= 1.0:
        parser.error("--initial-noiseblend must be in [0, 1]")
    if args.init is not None and args.initial is not None:
        parser.error("give --init or --initial, not both")
    if args.sizes is not None and args.width is not None:
        parser.error("give --width or --sizes (the last size is the output width), not both")
    if args.stage_iterations is not None and len(args.stage_iterations) != len(args.sizes or []):
        parser.error("--stage-iterations needs one count per --sizes value")
    if max([args.width or 0, *(args.sizes or [])]) > MAX_WIDTH:
        parser.error(f"output width above {MAX_WIDTH} pixels is not supported")
    for flag, value in (("--beta1", args.beta1), ("--beta2", args.beta2)):
        if value is not None and not 0 <= value < 1:
            parser.error(f"{flag} must be in [0, 1)")
    if args.compat is not None:
        for name, wanted in COMPAT[args.compat].items():
            given = getattr(args, name)
            if given is not None and given != wanted:
                flag = "--" + name.replace("_", "-")
                parser.error(f"--compat {args.compat} uses {flag} {wanted}; drop {flag} {given}")
    for flag, layers in (
        ("--content-layers", args.content_layers),
        ("--style-layers", args.style_layers),
    ):
        for layer in layers or []:
            try:
                canonical_layer_name(layer)
            except ValueError as exc:
                parser.error(f"{flag}: {exc}")
    _check_writable(parser, args.output, "--output")
    if os.path.exists(args.output) and not args.overwrite:
        parser.error(f"{args.output} already exists; pass --overwrite to replace it")


def resolve(args: argparse.Namespace) -> list[str]:
    """Fill the settings left to defaults (those of --compat if given); returns notes to print.

    A note (one line) says which optimiser runs when Adam's settings are given without
    --optimizer and without --compat: the default is L-BFGS, which ignores them.
    """
    notes = []
    adam_flags = [f"--{k.replace('_', '-')}" for k in ADAM_DEFAULTS if getattr(args, k) is not None]
    if adam_flags and args.optimizer is None and args.compat is None:
        notes.append(
            f"{PROG}: note: {', '.join(adam_flags)} set Adam, but the optimiser is L-BFGS (the "
            f"default), which ignores them; add --optimizer adam (or --compat an) to run Adam"
        )
    for name, value in COMPAT[args.compat].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name, value in ADAM_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return notes


def style_config(args: argparse.Namespace):
    from style_transfer.transfer import StyleConfig

    return StyleConfig(
        content_weight=args.content_weight,
        content_weight_blend=1.0
        if args.content_weight_blend is None
        else args.content_weight_blend,
        style_weight=args.style_weight,
        style_layer_weight_exp=args.style_layer_weight_exp,
        tv_weight=args.tv_weight,
        content_layers=tuple(args.content_layers) if args.content_layers else None,
        style_layers=tuple(args.style_layers),
        style_blend_weights=tuple(args.style_blend_weights) if args.style_blend_weights else None,
        style_scales=tuple(args.style_scales) if args.style_scales else None,
        optimizer=args.optimizer,
        iterations=args.iterations,
        learning_rate=args.learning_rate,
        beta1=args.beta1,
        beta2=args.beta2,
        epsilon=args.eps,
        lbfgs_memory=args.lbfgs_memory,
        sizes=tuple(args.sizes or ()),
        stage_iterations=tuple(args.stage_iterations) if args.stage_iterations else None,
        resize=args.resize,
        adam_clip=args.compat != "an",
    )


def starting_point(args, content, styles):
    """neural-style's rules: (init, noiseblend)."""
    source = args.init if args.init is not None else args.initial
    blend = args.initial_noiseblend
    if source is None:
        blend = 1.0 if blend is None else blend
        return ("noise" if blend >= 1.0 else "content"), blend
    blend = 0.0 if blend is None else blend
    if source in ("content", "noise", "style"):
        return source, blend
    return _load("--initial" if args.init is None else "--init", source), blend


def _load(flag: str, path: str) -> np.ndarray:
    """imaging.load_image, its one-line message prefixed by the flag that named the file."""
    try:
        return imaging.load_image(path)
    except imaging.ImageError as exc:
        raise UserError(f"{flag}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    validate(parser, args)
    for note in resolve(args):
        print(note, file=sys.stderr, flush=True)
    warn_precision(PROG, args.precision)
    return run_main(PROG, lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from style_transfer import color, transfer, vgg

    config = style_config(args)
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    keras.utils.set_random_seed(seed)
    content_rgb = _load("--content", args.content)
    styles_rgb = [_load("--styles", path) for path in args.styles]
    if args.width is not None:
        content_rgb = transfer.resize_to_width(content_rgb, args.width, config.resize)
    if not config.sizes and content_rgb.shape[1] > MAX_WIDTH:
        raise UserError(
            f"--content is {content_rgb.shape[1]} pixels wide, above {MAX_WIDTH}; choose a "
            f"smaller output with --width or --sizes"
        )
    content, styles = color.prepare_colors(args.color_control, content_rgb, styles_rgb)
    transfer.check_sizes(content, styles, config)
    init, blend = starting_point(args, content, styles)
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
        first = transfer.resize_to_width(content, config.sizes[0], config.resize)
    initial = transfer.initial_image(
        init,
        first,
        styles,
        blend,
        np.random.default_rng(seed),
        mean_rgb=vgg.mean_of(model),
        noise_sigma=transfer.AN_NOISE_SIGMA if args.compat == "an" else None,
        resize=config.resize,
    )

    def finish(image: np.ndarray) -> np.ndarray:
        image = np.clip(image, 0.0, 1.0)  # unclipped Adam (--compat an) may leave [0, 1]
        return color.finish_colors(args.color_control, image, content_rgb, args.preserve_colors)

    start = time.time()
    try:
        rows, best = optimise(args, config, content, styles, model, initial, finish)
    except (MemoryError, tf.errors.ResourceExhaustedError) as exc:
        raise UserError(
            f"out of memory at {content.shape[1]} pixels wide ({type(exc).__name__}); use a "
            f"smaller --width or --sizes, or --precision mixed_bfloat16"
        ) from exc
    seconds = time.time() - start
    final = finish(best[1])
    imaging.save_image(args.output, final)
    write_companions(args, config, rows, seed, content_rgb.shape, final.shape, seconds)
    planned = sum(n for _, n in transfer.stage_plan(config, content.shape[1]))
    if config.optimizer == "lbfgs" and len(rows) < planned:
        print(
            f"{PROG}: L-BFGS stopped early ({len(rows)} of {planned} iterations): no further "
            f"descent found (converged, or gradients too noisy at this precision)"
        )
    print(
        f"{PROG}: wrote {args.output} ({final.shape[1]}x{final.shape[0]}, {len(rows)} "
        f"iterations, {seconds:.1f} s, loss {best[2]['total']:.4g})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
