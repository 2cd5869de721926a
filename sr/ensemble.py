"""Geometric self-ensemble at test time: the eight flips and rotations of the input, averaged.

Timofte et al. 2016 ("Seven ways to improve example-based single image super resolution", the
"enhanced prediction") and Lim et al. 2017 (EDSR, "geometric self-ensemble", the "+" models) run
the network on the eight images of the dihedral group of the square (4 rotations by 90 degrees,
each with and without a mirror flip), apply the inverse transform to each output, and average
the eight outputs. The cost is eight forward passes.

Here the wrapper acts on the Y planes given to an upscaler, so it works with every model and with
tiling (each tile is ensembled on its own; the tile margins are the same on every side, so tiles
still join without seams). The average is taken in float, before the protocol's rounding to uint8.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., np.ndarray])

#: The eight elements of the dihedral group, numbered 0..7: ``k % 4`` quarter turns, then a
#: left-right flip when ``k >= 4``.
DIHEDRAL: tuple[int, ...] = tuple(range(8))


def dihedral(plane: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th transform (0..7) of an ``(H, W, ...)`` array: ``k % 4`` turns, then a flip.

    The result has shape ``(H, W, ...)`` for an even number of turns and ``(W, H, ...)``
    otherwise; values are moved, never changed.
    """
    out = np.rot90(plane, k % 4, axes=(0, 1))
    return np.flip(out, axis=1) if k >= 4 else out


def undo_dihedral(plane: np.ndarray, k: int) -> np.ndarray:
    """The inverse of :func:`dihedral`: ``undo_dihedral(dihedral(x, k), k) == x``."""
    out = np.flip(plane, axis=1) if k >= 4 else plane
    return np.rot90(out, -(k % 4), axes=(0, 1))


def self_ensemble(predict: F) -> F:
    """Wrap ``predict(lr_y, bicubic_y, *rest) -> sr_y`` into its geometric self-ensemble.

    ``predict`` is an :data:`sr.protocol.Upscaler` ``(lr_y, bicubic_y)``, or any function whose
    first two arguments are those Y planes (0..255, ``(h, w)`` and ``(h*s, w*s)``): both get the
    same transform, other arguments pass unchanged. The result is
    ``mean_k undo_k(predict(T_k lr_y, T_k bicubic_y))`` over the eight transforms ``T_k`` in
    float64, shape ``(h*s, w*s)``, not rounded. Since the MATLAB bicubic is symmetric, ``T_k``
    of the bicubic plane is the bicubic upscaling of ``T_k`` of the LR plane.
    """

    def ensembled(lr_y: np.ndarray, bicubic_y: np.ndarray, *rest):
        total = None
        for k in DIHEDRAL:
            out = predict(dihedral(lr_y, k), dihedral(bicubic_y, k), *rest)
            back = undo_dihedral(np.asarray(out, np.float64), k)
            total = back.copy() if total is None else total + back
        return total / len(DIHEDRAL)

    return ensembled  # type: ignore[return-value]
