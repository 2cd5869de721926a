"""Named upscalers: ``bicubic``, the protocol's own baseline, and the trained networks.

``srcnn``, ``vdsr`` and ``vdsr_sp`` run a trained network, by default the weights shipped in
``sr/weights/``:

* ``srcnn_x{2,3,4}.weights.h5`` (one SRCNN per scale),
* ``vdsr.weights.h5`` (one multi-scale VDSR for x2, x3, x4),
* ``vdsr_sp_x{2,3,4}.weights.h5`` (one VDSR-sp per scale).

:func:`get_upscaler` returns a :class:`ModelUpscaler`: an :data:`sr.protocol.Upscaler` that also
carries its model's receptive-field margin for seamless tiles (:func:`sr.tiling.margin_for`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.errors import UserError
from sr import weights as sr_weights
from sr.ensemble import self_ensemble
from sr.inference import make_predictor
from sr.models import VDSR_DEPTH
from sr.paths import WEIGHTS_DIR
from sr.protocol import Upscaler
from sr.tiling import margin_for

MODELS: tuple[str, ...] = ("bicubic", "srcnn", "vdsr", "vdsr_sp")


def bicubic(lr_y: np.ndarray, bicubic_y: np.ndarray) -> np.ndarray:
    """The bicubic baseline: the protocol's own MATLAB bicubic upscaling."""
    return bicubic_y


@dataclass(frozen=True)
class ModelUpscaler:
    """The :data:`~sr.protocol.Upscaler` of ``model`` at ``scale``, with its tile margin.

    Calling it calls ``run``: ``(lr_y (h, w), bicubic_y (h*s, w*s)) -> sr_y (h*s, w*s)``, Y in
    0..255. ``margin`` is the low-resolution margin (pixels) :func:`sr.tiling.upscale_rgb` needs
    for tiles that join without seams: the network's receptive radius plus the bicubic support.
    """

    model: str
    scale: int
    run: Upscaler
    margin: int

    def __call__(self, lr_y: np.ndarray, bicubic_y: np.ndarray) -> np.ndarray:
        return self.run(lr_y, bicubic_y)

    def ensembled(self) -> ModelUpscaler:
        """The same upscaler under the geometric self-ensemble (:func:`sr.ensemble.self_ensemble`;
        the margin is the same on every side, so it still tiles)."""
        return dataclasses.replace(self, run=self_ensemble(self.run))


def shipped_weights(model: str, scale: int) -> Path:
    """Path of the shipped weights of ``model`` at ``scale`` (may not exist)."""
    name = "vdsr.weights.h5" if model == "vdsr" else f"{model}_x{scale}.weights.h5"
    return WEIGHTS_DIR / name


def _shipped_scales(model: str) -> list[int]:
    found = sorted(WEIGHTS_DIR.glob(f"{model}_x*.weights.h5"))
    return sorted(int(p.name[len(model) + 2 :].split(".")[0]) for p in found)


def get_upscaler(
    model: str, scale: int, weights: str | None = None, *, precision: str = "float32"
) -> ModelUpscaler:
    """Return the upscaler called ``model`` for ``scale``; ``UserError`` if there is none.

    ``weights`` is a weights file (default: the shipped one); ``precision`` is ``float32`` (the
    reference) or ``mixed_bfloat16`` (faster where supported).
    """
    if model == "bicubic":
        if weights is not None:
            raise UserError("--weights makes no sense with --model bicubic")
        return ModelUpscaler(model, scale, bicubic, margin_for(model, scale))
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
    path = Path(weights) if weights else shipped_weights(model, scale)
    if weights is None and not path.is_file():
        have = ", ".join(f"x{s}" for s in _shipped_scales(model)) or "none"
        raise UserError(
            f"no shipped {model} weights for x{scale} (shipped: {have}); "
            f"train one with scripts/{model}.py and pass --weights"
        )
    run, meta = network_predictor(str(path), model, scale, precision)
    variant = meta.get("srcnn_variant", "9-1-5")
    margin = margin_for(model, scale, variant, meta.get("depth", VDSR_DEPTH))
    return ModelUpscaler(model, scale, run, margin)


_CACHE: dict[tuple[str, str, int | None, str], tuple[Upscaler, dict]] = {}


def network_predictor(
    path: str, model: str, scale: int, precision: str = "float32"
) -> tuple[Upscaler, dict]:
    """The network in ``path`` as an :data:`~sr.protocol.Upscaler`, and the file's metadata.

    Built once per file, model, scale (one for every scale of VDSR) and precision, then cached.
    """
    sr_weights.check_weights(path, model, scale)
    key = (str(Path(path).resolve()), model, scale if model != "vdsr" else None, precision)
    if key not in _CACHE:
        net, meta = sr_weights.load_model(path, model, scale, precision)
        _CACHE[key] = make_predictor(net, model, meta.get("srcnn_variant", "9-1-5")), meta
    return _CACHE[key]
