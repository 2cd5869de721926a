"""DeepDream an image (or a zoom animation) with InceptionV3 or VGG19.

Examples::

    python scripts/deepdream.py photo.jpg dream.png
    python scripts/deepdream.py photo.jpg dream.png --recipe keras
    python scripts/deepdream.py photo.jpg dream.png --recipe tutorial --steps 50
    python scripts/deepdream.py photo.jpg dream.png --layers mixed3:1.0 mixed5:1.5
    python scripts/deepdream.py photo.jpg dream.png --channel mixed4:97 --octaves 4
    python scripts/deepdream.py photo.jpg dream.png --guide flowers.jpg --layers mixed5
    python scripts/deepdream.py photo.jpg zoom.gif --frames 60 --zoom 1.05 --rotate 0.5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Run as `python scripts/deepdream.py` from a clone: the repository root goes first, so that the
# deepdream package, not this file, is what `import deepdream` finds.
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image
from tqdm import tqdm

import imaging
from common.cli import ArgumentParser, run_main
from common.errors import UserError
from common.files import atomic_write
from common.precision import warn_precision
from common.runconfig import write_config
from deepdream.config import (
    DETAILS,
    MODELS,
    NORMALIZATIONS,
    OBJECTIVES,
    OCTAVE_ROUNDINGS,
    PRECISIONS,
    QUANTIZATIONS,
    RECIPES,
    RESIZES,
    TILE_LAYOUTS,
    VGG19_DEFAULT_TERMS,
    DreamConfig,
    LayerTerm,
)

PROG = "deepdream"
DEFAULTS = DreamConfig()

DESCRIPTION = """\
DeepDream: modify INPUT by gradient ascent so that it excites chosen layers of an
ImageNet network, over octaves (coarse to fine), with random jitter and tiling (any
image size in bounded memory).

Recipes (--recipe; any flag given explicitly overrides the recipe's value):
  default   ours: the Keras example's layers mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5,
            3 octaves of scale 1.4, 20 steps per octave, step 0.01 in the network's
            [-1, 1] range (--step-size 0.005 in [0, 1] pixels), but NOT the Keras example's
            algorithm: no --max-loss stop (a loss threshold only means something for one
            network, layer set and image size; a fixed step count is predictable), no
            --loss-border (with tiles it would cut every tile's edge; the jitter already
            hides borders), MATLAB bicubic antialiased resize (downscaling without
            antialiasing aliases the photo's fine detail), detail put back BEFORE each
            octave's ascent (the input's own detail is dreamed on at every octave instead
            of pasted on afterwards), pixels clipped to [0, 1] after every step, gradient
            floor 1e-8 (the Keras example's 1e-6 in [-1, 1] is 2e-6 in our [0, 1] units;
            either matters only for a vanishing gradient), output rounded and not
            stretched (truncation darkens by half a level on average; a min-max stretch
            changes the contrast of any image not spanning 0 to 255); plus
            google/deepdream's 32 px jitter and 512 px tiles whose grid moves every step.
  keras     keras-io examples/generative/deep_dream.py step for step: the same layers
            and octaves, loss over the feature maps without a 2 px border, an octave
            stops after the step whose loss exceeded 15, gradient / max(mean|g|, 1e-6),
            bilinear non-antialiased resize, lost detail added after the ascent, no
            clipping, whole-image gradients without jitter, uint8 by truncation and
            keras.utils.save_img's default min-max stretch to [0, 255] (--quantize keras).
  tutorial  the TensorFlow DeepDream tutorial (tiled version): mixed3 + mixed5, sum of mean
            activations, gradient / (std + 1e-8), octaves 1.3**-2 ... 1.3**2 of the input
            size (resized back at the end), 100 steps of 0.01 in [-1, 1], clipping,
            bilinear resize of the previous result, random roll of up to 512 px and
            512 px tiles (the last tile of each axis skipped unless it is the only one).
With --model vgg19 the default layer is block4_conv3 whatever the recipe.

Writes OUTPUT (format from its extension; with --frames N > 1 an animated .gif, plus
the numbered PNG frames in OUTPUT-STEM_frames/) and config.json beside it (every
setting, the recipe, and which flags overrode it).
"""

#: Config fields a recipe sets and a flag of the same name can override.
RECIPE_FIELDS = (
    "objective",
    "loss_border",
    "octaves",
    "octave_scale",
    "finest_octave",
    "octave_rounding",
    "steps",
    "step_size",
    "normalize",
    "grad_epsilon",
    "clip",
    "max_loss",
    "resize",
    "detail",
    "jitter",
    "tile_size",
    "tile_margin",
    "tile_layout",
    "tile_shift",
    "quantize",
)


def _recipe_values(name: str) -> str:
    """``(default recipe: X; keras: Y; tutorial: Z)`` for a config field, for --help."""
    values = [f"{recipe}: {getattr(cfg, name)}" for recipe, cfg in RECIPES.items()]
    return "(recipe " + "; ".join(values) + ")"


def _max_loss(text: str) -> float | str:
    if text.lower() == "none":
        return "none"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number or 'none', got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=PROG, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", metavar="INPUT", help="image to dream on")
    parser.add_argument(
        "output", metavar="OUTPUT", help="dream image (.png, .jpg; .gif for --frames)"
    )
    net = parser.add_argument_group("network")
    net.add_argument(
        "--model", choices=MODELS, default=DEFAULTS.model, help="network (default: %(default)s)"
    )
    net.add_argument(
        "--weights",
        default=DEFAULTS.weights,
        help="'imagenet' (Keras download, cached in ~/.keras/models), a local Keras weights file "
        "(.h5; for vgg19 also MatConvNet's imagenet-vgg-verydeep-19.mat), or 'random' "
        "(untrained: experiments and tests only, warns loudly) (default: %(default)s)",
    )
    net.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=DEFAULTS.precision,
        help="float32 (reference) or mixed_bfloat16 (faster on CPUs with AVX-512 bf16) "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--recipe",
        choices=tuple(RECIPES),
        default="default",
        help="named set of settings (see above); explicit flags override it (default: %(default)s)",
    )
    obj = parser.add_argument_group("objective")
    obj.add_argument(
        "--layers",
        nargs="+",
        metavar="NAME[:WEIGHT]",
        help="layers whose activation is maximised, with weights (default and keras recipes: "
        "mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5; tutorial: mixed3:1 mixed5:1; vgg19: "
        "block4_conv3). InceptionV3: mixed0 ... mixed10; VGG19: block4_conv3 or relu4_3 style",
    )
    obj.add_argument(
        "--objective",
        choices=OBJECTIVES,
        help="per layer: l2 = mean squared activation, mean = mean activation "
        + _recipe_values("objective"),
    )
    obj.add_argument(
        "--loss-border",
        type=int,
        metavar="PX",
        help="leave feature-map positions within PX of the map's edge out of each layer's sum "
        "(divided by the whole map's size) " + _recipe_values("loss_border"),
    )
    obj.add_argument(
        "--channel",
        nargs="+",
        metavar="LAYER:INDEX[:WEIGHT]",
        help="maximise single channels instead (replaces the default layers; adds to --layers)",
    )
    obj.add_argument(
        "--guide",
        metavar="IMAGE",
        help="guided dream (google/deepdream): push each feature towards the guide image's "
        "best-matching feature (dot product) at the chosen layers; guide shrunk to <= 512 px",
    )
    _add_ascent_flags(parser.add_argument_group("gradient ascent"))
    _add_octave_flags(parser.add_argument_group("octaves"))
    _add_tile_flags(parser.add_argument_group("jitter and tiles"))
    parser.add_argument(
        "--seed",
        type=int,
        help="random seed of the jitter (and of random weights); default: drawn, saved in "
        "config.json",
    )
    parser.add_argument(
        "--quantize",
        choices=QUANTIZATIONS,
        help="8-bit output: round, truncate, or keras = truncation then a min-max stretch to "
        f"[0, 255] as keras.utils.save_img does {_recipe_values('quantize')}",
    )
    anim = parser.add_argument_group("zoom animation")
    anim.add_argument(
        "--frames",
        type=int,
        default=1,
        help="number of frames; > 1 writes an animated GIF (default: %(default)s)",
    )
    anim.add_argument(
        "--zoom",
        type=float,
        default=1.05,
        help="zoom factor between frames, >= 1 (default: %(default)s)",
    )
    anim.add_argument(
        "--rotate",
        type=float,
        default=0.0,
        help="rotation between frames, degrees counter-clockwise (default: %(default)s)",
    )
    anim.add_argument(
        "--fps", type=float, default=10.0, help="GIF frame rate (default: %(default)s)"
    )
    return parser


def _add_ascent_flags(opt) -> None:
    opt.add_argument("--steps", type=int, help="steps per octave " + _recipe_values("steps"))
    opt.add_argument(
        "--step-size",
        type=float,
        help="pixel change per step of the normalised gradient, [0, 1] units (0.005 is the "
        "references' 0.01 in [-1, 1]) " + _recipe_values("step_size"),
    )
    opt.add_argument(
        "--normalize",
        choices=NORMALIZATIONS,
        help="divide the gradient by max(mean|g|, EPS) or by std(g) + EPS "
        + _recipe_values("normalize"),
    )
    opt.add_argument(
        "--grad-epsilon",
        type=float,
        metavar="EPS",
        help="EPS above, for the gradient with respect to [0, 1] pixels (twice the value in "
        "[-1, 1] units) " + _recipe_values("grad_epsilon"),
    )
    opt.add_argument(
        "--clip",
        action=argparse.BooleanOptionalAction,
        help="clip pixels to [0, 1] after every step " + _recipe_values("clip"),
    )
    opt.add_argument(
        "--max-loss",
        type=_max_loss,
        metavar="LOSS",
        help="end an octave after the step whose objective (before the step) exceeds LOSS; "
        "'none' runs every step " + _recipe_values("max_loss"),
    )


def _add_octave_flags(octv) -> None:
    octv.add_argument("--octaves", type=int, help="number of scales " + _recipe_values("octaves"))
    octv.add_argument(
        "--octave-scale",
        type=float,
        help="size ratio between octaves, > 1 " + _recipe_values("octave_scale"),
    )
    octv.add_argument(
        "--finest-octave",
        type=int,
        metavar="E",
        help="the finest octave is the input size times octave-scale**E (resized back to the "
        "input at the end) " + _recipe_values("finest_octave"),
    )
    octv.add_argument(
        "--octave-rounding",
        choices=OCTAVE_ROUNDINGS,
        help="octave sides int(side / scale**k) in float64 (Keras) or int(side * scale**e) "
        "in float32 (tutorial) " + _recipe_values("octave_rounding"),
    )
    octv.add_argument(
        "--resize",
        choices=RESIZES,
        help="resize between octaves: MATLAB bicubic (antialiased) or tf.image.resize "
        "bilinear (not antialiased) " + _recipe_values("resize"),
    )
    octv.add_argument(
        "--detail",
        choices=DETAILS,
        help="the input's detail lost by resizing: put back before each octave's ascent, "
        "added after it, or none " + _recipe_values("detail"),
    )


def _add_tile_flags(tiles) -> None:
    tiles.add_argument(
        "--jitter",
        type=int,
        help="max random roll in px before each step; 0 = no random shift at all "
        + _recipe_values("jitter"),
    )
    tiles.add_argument(
        "--tile-size",
        type=int,
        help="gradients are computed on tiles of at most this side, so memory does not grow "
        "with the image; 0 = whole image at once " + _recipe_values("tile_size"),
    )
    tiles.add_argument(
        "--tile-margin",
        type=int,
        help="extra context in px around each tile, discarded after the gradient "
        + _recipe_values("tile_margin"),
    )
    tiles.add_argument(
        "--tile-layout",
        choices=TILE_LAYOUTS,
        help="cover = near-equal tiles over every pixel; tutorial = tiles at multiples of the "
        "tile size, the last one per axis skipped unless it is the only one "
        + _recipe_values("tile_layout"),
    )
    tiles.add_argument(
        "--tile-shift",
        action=argparse.BooleanOptionalAction,
        help="with --jitter > 0, also move the tile grid by a random offset each step "
        + _recipe_values("tile_shift"),
    )


def parse_layers(parser: argparse.ArgumentParser, specs: list[str] | None) -> list[LayerTerm]:
    """``NAME[:WEIGHT]`` strings to terms (parser.error on a malformed one)."""
    terms = []
    for spec in specs or []:
        name, _, weight = spec.partition(":")
        try:
            value = float(weight) if weight else 1.0
        except ValueError:
            parser.error(f"--layers {spec!r}: weight must be a number (NAME:WEIGHT)")
        if not name or not np.isfinite(value):
            parser.error(f"--layers {spec!r}: expected NAME[:WEIGHT], e.g. mixed4:1.0")
        terms.append(LayerTerm(name, value))
    return terms


def parse_channels(parser: argparse.ArgumentParser, specs: list[str] | None) -> list[LayerTerm]:
    """``LAYER:INDEX[:WEIGHT]`` strings to terms (parser.error on a malformed one)."""
    terms = []
    for spec in specs or []:
        parts = spec.split(":")
        try:
            if len(parts) not in (2, 3) or not parts[0]:
                raise ValueError
            index = int(parts[1])
            weight = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError:
            parser.error(f"--channel {spec!r}: expected LAYER:INDEX[:WEIGHT], e.g. mixed4:97")
        if index < 0 or not np.isfinite(weight):
            parser.error(f"--channel {spec!r}: channel index must be >= 0")
        terms.append(LayerTerm(parts[0], weight, index))
    return terms


def _checks(args: argparse.Namespace, values: dict) -> list[str]:
    """Problems with numeric flags and the output path, as flag-named messages."""
    return [
        message
        for bad, message in [
            (not 1 <= values["octaves"] <= 20, "--octaves must be in 1..20"),
            (not 1.0 < values["octave_scale"] <= 4.0, "--octave-scale must be in (1, 4], e.g. 1.4"),
            (not -10 <= values["finest_octave"] <= 10, "--finest-octave must be in -10..10"),
            (values["steps"] < 1, "--steps must be >= 1"),
            (not 0.0 < values["step_size"] <= 1.0, "--step-size must be in (0, 1], e.g. 0.005"),
            (
                not (0.0 <= values["grad_epsilon"] < np.inf),
                "--grad-epsilon must be a finite number >= 0",
            ),
            (values["loss_border"] < 0, "--loss-border must be >= 0"),
            (values["jitter"] < 0, "--jitter must be >= 0"),
            (
                values["tile_size"] != 0 and values["tile_size"] < 64,
                "--tile-size must be 0 (whole image) or >= 64",
            ),
            (values["tile_margin"] < 0, "--tile-margin must be >= 0"),
            (not 1 <= args.frames <= 10000, "--frames must be in 1..10000"),
            (not 1.0 <= args.zoom <= 2.0, "--zoom must be in [1, 2], e.g. 1.05"),
            (not np.isfinite(args.rotate), "--rotate must be a finite number of degrees"),
            (not 0.1 <= args.fps <= 100, "--fps must be in [0.1, 100]"),
            (
                args.frames > 1 and Path(args.output).suffix.lower() != ".gif",
                "--frames > 1 writes an animated GIF: OUTPUT must end in .gif",
            ),
            (
                Path(args.output).suffix.lower() not in Image.registered_extensions(),
                f"OUTPUT {args.output!r}: unknown image extension (use .png, .jpg or .gif)",
            ),
            (
                not Path(args.output).resolve().parent.is_dir(),
                f"OUTPUT directory {str(Path(args.output).resolve().parent)!r} does not exist",
            ),
        ]
        if bad
    ]


def explicit_settings(args: argparse.Namespace) -> dict:
    """The recipe fields the user set by a flag (``--max-loss none`` becomes None)."""
    given = {name: getattr(args, name) for name in RECIPE_FIELDS if getattr(args, name) is not None}
    if given.get("max_loss") == "none":
        given["max_loss"] = None
    return given


def make_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> DreamConfig:
    """Validate the flags (parser.error, exit 2) and build the run's :class:`DreamConfig`:
    the recipe's settings, overridden by every flag given explicitly."""
    recipe = RECIPES[args.recipe]
    given = explicit_settings(args)
    values = {name: getattr(recipe, name) for name in RECIPE_FIELDS} | given
    problems = _checks(args, values)
    if problems:
        parser.error(problems[0])
    terms = parse_layers(parser, args.layers) + parse_channels(parser, args.channel)
    if args.guide and args.channel:
        parser.error("--guide cannot be combined with --channel (guided dreams use whole layers)")
    if args.guide and values["objective"] != "l2":
        parser.error("--guide replaces the objective: it cannot be combined with --objective mean")
    if not terms:
        terms = list(VGG19_DEFAULT_TERMS) if args.model == "vgg19" else list(recipe.terms)
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    try:
        return recipe.replace(
            model=args.model,
            terms=tuple(terms),
            seed=seed,
            precision=args.precision,
            weights=args.weights,
            **given,
        )
    except UserError as err:
        parser.error(str(err))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = make_config(parser, args)
    warn_precision(PROG, config.precision)
    return run_main(PROG, lambda: _run(args, config))


def _run(args: argparse.Namespace, config: DreamConfig) -> int:
    import keras

    from deepdream import (
        DreamObjective,
        build_dream_network,
        check_image_size,
        guide_features,
        quantize,
        resolve_terms,
        zoom_dream,
    )

    image = imaging.load_image(args.input)
    guide = imaging.load_image(args.guide) if args.guide else None
    config = config.replace(terms=resolve_terms(config.model, config.terms))
    keras.utils.set_random_seed(config.seed)
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
    check_image_size(image.shape, network, config)

    output = Path(args.output)
    frames_dir = output.with_name(output.stem + "_frames") if args.frames > 1 else None
    if frames_dir is not None:
        frames_dir.mkdir(exist_ok=True)
    steps = config.octaves * config.steps
    losses: list[float] = []
    overrides = sorted(explicit_settings(args)) + (["terms"] if args.layers or args.channel else [])
    start = time.perf_counter()
    bar = tqdm(
        total=args.frames * steps, desc=PROG, unit="step", file=sys.stderr, dynamic_ncols=True
    )
    with bar:
        for event in zoom_dream(
            image,
            network,
            objective,
            config,
            frames=args.frames,
            zoom=args.zoom,
            rotate=args.rotate,
            rng=np.random.default_rng(config.seed),
        ):
            where = f"frame {event.frame + 1}/{args.frames} " if args.frames > 1 else ""
            where += f"octave {event.octave + 1}/{config.octaves} loss {event.loss:.4g}"
            bar.set_postfix_str(where, refresh=False)
            bar.update(1)
            if event.done:  # an early stop (--max-loss) skips steps: count the frame as done
                bar.update((event.frame + 1) * steps - bar.n)
                losses.append(event.loss)
                pixels = quantize(event.image, config.quantize)
                if frames_dir is not None:
                    imaging.save_image(frames_dir / f"frame_{event.frame:04d}.png", pixels)
                else:
                    imaging.save_image(output, pixels)
    if frames_dir is not None:
        _write_gif(output, frames_dir, args.frames, args.fps)
    write_config(
        output.resolve().parent / "config.json",
        config,
        input=os.path.abspath(args.input),
        output=os.path.abspath(args.output),
        guide=os.path.abspath(args.guide) if args.guide else None,
        frames=args.frames,
        zoom=args.zoom,
        rotate=args.rotate,
        fps=args.fps,
        overrides=overrides,
        frames_dir=str(frames_dir) if frames_dir else None,
        steps_per_frame=steps,
        final_loss=losses[-1] if losses else None,
        seconds=round(time.perf_counter() - start, 3),
    )
    print(f"{PROG}: wrote {args.output}", file=sys.stderr)
    return 0


def _write_gif(output: Path, frames_dir: Path, frames: int, fps: float) -> None:
    from deepdream import encode_gif

    paths = [frames_dir / f"frame_{k:04d}.png" for k in range(frames)]
    data = encode_gif((imaging.load_image(p) for p in paths), fps=fps)
    with atomic_write(output, "wb") as handle:
        handle.write(data)


if __name__ == "__main__":
    raise SystemExit(main())
