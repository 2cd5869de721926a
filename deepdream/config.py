"""DeepDream run configuration: one frozen dataclass, and the named recipes (presets).

Three recipes, each a complete set of explicit settings (:data:`RECIPES`):

* ``default`` (ours): the Keras example's layers, octaves, steps and step size, with
  google/deepdream's 32 px jitter, 512 px tiles whose grid moves every step, MATLAB bicubic
  resizing, detail put back before each octave's ascent, pixels kept in [0, 1] and rounded on
  save. README "DeepDream" gives the reason for each difference from the Keras example.
* ``keras``: keras-io ``examples/generative/deep_dream.py`` (F. Chollet) step for step.
* ``tutorial``: the TensorFlow tutorial ``tutorials/generative/deepdream`` (tiled version).

Pixel quantities are in our [0, 1] RGB units; InceptionV3 sees ``2 x - 1``, so a step of 0.01
and a gradient floor of 1e-6 in the references' [-1, 1] units are 0.005 and 2e-6 here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from common.errors import UserError

#: The networks DeepDream can run on.
MODELS = ("inception_v3", "vgg19")
PRECISIONS = ("float32", "mixed_bfloat16")
OBJECTIVES = ("l2", "mean")
NORMALIZATIONS = ("mean_abs", "std")
RESIZES = ("bicubic", "bilinear")
DETAILS = ("before", "after", "none")
OCTAVE_ROUNDINGS = ("float64", "float32")
TILE_LAYOUTS = ("cover", "tutorial")
QUANTIZATIONS = ("round", "truncate", "keras")


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


@dataclass(frozen=True)
class DreamConfig:
    """Hyper-parameters of one dream. Pixel quantities are in [0, 1] RGB units.

    Attributes:
        recipe: name of the preset these settings started from (a label, for config.json).
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

    recipe: str = "default"
    model: str = "inception_v3"
    terms: tuple[LayerTerm, ...] = field(default_factory=_default_terms)
    objective: str = "l2"
    loss_border: int = 0
    octaves: int = 3
    octave_scale: float = 1.4
    finest_octave: int = 0
    octave_rounding: str = "float64"
    steps: int = 20
    step_size: float = 0.005
    normalize: str = "mean_abs"
    grad_epsilon: float = 1e-8
    clip: bool = True
    max_loss: float | None = None
    resize: str = "bicubic"
    detail: str = "before"
    jitter: int = 32
    tile_size: int = 512
    tile_margin: int = 0
    tile_layout: str = "cover"
    tile_shift: bool = True
    quantize: str = "round"
    seed: int | None = None
    precision: str = "float32"
    weights: str = "imagenet"

    def __post_init__(self) -> None:
        validate_config(self)

    def replace(self, **changes) -> DreamConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def validate_config(cfg: DreamConfig) -> None:
    """Raise :class:`UserError` (one line) for values no dream can use."""
    problems = []
    if cfg.model not in MODELS:
        problems.append(f"model must be one of {', '.join(MODELS)} (got {cfg.model!r})")
    if not cfg.terms:
        problems.append("the objective needs at least one layer")
    for term in cfg.terms:
        if term.channel is not None and term.channel < 0:
            problems.append(f"channel index must be >= 0 (got {term.layer}:{term.channel})")
    if not 1 <= cfg.octaves <= 20:
        problems.append(f"octaves must be in 1..20 (got {cfg.octaves})")
    if not 1.0 < cfg.octave_scale <= 4.0:
        problems.append(f"octave scale must be in (1, 4] (got {cfg.octave_scale})")
    if cfg.steps < 1:
        problems.append(f"steps must be >= 1 (got {cfg.steps})")
    if not 0.0 < cfg.step_size <= 1.0:
        problems.append(f"step size must be in (0, 1] (got {cfg.step_size})")
    if cfg.jitter < 0:
        problems.append(f"jitter must be >= 0 (got {cfg.jitter})")
    if cfg.tile_size != 0 and cfg.tile_size < 16:
        problems.append(f"tile size must be 0 (whole image) or >= 16 (got {cfg.tile_size})")
    if cfg.tile_margin < 0:
        problems.append(f"tile margin must be >= 0 (got {cfg.tile_margin})")
    if cfg.loss_border < 0:
        problems.append(f"loss border must be >= 0 (got {cfg.loss_border})")
    if not -10 <= cfg.finest_octave <= 10:
        problems.append(f"finest octave must be in -10..10 (got {cfg.finest_octave})")
    if not (cfg.grad_epsilon >= 0 and math.isfinite(cfg.grad_epsilon)):
        problems.append(f"gradient epsilon must be >= 0 (got {cfg.grad_epsilon})")
    if cfg.max_loss is not None and not math.isfinite(cfg.max_loss):
        problems.append(f"max loss must be a finite number or None (got {cfg.max_loss})")
    for name, value, choices in (
        ("objective", cfg.objective, OBJECTIVES),
        ("normalize", cfg.normalize, NORMALIZATIONS),
        ("resize", cfg.resize, RESIZES),
        ("detail", cfg.detail, DETAILS),
        ("octave rounding", cfg.octave_rounding, OCTAVE_ROUNDINGS),
        ("tile layout", cfg.tile_layout, TILE_LAYOUTS),
        ("quantize", cfg.quantize, QUANTIZATIONS),
    ):
        if value not in choices:
            problems.append(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    if cfg.precision not in PRECISIONS:
        problems.append(f"precision must be one of {', '.join(PRECISIONS)}")
    if problems:
        raise UserError("; ".join(problems))


#: The named recipes: every setting that makes a reference's algorithm, stated explicitly.
#: The run-specific fields (seed, precision, weights) keep their defaults.
RECIPES: dict[str, DreamConfig] = {
    "default": DreamConfig(),
    # keras-io examples/generative/deep_dream.py: its layers, 3 octaves of 1.4, 20 steps of
    # 0.01 in [-1, 1] (0.005 here), loss on a[:, 2:-2, 2:-2] over the whole map's size, gradient
    # / max(mean|g|, 1e-6) ([-1, 1] units; 2e-6 here), an octave stops after the step whose loss
    # exceeded 15, tf.image.resize bilinear, lost detail added after the ascent, no clipping,
    # whole-image gradients without jitter, uint8 by truncation and then keras.utils.save_img's
    # default min-max stretch to [0, 255].
    "keras": DreamConfig(
        recipe="keras",
        loss_border=2,
        normalize="mean_abs",
        grad_epsilon=2e-6,
        clip=False,
        max_loss=15.0,
        resize="bilinear",
        detail="after",
        jitter=0,
        tile_size=0,
        tile_shift=False,
        quantize="keras",
    ),
    # tensorflow/docs site/en/tutorials/generative/deepdream.ipynb, tiled version
    # (run_deep_dream_with_octaves): mixed3 + mixed5, sum of mean activations, octaves
    # 1.3**-2 ... 1.3**2 of the input's size (float32 sizes), 100 steps of 0.01 in [-1, 1], gradient
    # / (std + 1e-8) ([-1, 1] units; 2e-8 here), clipping, bilinear resize of the previous
    # result, a random roll of up to 512 px and 512 px tiles (the last of each axis skipped).
    "tutorial": DreamConfig(
        recipe="tutorial",
        terms=(LayerTerm("mixed3", 1.0), LayerTerm("mixed5", 1.0)),
        objective="mean",
        octaves=5,
        octave_scale=1.3,
        finest_octave=2,
        octave_rounding="float32",
        steps=100,
        normalize="std",
        grad_epsilon=2e-8,
        resize="bilinear",
        detail="none",
        jitter=512,
        tile_size=512,
        tile_layout="tutorial",
        tile_shift=False,
    ),
}
