"""Random seeds: drawn when not given, recorded in the run's config, applied everywhere."""

from __future__ import annotations

import numpy as np

from common.quiet import keras

#: Seeds are drawn below this bound, so they fit every library's seed argument.
SEED_BOUND = 2**31


def resolve_seed(seed: int | None) -> int:
    """``seed``, or a fresh one drawn from the operating system's entropy when it is None."""
    if seed is not None:
        return int(seed)
    return int(np.random.SeedSequence().entropy % SEED_BOUND)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed``); return a NumPy
    generator for the caller's own draws (jitter, noise)."""
    keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)
