"""Named upscalers for evaluation: a function from a low-resolution Y plane to a high one.

``bicubic`` is the protocol's own baseline; ``srcnn``, ``vdsr`` and ``vdsr_sp`` run a trained
network, by default the weights shipped in ``sr/weights/``:

* ``srcnn_x{2,3,4}.weights.h5`` (one SRCNN per scale),
* ``vdsr.weights.h5`` (one multi-scale VDSR for x2, x3, x4),
* ``vdsr_sp_x{2,3,4}.weights.h5`` (one VDSR-sp per scale).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from common.errors import UserError

#: ``(lr_y, bicubic_y, scale) -> sr_y``. ``lr_y`` is ``(h, w)`` and ``bicubic_y`` its MATLAB
#: bicubic upscaling ``(h*s, w*s)``, both float64 holding uint8 values 0..255 (rounded as the
#: protocol says); the result is ``(h*s, w*s)`` in 0..255, rounded and clipped by the caller.
Upscaler = Callable[[np.ndarray, np.ndarray, int], np.ndarray]

MODELS: tuple[str, ...] = ("bicubic", "srcnn", "vdsr", "vdsr_sp")


def bicubic(lr_y: np.ndarray, bicubic_y: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic baseline: the protocol's own MATLAB bicubic upscaling."""
    return bicubic_y


def shipped_weights(model: str, scale: int) -> Path:
    """Path of the shipped weights of ``model`` at ``scale`` (may not exist)."""
    from sr.paths import WEIGHTS_DIR

    name = "vdsr.weights.h5" if model == "vdsr" else f"{model}_x{scale}.weights.h5"
    return WEIGHTS_DIR / name


def _shipped_scales(model: str) -> list[int]:
    from sr.paths import WEIGHTS_DIR

    found = sorted(WEIGHTS_DIR.glob(f"{model}_x*.weights.h5"))
    return sorted(int(p.name[len(model) + 2 :].split(".")[0]) for p in found)


def get_upscaler(
    model: str, scale: int, weights: str | None = None, *, precision: str = "float32"
) -> Upscaler:
    """Return the upscaler called ``model`` for ``scale``; ``UserError`` if there is none.

    ``precision``: ``float32`` (the reference) or ``mixed_bfloat16`` (faster where supported).
    """
    if model == "bicubic":
        if weights is not None:
            raise UserError("--weights makes no sense with --model bicubic")
        return bicubic
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
    path = Path(weights) if weights else shipped_weights(model, scale)
    if weights is None and not path.is_file():
        have = ", ".join(f"x{s}" for s in _shipped_scales(model)) or "none"
        raise UserError(
            f"no shipped {model} weights for x{scale} (shipped: {have}); "
            f"train one with scripts/{model}.py and pass --weights"
        )
    predict = network_predictor(str(path), model, scale, precision)
    return lambda lr_y, bicubic_y, s: predict(lr_y, bicubic_y)


_CACHE: dict[tuple[str, str, int | None, str], Callable] = {}


def network_predictor(path: str, model: str, scale: int, precision: str = "float32"):
    """``(lr_y, bicubic_y) -> sr_y`` for the network in ``path`` (float32, cached per file)."""
    from sr.inference import make_predictor
    from sr.weights import check_weights, load_model

    check_weights(path, model, scale)
    key = (str(Path(path).resolve()), model, scale if model != "vdsr" else None, precision)
    if key not in _CACHE:
        net, meta = load_model(path, model, scale, precision)
        _CACHE[key] = make_predictor(net, model, meta.get("srcnn_variant", "9-1-5"))
    return _CACHE[key]
