"""Named upscalers for evaluation: a function from a low-resolution Y plane to a high one."""

from __future__ import annotations

from collections.abc import Callable

from imaging import UserError

import numpy as np

#: ``(lr_y, bicubic_y, scale) -> sr_y``. ``lr_y`` is ``(h, w)`` and ``bicubic_y`` its MATLAB
#: bicubic upscaling ``(h*s, w*s)``, both float64 holding uint8 values 0..255 (rounded as the
#: protocol says); the result is ``(h*s, w*s)`` in 0..255, rounded and clipped by the caller.
Upscaler = Callable[[np.ndarray, np.ndarray, int], np.ndarray]

MODELS: tuple[str, ...] = ("bicubic",)


def bicubic(lr_y: np.ndarray, bicubic_y: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic baseline: the protocol's own MATLAB bicubic upscaling."""
    return bicubic_y


def get_upscaler(model: str, scale: int, weights: str | None = None) -> Upscaler:
    """Return the upscaler called ``model`` for ``scale``; ``UserError`` if there is none."""
    if model == "bicubic":
        if weights is not None:
            raise UserError("--weights makes no sense with --model bicubic")
        return bicubic
    raise UserError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
