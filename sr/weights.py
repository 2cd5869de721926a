"""Weights files: Keras ``.weights.h5`` plus attributes naming the architecture they belong to.

The attributes (``sr_model``, ``scales``, ``srcnn_variant``, ``vdsr_sp_residual``, ``depth``)
let a file rebuild its own network and let loaders refuse the wrong model with one clear line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import keras

from common.errors import UserError
from common.files import atomic_path
from common.precision import precision_scope
from sr import models


def build_model(
    model: str,
    scale: int | None = None,
    *,
    srcnn_variant: str = "9-1-5",
    vdsr_sp_residual: bool = True,
    depth: int = models.VDSR_DEPTH,
    srcnn_init: str = "gaussian",
) -> keras.Model:
    """The network called ``model`` (``srcnn``, ``vdsr`` or ``vdsr_sp``, which needs ``scale``).

    ``srcnn_init`` only matters for training from scratch (see :func:`sr.models.srcnn`).
    """
    if model == "srcnn":
        return models.srcnn(srcnn_variant, init=srcnn_init)
    if model == "vdsr":
        return models.vdsr(depth)
    if model == "vdsr_sp":
        if scale is None:
            raise ValueError("vdsr_sp needs a scale")
        return models.vdsr_sp(scale, depth, residual=vdsr_sp_residual)
    raise ValueError(f"unknown model {model!r}")


def metadata(model: str, scales, **arch) -> dict:
    """The attribute dict stored in a weights file."""
    return {"sr_model": model, "scales": [int(s) for s in scales], **arch}


def save_weights(net: keras.Model, path: str | os.PathLike, meta: dict) -> None:
    """Write ``net``'s weights and ``meta`` to ``path`` (``*.weights.h5``) atomically."""
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise UserError(f"weights file names must end in .weights.h5: {path}")

    def write(tmp: str) -> None:
        net.save_weights(tmp)
        with h5py.File(tmp, "a") as h5:
            h5.attrs["sr_meta"] = json.dumps(meta)

    atomic_path(path, write)


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata of a weights file; :class:`UserError` if it is missing or not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"weights file not found: {path}")
    try:
        with h5py.File(path, "r") as h5:
            raw = h5.attrs.get("sr_meta")
    except OSError as err:
        raise UserError(f"cannot read weights file {path}: not an HDF5 file ({err})") from None
    if raw is None:
        raise UserError(f"{path} is not a super-resolution weights file of this project")
    return json.loads(raw)


def check_weights(path: str | os.PathLike, model: str, scale: int | None = None) -> dict:
    """The metadata of ``path``; :class:`UserError` unless it holds ``model`` for ``scale``."""
    meta = read_metadata(path)
    if meta.get("sr_model") != model:
        raise UserError(f"{path} holds {meta.get('sr_model')} weights, not {model}")
    scales = meta.get("scales", [])
    if scale is not None and scale not in scales:
        trained = ", ".join(f"x{s}" for s in scales)
        raise UserError(f"{path} was trained for {trained}, not x{scale}")
    return meta


def load_model(
    path: str | os.PathLike, model: str, scale: int | None = None, precision: str = "float32"
):
    """Build the network stored in ``path`` and load its weights; returns ``(net, meta)``.

    Refuses a file of another model, or (when ``scale`` is given) one not trained for ``scale``.
    ``precision`` is the Keras dtype policy of the network (``mixed_bfloat16`` is faster on CPUs
    with AVX-512 BF16 and GPUs, at a small cost in PSNR).
    """
    meta = check_weights(path, model, scale)
    scales = meta.get("scales", [])
    arch_scale = scale if scale is not None else (scales[0] if scales else None)
    with precision_scope(precision):
        net = build_model(
            model,
            arch_scale,
            srcnn_variant=meta.get("srcnn_variant", "9-1-5"),
            vdsr_sp_residual=meta.get("vdsr_sp_residual", True),
            depth=meta.get("depth", models.VDSR_DEPTH),
        )
    try:
        net.load_weights(path)
    except (ValueError, KeyError, OSError) as err:
        msg = " ".join(str(err).split())[:200]
        raise UserError(f"weights in {path} do not fit the {model} network: {msg}") from None
    return net, meta
