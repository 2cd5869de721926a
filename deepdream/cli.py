"""Command line of DeepDream: ``deepdream INPUT OUTPUT [flags]`` (``scripts/deepdream.py``).

Examples::

    deepdream photo.jpg dream.png
    deepdream photo.jpg dream.png --recipe keras
    deepdream photo.jpg dream.png --recipe tutorial --steps 50
    deepdream photo.jpg dream.png --layers mixed3:1.0 mixed5:1.5
    deepdream photo.jpg dream.png --channel mixed4:97 --octaves 4
    deepdream photo.jpg dream.png --guide flowers.jpg --layers mixed5
    deepdream photo.jpg zoom.gif --frames 60 --zoom 1.05 --rotate 0.5

The flags of the settings come from the fields of :class:`deepdream.config.DreamConfig` and
:class:`deepdream.zoom.ZoomConfig`, which own their defaults and their validation; a recipe
(:mod:`deepdream.recipes`) is the starting point and every flag given overrides it.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

from common.cli import (
    CLI,
    ArgumentParser,
    add_config_flags,
    config_from_args,
    given_values,
    one_line,
    output_problem,
    run_main,
)
from common.errors import UserError
from common.precision import warn_precision
from common.seeds import resolve_seed
from deepdream.cli_run import PROG, DreamJob, run_dream
from deepdream.config import NO_MAX_LOSS, VGG19_DEFAULT_TERMS, DreamConfig, LayerTerm
from deepdream.networks import MIN_SIZE
from deepdream.recipes import RECIPE_FIELDS, RECIPES
from deepdream.zoom import ZoomConfig

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
the numbered PNG frames in OUTPUT_STEM_frames/) and OUTPUT_STEM.config.json beside it
(every setting, the recipe, and which flags overrode it): dream.png -> dream.config.json.
"""

#: Smallest --tile-size the command line accepts (0 aside): twice the smallest input side of the
#: networks it can build (VGG19's 32 px), so that no near-equal tile of a side is smaller than
#: that network's input. :data:`deepdream.config.MIN_TILE_SIZE` is the library's floor.
CLI_MIN_TILE_SIZE = 2 * min(MIN_SIZE.values())


def build_parser() -> argparse.ArgumentParser:
    """The parser: INPUT, OUTPUT, the config fields' flags, --layers, --channel and --guide."""
    parser = ArgumentParser(
        prog=PROG, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", metavar="INPUT", help="image to dream on")
    parser.add_argument(
        "output", metavar="OUTPUT", help="dream image (.png, .jpg; .gif for --frames)"
    )
    add_config_flags(parser, DreamConfig)
    _show_recipe_values(parser)
    _add_term_flags(_group(parser, "objective"))
    add_config_flags(parser, ZoomConfig)
    return parser


def _recipe_values(name: str) -> str:
    """``(recipe default: X; keras: Y; tutorial: Z)`` for a config field, for --help."""
    values = [f"{recipe}: {getattr(cfg, name)}" for recipe, cfg in RECIPES.items()]
    return "(recipe " + "; ".join(values) + ")"


def _show_recipe_values(parser: argparse.ArgumentParser) -> None:
    """End each recipe field's help with its value in every recipe instead of one default."""
    fields = dataclasses.fields(DreamConfig)
    helps = {f.name: f.metadata[CLI]["help"] for f in fields if f.name in RECIPE_FIELDS}
    for action in parser._actions:
        if action.dest in RECIPE_FIELDS:
            text = f"{helps[action.dest]} {_recipe_values(action.dest)}"
            action.help = text.replace("%", "%%")


def _group(parser: argparse.ArgumentParser, title: str) -> argparse._ArgumentGroup:
    """The argument group ``title`` that :func:`common.cli.add_config_flags` made."""
    return next(group for group in parser._action_groups if group.title == title)


def _add_term_flags(group: argparse._ArgumentGroup) -> None:
    """--layers and --channel (the objective's terms) and --guide."""
    group.add_argument(
        "--layers",
        nargs="+",
        metavar="NAME[:WEIGHT]",
        help="layers whose activation is maximised, with weights (default and keras recipes: "
        "mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5; tutorial: mixed3:1 mixed5:1; vgg19: "
        "block4_conv3). InceptionV3: mixed0 ... mixed10; VGG19: block4_conv3 or relu4_3 style",
    )
    group.add_argument(
        "--channel",
        nargs="+",
        metavar="LAYER:INDEX[:WEIGHT]",
        help="maximise single channels instead (replaces the default layers; adds to --layers)",
    )
    group.add_argument(
        "--guide",
        metavar="IMAGE",
        help="guided dream (google/deepdream): push each feature towards the guide image's "
        "best-matching feature (dot product) at the chosen layers; guide shrunk to <= 512 px",
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
        if not name or not math.isfinite(value):
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
        if index < 0 or not math.isfinite(weight):
            parser.error(f"--channel {spec!r}: channel index must be >= 0")
        terms.append(LayerTerm(parts[0], weight, index))
    return terms


def given_settings(args: argparse.Namespace) -> dict:
    """The config fields set by a flag, ``--recipe`` aside (``--max-loss none`` becomes None)."""
    given = given_values(args, DreamConfig)
    given.pop("recipe", None)
    if given.get("max_loss") == NO_MAX_LOSS:
        given["max_loss"] = None
    return given


def make_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> DreamConfig:
    """Validate the flags (parser.error, exit 2) and build the run's :class:`DreamConfig`:
    the recipe's settings, overridden by every flag given explicitly."""
    recipe = RECIPES[args.recipe or DreamConfig.recipe]  # the class attribute is the default
    given = given_settings(args)
    tile_size = given.get("tile_size", recipe.tile_size)
    if tile_size != 0 and tile_size < CLI_MIN_TILE_SIZE:
        parser.error(f"--tile-size must be 0 (whole image) or >= {CLI_MIN_TILE_SIZE}")
    terms = parse_layers(parser, args.layers) + parse_channels(parser, args.channel)
    if args.guide and args.channel:
        parser.error("--guide cannot be combined with --channel (guided dreams use whole layers)")
    if args.guide and given.get("objective", recipe.objective) != "l2":
        parser.error("--guide replaces the objective: it cannot be combined with --objective mean")
    if not terms:
        vgg19 = given.get("model", recipe.model) == "vgg19"
        terms = list(VGG19_DEFAULT_TERMS) if vgg19 else list(recipe.terms)
    given["seed"] = resolve_seed(given.get("seed"))
    try:
        return recipe.replace(terms=tuple(terms), **given)
    except UserError as err:
        parser.error(one_line(err))
        raise AssertionError("unreachable") from err


def make_animation(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ZoomConfig:
    """The zoom flags as a :class:`ZoomConfig`, with OUTPUT checked (parser.error, exit 2)."""
    animation = config_from_args(parser, ZoomConfig, args)
    if animation.frames > 1 and Path(args.output).suffix.lower() != ".gif":
        parser.error("--frames > 1 writes an animated GIF: OUTPUT must end in .gif")
    problem = output_problem(args.output, what="OUTPUT", image=True)
    if problem:
        parser.error(problem)
    return animation


def overrides(args: argparse.Namespace) -> tuple[str, ...]:
    """The recipe's fields set by a flag, sorted; ``terms`` for --layers or --channel."""
    terms = ("terms",) if args.layers or args.channel else ()
    return (*sorted(name for name in given_settings(args) if name in RECIPE_FIELDS), *terms)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    animation = make_animation(parser, args)
    config = make_config(parser, args)
    job = DreamJob(args.input, args.output, args.guide, overrides(args))
    warn_precision(PROG, config.precision)

    def body() -> int:
        run_dream(config, animation, job)
        print(f"{PROG}: wrote {args.output}", file=sys.stderr)
        return 0

    return run_main(PROG, body)
