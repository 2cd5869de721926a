"""DeepDream an image (or a zoom animation) with InceptionV3 or VGG19.

Examples::

    python scripts/deepdream.py photo.jpg dream.png
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

import imaging

import numpy as np
from PIL import Image
from tqdm import tqdm

from deepdream.config import (
    MODELS,
    PRECISIONS,
    VGG19_DEFAULT_TERMS,
    DreamConfig,
    LayerTerm,
)

PROG = "deepdream"
DEFAULTS = DreamConfig()

DESCRIPTION = f"""\
DeepDream: modify INPUT by gradient ascent so that it excites chosen layers of an
ImageNet network, over octaves (coarse to fine, lost detail re-injected), with random
jitter and full-coverage tiling (any image size in bounded memory).

Defaults are the recipe of the Keras example "Deep Dream" (F. Chollet, keras.io), the
best-known InceptionV3 recipe: layers mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5,
{DEFAULTS.octaves} octaves of scale {DEFAULTS.octave_scale}, {DEFAULTS.steps} steps per octave, \
step 0.01 in the network's [-1, 1] range
(= {DEFAULTS.step_size} here, in [0, 1] pixel units); plus google/deepdream's random jitter
of {DEFAULTS.jitter} px and the TensorFlow tutorial's {DEFAULTS.tile_size} px tiles. With \
--model vgg19 the
default layer is block4_conv3.

Writes OUTPUT (format from its extension; with --frames N > 1 an animated .gif, plus
the numbered PNG frames in OUTPUT-STEM_frames/) and config.json beside it.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = imaging.ArgumentParser(
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
    obj = parser.add_argument_group("objective")
    obj.add_argument(
        "--layers",
        nargs="+",
        metavar="NAME[:WEIGHT]",
        help="layers whose mean squared activation is maximised, with weights (default: "
        "mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5; vgg19: block4_conv3). InceptionV3: "
        "mixed0 ... mixed10; VGG19: block4_conv3 or relu4_3 style",
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
    opt = parser.add_argument_group("gradient ascent")
    opt.add_argument(
        "--octaves",
        type=int,
        default=DEFAULTS.octaves,
        help="number of scales (default: %(default)s)",
    )
    opt.add_argument(
        "--octave-scale",
        type=float,
        default=DEFAULTS.octave_scale,
        help="size ratio between octaves, > 1 (default: %(default)s)",
    )
    opt.add_argument(
        "--steps", type=int, default=DEFAULTS.steps, help="steps per octave (default: %(default)s)"
    )
    opt.add_argument(
        "--step-size",
        type=float,
        default=DEFAULTS.step_size,
        help="mean absolute pixel change per step, [0, 1] units (default: %(default)s)",
    )
    opt.add_argument(
        "--jitter",
        type=int,
        default=DEFAULTS.jitter,
        help="max random roll in px before each step (default: %(default)s)",
    )
    opt.add_argument(
        "--tile-size",
        type=int,
        default=DEFAULTS.tile_size,
        help="gradients are computed on tiles of at most this side, so memory does not grow "
        "with the image (default: %(default)s)",
    )
    opt.add_argument(
        "--tile-margin",
        type=int,
        default=DEFAULTS.tile_margin,
        help="extra context in px around each tile, discarded after the gradient (default: "
        "%(default)s, as the TensorFlow tutorial; the random roll hides the seams)",
    )
    opt.add_argument(
        "--seed",
        type=int,
        help="random seed of the jitter (and of random weights); default: drawn, saved in "
        "config.json",
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


def _checks(args: argparse.Namespace) -> list[str]:
    """Problems with numeric flags and the output path, as flag-named messages."""
    return [
        message
        for bad, message in [
            (not 1 <= args.octaves <= 20, "--octaves must be in 1..20"),
            (not 1.0 < args.octave_scale <= 4.0, "--octave-scale must be in (1, 4], e.g. 1.4"),
            (args.steps < 1, "--steps must be >= 1"),
            (not 0.0 < args.step_size <= 1.0, "--step-size must be in (0, 1], e.g. 0.005"),
            (args.jitter < 0, "--jitter must be >= 0"),
            (args.tile_size < 64, "--tile-size must be >= 64"),
            (args.tile_margin < 0, "--tile-margin must be >= 0"),
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


def make_config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> DreamConfig:
    """Validate the flags (parser.error, exit 2) and build the run's :class:`DreamConfig`."""
    problems = _checks(args)
    if problems:
        parser.error(problems[0])
    terms = parse_layers(parser, args.layers) + parse_channels(parser, args.channel)
    if args.guide and args.channel:
        parser.error("--guide cannot be combined with --channel (guided dreams use whole layers)")
    if not terms:
        terms = list(VGG19_DEFAULT_TERMS) if args.model == "vgg19" else list(DEFAULTS.terms)
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**31)
    try:
        return _config(args, terms, seed)
    except imaging.UserError as err:
        parser.error(str(err))


def _config(args: argparse.Namespace, terms: list[LayerTerm], seed: int) -> DreamConfig:
    return DreamConfig(
        model=args.model,
        terms=tuple(terms),
        octaves=args.octaves,
        octave_scale=args.octave_scale,
        steps=args.steps,
        step_size=args.step_size,
        jitter=args.jitter,
        tile_size=args.tile_size,
        tile_margin=args.tile_margin,
        seed=seed,
        precision=args.precision,
        weights=args.weights,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = make_config(parser, args)
    imaging.warn_precision(PROG, config.precision)
    return imaging.run_main(PROG, lambda: _run(args, config))


def _run(args: argparse.Namespace, config: DreamConfig) -> int:
    import keras

    from deepdream import (
        DreamObjective,
        build_dream_network,
        check_image_size,
        guide_features,
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
    objective = DreamObjective(config.terms, network.layers, network.channels, guides)
    check_image_size(image.shape, network, config)

    output = Path(args.output)
    frames_dir = output.with_name(output.stem + "_frames") if args.frames > 1 else None
    if frames_dir is not None:
        frames_dir.mkdir(exist_ok=True)
    steps = config.octaves * config.steps
    losses: list[float] = []
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
            if event.done:
                losses.append(event.loss)
                if frames_dir is not None:
                    imaging.save_image(frames_dir / f"frame_{event.frame:04d}.png", event.image)
                else:
                    imaging.save_image(output, event.image)
    if frames_dir is not None:
        _write_gif(output, frames_dir, args.frames, args.fps)
    imaging.write_config(
        output.resolve().parent / "config.json",
        config,
        input=os.path.abspath(args.input),
        output=os.path.abspath(args.output),
        guide=os.path.abspath(args.guide) if args.guide else None,
        frames=args.frames,
        zoom=args.zoom,
        rotate=args.rotate,
        fps=args.fps,
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
    with imaging.atomic_write(output, "wb") as handle:
        handle.write(data)


if __name__ == "__main__":
    raise SystemExit(main())
