"""The settings of one style transfer: :class:`StyleConfig`, its defaults and its validation.

Defaults are anishathalye/neural-style's (its loss normalisation, see :mod:`style_transfer.losses`)
except the optimiser, L-BFGS as in Gatys et al. and jcjohnson. Each field carries its
command-line form (:func:`common.cli.flag`), so ``neural_style.py``'s options are built from here
and a default lives only in this file.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from common.cli import CLI, flag, nonneg_float, positive_float, positive_int
from common.errors import UserError
from style_transfer.vgg import canonical_layer_name

CONTENT_LAYERS = ("relu4_2", "relu5_2")  # blended by content_weight_blend, as neural-style
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
OPTIMIZERS = ("lbfgs", "adam")
RESIZES = ("matlab", "pillow")
#: Widest output (pixels) the command line accepts.
MAX_WIDTH = 8192

_STAGES, _LAYERS, _WEIGHTS, _OPTIMISER = "stages", "layers", "loss weights", "optimisation"


class StyleConfigError(UserError, ValueError):
    """A :class:`StyleConfig` value no style transfer can use (one line, naming the option)."""


def _field(default, help: str, group: str, **argparse_kwargs):
    return dataclasses.field(default=default, metadata=flag(help, group=group, **argparse_kwargs))


@dataclasses.dataclass(frozen=True)
class StyleConfig:
    """Loss weights and optimiser of one style transfer; defaults are neural-style's / Gatys'.

    ``content_layers`` None means neural-style's relu4_2 (weight ``content_weight_blend``) and
    relu5_2 (weight ``1 - content_weight_blend``); otherwise the given layers, equally weighted.
    ``sizes``: image widths of the coarse-to-fine stages (empty: one stage at the content's size);
    ``stage_iterations``: iterations per stage (None: ``iterations`` at every stage).
    ``resize``: ``"matlab"`` (MATLAB bicubic in float, sizes rounded) or ``"pillow"``
    (neural-style's: Pillow bicubic on uint8, sizes floored); ``adam_clip``: clip the pixels to
    [0, 1] after each Adam step (neural-style does not). Learning rate and epsilon are on the
    0-255 pixel scale. Invalid values raise :class:`StyleConfigError`.
    """

    content_weight: float = _field(5.0, "alpha, content loss weight", _WEIGHTS, type=nonneg_float)
    content_weight_blend: float = _field(
        1.0, "relu4_2 * blend + relu5_2 * (1 - blend), in [0, 1]", _WEIGHTS, type=float
    )
    style_weight: float = _field(500.0, "beta, style loss weight", _WEIGHTS, type=nonneg_float)
    style_layer_weight_exp: float = _field(
        1.0,
        "weight(layer n+1) = exp * weight(layer n); layer weights sum to 1",
        _WEIGHTS,
        type=positive_float,
    )
    tv_weight: float = _field(
        100.0,
        "total-variation weight (squared differences, 0-255 pixel scale)",
        _WEIGHTS,
        type=nonneg_float,
    )
    content_layers: tuple[str, ...] | None = _field(
        None,
        "content layers, equally weighted (default relu4_2, blended with relu5_2 by "
        "--content-weight-blend); Keras (block4_conv2) or Caffe (relu4_2) names",
        _LAYERS,
        nargs="+",
        metavar="LAYER",
    )
    style_layers: tuple[str, ...] = _field(
        STYLE_LAYERS, "style layers", _LAYERS, nargs="+", metavar="LAYER"
    )
    style_blend_weights: tuple[float, ...] | None = _field(
        None,
        "one weight per style, normalised to sum 1 (default equal)",
        _WEIGHTS,
        type=nonneg_float,
        nargs="+",
        metavar="STYLE_BLEND_WEIGHT",
    )
    style_scales: tuple[float, ...] | None = _field(
        None,
        "per style: resize it to STYLE_SCALE x the width being optimised (default 1.0 each)",
        _STAGES,
        type=positive_float,
        nargs="+",
        metavar="STYLE_SCALE",
    )
    optimizer: str = _field(
        "lbfgs",
        "lbfgs: scipy L-BFGS-B on the pixels, bounded to [0, 1] (Gatys, jcjohnson); adam: "
        "neural-style's optimiser, pixels clipped to [0, 1] after each step (default with "
        "--compat an, unclipped)",
        _OPTIMISER,
        choices=OPTIMIZERS,
    )
    iterations: int = _field(1000, "iterations (per --sizes stage)", _OPTIMISER, type=positive_int)
    learning_rate: float = _field(
        10.0, "Adam step, 0-255 pixel units", _OPTIMISER, type=positive_float
    )
    beta1: float = _field(0.9, "Adam beta1", _OPTIMISER, type=float)
    beta2: float = _field(0.999, "Adam beta2", _OPTIMISER, type=float)
    epsilon: float = _field(
        1e-8, "Adam epsilon", _OPTIMISER, type=positive_float, flags=["--eps"], metavar="EPS"
    )
    lbfgs_memory: int = _field(10, "L-BFGS pairs kept", _OPTIMISER, type=positive_int)
    sizes: tuple[int, ...] = _field(
        (),
        "coarse-to-fine: optimise at each width in turn (e.g. 256 512 1024), each stage "
        "starting from the previous result upsampled; the last is the output width",
        _STAGES,
        type=positive_int,
        nargs="+",
        metavar="WIDTH",
    )
    stage_iterations: tuple[int, ...] | None = _field(
        None,
        "iterations of each --sizes stage (default: --iterations at every stage)",
        _STAGES,
        type=positive_int,
        nargs="+",
        metavar="N",
    )
    resize: str = _field(
        "matlab",
        "resizing of content (--width), styles and stages: matlab (bicubic in float, sizes "
        "rounded) or pillow (neural-style: Pillow bicubic on 8-bit pixels, sizes floored; "
        "default with --compat an)",
        _STAGES,
        choices=RESIZES,
    )
    adam_clip: bool = True

    def __post_init__(self) -> None:
        problem = config_problem(self)
        if problem:
            raise StyleConfigError(problem)


def option(name: str) -> str:
    """The command-line spelling of a :class:`StyleConfig` field (``epsilon`` -> ``--eps``)."""
    spec = StyleConfig.__dataclass_fields__[name].metadata.get(CLI, {})
    return (spec.get("flags") or ["--" + name.replace("_", "-")])[0]


def config_problem(config: StyleConfig) -> str | None:
    """What is wrong with ``config`` (the first problem, one line naming the option), or None."""
    return next(iter(_value_problems(config)), None)


def _value_problems(c: StyleConfig) -> Iterable[str]:
    """Every problem of ``c``; those the command line can reach come in neural_style.py's order."""
    for name in ("content_weight", "style_weight", "tv_weight"):
        if not _finite(getattr(c, name)) or getattr(c, name) < 0:
            yield f"{option(name)} must be a finite number >= 0"
    for name in ("style_layer_weight_exp", "learning_rate", "epsilon"):
        if not _finite(getattr(c, name)) or getattr(c, name) <= 0:
            yield f"{option(name)} must be a finite number > 0"
    if c.style_blend_weights is not None:
        if any(not _finite(w) or w < 0 for w in c.style_blend_weights):
            yield "--style-blend-weights must be finite numbers >= 0"
        if sum(c.style_blend_weights) <= 0:
            yield "--style-blend-weights must not all be zero"
    if not 0.0 <= c.content_weight_blend <= 1.0:
        yield "--content-weight-blend must be in [0, 1]"
    if c.style_scales is not None and any(not _finite(s) or s <= 0 for s in c.style_scales):
        yield "--style-scales must be finite numbers > 0"
    if c.optimizer not in OPTIMIZERS:
        yield f"unknown optimizer {c.optimizer!r}; choose from {OPTIMIZERS}"
    if c.resize not in RESIZES:
        yield f"unknown resize {c.resize!r}; choose from {RESIZES}"
    for name in ("iterations", "lbfgs_memory"):
        if int(getattr(c, name)) < 1:
            yield f"{option(name)} must be a positive integer"
    if any(int(n) < 1 for n in (*c.sizes, *(c.stage_iterations or ()))):
        yield "--sizes and --stage-iterations must be positive integers"
    if c.stage_iterations is not None and len(c.stage_iterations) != len(c.sizes):
        yield "--stage-iterations needs one count per --sizes value"
    if max(c.sizes, default=0) > MAX_WIDTH:
        yield f"output width above {MAX_WIDTH} pixels is not supported"
    for name in ("beta1", "beta2"):
        if not 0 <= getattr(c, name) < 1:
            yield f"{option(name)} must be in [0, 1)"
    yield from _layer_problems(c)


def _layer_problems(c: StyleConfig) -> Iterable[str]:
    for name in ("content_layers", "style_layers"):
        for layer in getattr(c, name) or ():
            try:
                canonical_layer_name(layer)
            except ValueError as exc:
                yield f"{option(name)}: {exc}"
                return
    canonical = [canonical_layer_name(layer) for layer in c.style_layers]
    if len(set(canonical)) < len(canonical):
        yield f"{option('style_layers')}: a layer is given twice ({' '.join(c.style_layers)})"


def _finite(value: float) -> bool:
    return math.isfinite(float(value))
