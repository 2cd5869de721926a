"""Pretrained-weight handling for Keras application networks (VGG19, InceptionV3, ...).

Three sources are accepted, and nothing else:

* ``"imagenet"``: Keras downloads the ImageNet weights once and caches them in
  ``~/.keras/models``; offline, a :class:`WeightsError` says how to pass a local file.
* a path to a Keras weights file (``.h5`` as distributed by Keras, or ``.weights.h5`` written by
  ``model.save_weights``); a missing or mismatched file is a :class:`WeightsError`.
* ``"random"``: Glorot-initialised weights for experiments and tests only, announced on stderr.

Random weights are never used behind the user's back.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable

from common.errors import UserError
from common.quiet import keras

RANDOM = "random"
IMAGENET = "imagenet"


class WeightsError(UserError):
    """Network weights are unavailable or unusable; ``str()`` says how to get them."""


def warn_random_weights(name: str) -> None:
    """Print a loud, unmistakable warning that ``name`` runs with random (untrained) weights."""
    bar = "!" * 78
    print(
        f"{bar}\n!! WARNING: {name} uses RANDOM, UNTRAINED weights (weights 'random').\n"
        "!! Results are meaningless as images; use this only for experiments and tests.\n"
        f"{bar}",
        file=sys.stderr,
        flush=True,
    )


def _offline_message(name: str, cause: BaseException) -> str:
    return (
        f"cannot download the ImageNet weights of {name} ({type(cause).__name__}: "
        f"{str(cause).splitlines()[0] if str(cause) else 'no detail'}); you may be offline: "
        f"copy the Keras weights file into ~/.keras/models/ or pass its path "
        f"(a .h5 file) instead of 'imagenet'"
    )


def build_keras_application(
    app_fn: Callable[..., keras.Model], weights: str, *, name: str, **kwargs
) -> keras.Model:
    """Build ``app_fn(**kwargs)`` (a ``keras.applications`` constructor) with the requested weights.

    Args:
        app_fn: e.g. ``keras.applications.VGG19``; ``kwargs`` are passed through (typically
            ``include_top=False, input_shape=(None, None, 3)``).
        weights: ``"imagenet"``, a path to a Keras weights file, or ``"random"``.
        name: human-readable network name used in messages (e.g. ``"VGG19"``).

    Returns:
        The model, weights loaded.

    Raises:
        WeightsError: download failed (offline), file missing, unreadable or of the wrong network.
    """
    if not isinstance(weights, str) or not weights:
        raise WeightsError(f"{name}: weights must be 'imagenet', 'random' or a file path")
    if weights == RANDOM:
        warn_random_weights(name)
        return app_fn(weights=None, **kwargs)
    if weights == IMAGENET:
        try:
            return app_fn(weights=IMAGENET, **kwargs)
        except Exception as exc:  # Keras raises a bare Exception on URL failures
            raise WeightsError(_offline_message(name, exc)) from exc
    return _build_from_file(app_fn, weights, name=name, **kwargs)


def _build_from_file(app_fn, path: str, *, name: str, **kwargs) -> keras.Model:
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise WeightsError(
            f"{name} weights file not found: {path!r} (pass 'imagenet' to download the "
            f"Keras ImageNet weights, or the path of an existing .h5 / .weights.h5 file)"
        )
    if not (path.endswith(".h5") or path.endswith(".hdf5") or path.endswith(".keras")):
        raise WeightsError(
            f"{path}: unsupported {name} weights file type (expected a Keras .h5 or "
            f".weights.h5 file)"
        )
    model = app_fn(weights=None, **kwargs)
    try:
        with warnings.catch_warnings():
            # Keras warns (rather than fails) when it skips layers it cannot match: that would
            # leave random weights in the network, so it is an error here.
            warnings.simplefilter("error", UserWarning)
            model.load_weights(path)
    except Exception as exc:  # h5py OSError, Keras ValueError on shape/layer-count mismatch
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            f"{path}: not usable as {name} weights ({detail[:200]}); pass the Keras {name} "
            f"weights file of the same architecture (the 'notop' file when include_top=False) "
            f"or 'imagenet'"
        ) from exc
    return model
