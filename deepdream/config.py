"""DeepDream run configuration: one frozen dataclass whose defaults are a published recipe.

Defaults follow the Keras example "Deep Dream" (F. Chollet, keras.io, InceptionV3): layers
``mixed4:1.0 mixed5:1.5 mixed6:2.0 mixed7:2.5``, 3 octaves of scale 1.4, 20 gradient-ascent
steps per octave and a step of 0.01 in the network's [-1, 1] input range (0.005 in our [0, 1]
pixel range). Two things the Keras example lacks come from the other references: the random
jitter of 32 px of google/deepdream (removes the stride grid) and the 512 px tiles of the
TensorFlow tutorial (bounded memory on any image size).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import imaging

#: The networks DeepDream can run on.
MODELS = ("inception_v3", "vgg19")
PRECISIONS = ("float32", "mixed_bfloat16")


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
        model: ``"inception_v3"`` or ``"vgg19"``.
        terms: objective terms (layer, weight, optional channel).
        octaves: number of scales, coarse to fine; octave ``k`` has size ``int(H / scale**k)``.
        octave_scale: size ratio between successive octaves (> 1).
        steps: gradient-ascent steps per octave.
        step_size: mean absolute change of a pixel per step ([0, 1] units); the gradient is
            divided by its mean absolute value before the step.
        jitter: largest random roll (pixels) applied before each step and undone after it.
        tile_size: gradients are computed on tiles of at most this side (pixels).
        tile_margin: context (pixels) added around each tile and discarded after the gradient;
            0 follows the TensorFlow tutorial, a margin at least the receptive field makes the
            tiled gradient equal the whole-image one.
        seed: seed of the jitter (and of random weights, if used).
        precision: ``"float32"`` (reference) or ``"mixed_bfloat16"``.
        weights: ``"imagenet"``, a Keras weights file, or ``"random"`` (tests only).
    """

    model: str = "inception_v3"
    terms: tuple[LayerTerm, ...] = field(default_factory=_default_terms)
    octaves: int = 3
    octave_scale: float = 1.4
    steps: int = 20
    step_size: float = 0.005
    jitter: int = 32
    tile_size: int = 512
    tile_margin: int = 0
    seed: int | None = None
    precision: str = "float32"
    weights: str = "imagenet"

    def __post_init__(self) -> None:
        validate_config(self)

    def replace(self, **changes) -> DreamConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def validate_config(cfg: DreamConfig) -> None:
    """Raise :class:`imaging.UserError` (one line) for values no dream can use."""
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
    if cfg.tile_size < 16:
        problems.append(f"tile size must be >= 16 (got {cfg.tile_size})")
    if cfg.tile_margin < 0:
        problems.append(f"tile margin must be >= 0 (got {cfg.tile_margin})")
    if cfg.precision not in PRECISIONS:
        problems.append(f"precision must be one of {', '.join(PRECISIONS)}")
    if problems:
        raise imaging.UserError("; ".join(problems))
