"""DeepDream run configuration: frozen dataclasses that own their defaults, their validation and
their command-line form (``...``, read by :func:`common.cli.add_config_flags`).

Three recipes (:mod:`deepdream.recipes`), each a complete set of explicit settings:

* ``default`` (ours): the Keras example's layers, octaves, steps and step size, with
  google/deepdream's 32 px jitter, 512 px tiles whose grid moves every step, MATLAB bicubic
  resizing, detail put back before each octave's ascent, pixels kept in [0, 1] and rounded on
  save. docs/deepdream.md gives the reason for each difference from the Keras example.
* ``keras``: keras-io ``examples/generative/deep_dream.py`` (F. Chollet) step for step.
* ``tutorial``: the TensorFlow tutorial ``tutorials/generative/deepdream`` (tiled version).

Pixel quantities are in our [0, 1] RGB units; InceptionV3 sees ``2 x - 1``, so a step of 0.01
and a gradient floor of 1e-6 in the references' [-1, 1] units are 0.005 and 2e-6 here.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from common.cli import flag
from common.errors import UserError
from common.precision import PRECISIONS

#: The networks DeepDream can run on.
MODELS = ("inception_v3", "vgg19")
OBJECTIVES = ("l2", "mean")
NORMALIZATIONS = ("mean_abs", "std")
RESIZES = ("bicubic", "bilinear")
DETAILS = ("before", "after", "none")
OCTAVE_ROUNDINGS = ("float64", "float32")
TILE_LAYOUTS = ("cover", "tutorial")
QUANTIZATIONS = ("round", "truncate", "keras")
#: Names of the recipes (:data:`deepdream.recipes.RECIPES`).
RECIPE_NAMES = ("default", "keras", "tutorial")

#: Smallest tile side a config accepts (0 = whole image): any network, test networks included.
#: Each network's own floor (no tile smaller than its smallest input) is checked against the
#: image by :func:`deepdream.dream.check_image_size`; the command line asks for more
#: (:data:`deepdream.cli.CLI_MIN_TILE_SIZE`).
MIN_TILE_SIZE = 16

#: ``--max-loss none``: the command line's way of saying ``max_loss=None`` (run every step).
NO_MAX_LOSS = "none"


def loss_limit(text: str) -> float | str:
    """argparse ``type`` of ``--max-loss``: a finite number, or ``"none"``."""
    if text.lower() == NO_MAX_LOSS:
        return NO_MAX_LOSS
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number or 'none', got {text!r}")
    return value


@dataclass(frozen=True)
class LayerTerm:
    """One term of the objective: ``weight * mean(activation[..., channel] ** 2)``.

    ``channel=None`` means every channel of ``layer`` (the classic DeepDream objective).
    """

    layer: str
    weight: float = 1.0
    channel: int | None = None


def _default_terms() -> tuple[LayerTerm, ...]:
    return (
        LayerTerm("mixed4", 1.0),
        LayerTerm("mixed5", 1.5),
        LayerTerm("mixed6", 2.0),
        LayerTerm("mixed7", 2.5),
    )


#: Default layers for VGG19 when the user does not choose any (google/deepdream dreams at a
#: mid-level layer; block4_conv3 is VGG19's counterpart of inception_4c).
VGG19_DEFAULT_TERMS = (LayerTerm("block4_conv3", 1.0),)

_NET = "network"
_OBJ = "objective"
_ASCENT = "gradient ascent"
_OCT = "octaves"
_TILES = "jitter and tiles"
_BOOL = argparse.BooleanOptionalAction


def _option(default: Any, help: str, **argparse_kwargs: Any) -> Any:
    """A config field with ``default`` and its command-line form (:func:`common.cli.flag`)."""
    return field(default=default, metadata=flag(help, **argparse_kwargs))


@dataclass(frozen=True)
class DreamConfig:
    """Hyper-parameters of one dream. Pixel quantities are in [0, 1] RGB units.

    Attributes:
        recipe: name of the preset these settings started from (a label, for the run's config file).
        model: ``"inception_v3"`` or ``"vgg19"``.
        terms: objective terms (layer, weight, optional channel).
        objective: ``"l2"``: each term is the mean squared activation (google/deepdream, Keras
            example); ``"mean"``: the mean activation (TensorFlow tutorial).
        loss_border: feature-map positions within this many pixels of the map's edge are left
            out of each term's sum, whose divisor stays the whole map's size (Keras example: 2).
        octaves: number of scales, coarse to fine.
        octave_scale: size ratio between successive octaves (> 1).
        finest_octave: exponent of the finest octave: octave ``k`` (0 = coarsest) has sides
            ``side * octave_scale**e`` with ``e = finest_octave - (octaves - 1 - k)``; 0 ends at
            the input's size, the tutorial's 2 ends at 1.69x and is resized back.
        octave_rounding: ``"float64"``: ``int(side / scale**-e)`` (Keras example, ours);
            ``"float32"``: ``int(float32(side) * float32(scale**e))`` (TensorFlow tutorial).
        steps: gradient-ascent steps per octave.
        step_size: pixel change per step ([0, 1] units) of the normalised gradient.
        normalize: ``"mean_abs"``: gradient divided by ``max(mean|g|, grad_epsilon)`` (Keras
            example, ours); ``"std"``: by ``std(g) + grad_epsilon`` (TensorFlow tutorial).
        grad_epsilon: floor (mean_abs) or addend (std) of that divisor, in units of the gradient
            with respect to [0, 1] pixels.
        clip: clip pixels to [0, 1] after every step and octave change (ours, tutorial).
        max_loss: stop an octave's ascent after the step whose objective (measured before the
            step; with several tiles, the area-weighted sum of the tile objectives) exceeds
            this (Keras example: 15); None runs every step.
        resize: between octaves, ``"bicubic"`` (MATLAB imresize, antialiased) or ``"bilinear"``
            (``tf.image.resize``, no antialiasing: Keras example, tutorial).
        detail: ``"before"``: each octave starts from the input resized to it plus the upscaled
            dream so far (ours); ``"after"``: the previous result is upscaled and, after the
            ascent, the detail lost by that upscaling is added (Keras example); ``"none"``: the
            previous result is upscaled, nothing added (tutorial).
        jitter: largest random roll (pixels) applied before each step and undone after it;
            0 means no random shift of any kind.
        tile_size: gradients are computed on tiles of at most this side (pixels); 0 computes
            them on the whole image at once (Keras example).
        tile_margin: context (pixels) added around each tile and discarded after the gradient;
            0 follows the TensorFlow tutorial, a margin at least the receptive field makes the
            tiled gradient equal the whole-image one.
        tile_layout: ``"cover"``: near-equal tiles covering every pixel, each weighted by its
            area (ours); ``"tutorial"``: tiles at multiples of ``tile_size`` on the rolled image,
            the last one per axis skipped unless it is the only one, objectives summed.
        tile_shift: when ``jitter > 0``, also roll by a uniform offset in ``[0, tile_size)``
            along axes cut into several tiles, so the seams move every step.
        quantize: 8-bit output by ``"round"`` (ours), ``"truncate"``, or ``"keras"``: what the
            Keras example writes, truncation then ``save_img``'s min-max stretch
            (:func:`deepdream.octaves.quantize`).
        seed: seed of the jitter (and of random weights, if used).
        precision: ``"float32"`` (reference) or ``"mixed_bfloat16"``.
        weights: ``"imagenet"``, a Keras weights file, or ``"random"`` (tests only).
    """

    recipe: str = _option(
        "default",
        "named set of settings (see above); explicit flags override it",
        choices=RECIPE_NAMES,
    )
    model: str = _option("inception_v3", "network", choices=MODELS, group=_NET)
    terms: tuple[LayerTerm, ...] = field(default_factory=_default_terms)
    objective: str = _option(
        "l2",
        "per layer: l2 = mean squared activation, mean = mean activation",
        choices=OBJECTIVES,
        group=_OBJ,
    )
    loss_border: int = _option(
        0,
        "leave feature-map positions within PX of the map's edge out of each layer's sum "
        "(divided by the whole map's size)",
        type=int,
        metavar="PX",
        group=_OBJ,
    )
    octaves: int = _option(3, "number of scales", type=int, group=_OCT)
    octave_scale: float = _option(
        1.4,
        "size ratio between octaves, > 1",
        type=float,
        group=_OCT,
    )
    finest_octave: int = _option(
        0,
        "the finest octave is the input size times octave-scale**E (resized back to the "
        "input at the end)",
        type=int,
        metavar="E",
        group=_OCT,
    )
    octave_rounding: str = _option(
        "float64",
        "octave sides int(side / scale**k) in float64 (Keras) or int(side * scale**e) in "
        "float32 (tutorial)",
        choices=OCTAVE_ROUNDINGS,
        group=_OCT,
    )
    steps: int = _option(20, "steps per octave", type=int, group=_ASCENT)
    step_size: float = _option(
        0.005,
        "pixel change per step of the normalised gradient, [0, 1] units (0.005 is the "
        "references' 0.01 in [-1, 1])",
        type=float,
        group=_ASCENT,
    )
    normalize: str = _option(
        "mean_abs",
        "divide the gradient by max(mean|g|, EPS) or by std(g) + EPS",
        choices=NORMALIZATIONS,
        group=_ASCENT,
    )
    grad_epsilon: float = _option(
        1e-8,
        "EPS above, for the gradient with respect to [0, 1] pixels (twice the value in "
        "[-1, 1] units)",
        type=float,
        metavar="EPS",
        group=_ASCENT,
    )
    clip: bool = _option(
        True,
        "clip pixels to [0, 1] after every step",
        action=_BOOL,
        group=_ASCENT,
    )
    max_loss: float | None = _option(
        None,
        "end an octave after the step whose objective (before the step) exceeds LOSS; "
        "'none' runs every step",
        type=loss_limit,
        metavar="LOSS",
        group=_ASCENT,
    )
    resize: str = _option(
        "bicubic",
        "resize between octaves: MATLAB bicubic (antialiased) or tf.image.resize bilinear "
        "(not antialiased)",
        choices=RESIZES,
        group=_OCT,
    )
    detail: str = _option(
        "before",
        "the input's detail lost by resizing: put back before each octave's ascent, added "
        "after it, or none",
        choices=DETAILS,
        group=_OCT,
    )
    jitter: int = _option(
        32,
        "max random roll in px before each step; 0 = no random shift at all",
        type=int,
        group=_TILES,
    )
    tile_size: int = _option(
        512,
        "gradients are computed on tiles of at most this side, so memory does not grow "
        "with the image; 0 = whole image at once",
        type=int,
        group=_TILES,
    )
    tile_margin: int = _option(
        0,
        "extra context in px around each tile, discarded after the gradient",
        type=int,
        group=_TILES,
    )
    tile_layout: str = _option(
        "cover",
        "cover = near-equal tiles over every pixel; tutorial = tiles at multiples of the "
        "tile size, the last one per axis skipped unless it is the only one",
        choices=TILE_LAYOUTS,
        group=_TILES,
    )
    tile_shift: bool = _option(
        True,
        "with --jitter > 0, also move the tile grid by a random offset each step",
        action=_BOOL,
        group=_TILES,
    )
    quantize: str = _option(
        "round",
        "8-bit output: round, truncate, or keras = truncation then a min-max stretch to "
        "[0, 255] as keras.utils.save_img does",
        choices=QUANTIZATIONS,
    )
    seed: int | None = _option(
        None,
        "random seed of the jitter (and of random weights); default: drawn, saved in the "
        "run's config file",
        type=int,
    )
    precision: str = _option(
        "float32",
        "float32 (reference) or mixed_bfloat16 (faster on CPUs with AVX-512 bf16)",
        choices=PRECISIONS,
        group=_NET,
    )
    weights: str = _option(
        "imagenet",
        "'imagenet' (Keras download, cached in ~/.keras/models), a local Keras weights file "
        "(.h5; for vgg19 also MatConvNet's imagenet-vgg-verydeep-19.mat), or 'random' "
        "(untrained: experiments and tests only, warns loudly)",
        group=_NET,
    )

    def __post_init__(self) -> None:
        validate_config(self)

    def replace(self, **changes) -> DreamConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def validate_config(cfg: DreamConfig) -> None:
    """Raise :class:`UserError` (one line, naming the flags) for values no dream can use."""
    problems = [message for bad, message in _range_checks(cfg) if bad]
    if not cfg.terms:
        problems.append("the objective needs at least one layer")
    for term in cfg.terms:
        if term.channel is not None and term.channel < 0:
            problems.append(f"channel index must be >= 0 (got {term.layer}:{term.channel})")
    for name, value, choices in (
        ("model", cfg.model, MODELS),
        ("objective", cfg.objective, OBJECTIVES),
        ("normalize", cfg.normalize, NORMALIZATIONS),
        ("resize", cfg.resize, RESIZES),
        ("detail", cfg.detail, DETAILS),
        ("octave-rounding", cfg.octave_rounding, OCTAVE_ROUNDINGS),
        ("tile-layout", cfg.tile_layout, TILE_LAYOUTS),
        ("quantize", cfg.quantize, QUANTIZATIONS),
        ("precision", cfg.precision, PRECISIONS),
    ):
        if value not in choices:
            problems.append(f"--{name} must be one of {', '.join(choices)} (got {value!r})")
    if problems:
        raise UserError("; ".join(problems))


def _range_checks(cfg: DreamConfig) -> list[tuple[bool, str]]:
    """``(value is bad, message)`` for every numeric field."""
    max_loss_ok = cfg.max_loss is None or math.isfinite(cfg.max_loss)
    return [
        (not 1 <= cfg.octaves <= 20, f"--octaves must be in 1..20 (got {cfg.octaves})"),
        (
            not 1.0 < cfg.octave_scale <= 4.0,
            f"--octave-scale must be in (1, 4], e.g. 1.4 (got {cfg.octave_scale})",
        ),
        (
            not -10 <= cfg.finest_octave <= 10,
            f"--finest-octave must be in -10..10 (got {cfg.finest_octave})",
        ),
        (cfg.steps < 1, f"--steps must be >= 1 (got {cfg.steps})"),
        (
            not 0.0 < cfg.step_size <= 1.0,
            f"--step-size must be in (0, 1], e.g. 0.005 (got {cfg.step_size})",
        ),
        (
            not (cfg.grad_epsilon >= 0 and math.isfinite(cfg.grad_epsilon)),
            f"--grad-epsilon must be a finite number >= 0 (got {cfg.grad_epsilon})",
        ),
        (not max_loss_ok, f"--max-loss must be a finite number or none (got {cfg.max_loss})"),
        (cfg.loss_border < 0, f"--loss-border must be >= 0 (got {cfg.loss_border})"),
        (cfg.jitter < 0, f"--jitter must be >= 0 (got {cfg.jitter})"),
        (
            cfg.tile_size != 0 and cfg.tile_size < MIN_TILE_SIZE,
            f"--tile-size must be 0 (whole image) or >= {MIN_TILE_SIZE} (got {cfg.tile_size})",
        ),
        (cfg.tile_margin < 0, f"--tile-margin must be >= 0 (got {cfg.tile_margin})"),
    ]
