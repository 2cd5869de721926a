"""Every random draw in the tests goes through here, so the whole suite can be re-run with other
seeds: ``TEST_SEED_SHIFT=7 python -m pytest`` adds 7 to every seed (the suite's own run uses the
fixed seeds written in the tests, shift 0).

    from seeds import rng, seed
    rng(3).normal(size=(2, 5, 7))        # NumPy draws
    keras.utils.set_random_seed(seed(3)) # before building a network with random weights
"""

from __future__ import annotations

import os

import numpy as np

#: Added to every seed; from the environment variable TEST_SEED_SHIFT (default 0).
SHIFT = int(os.environ.get("TEST_SEED_SHIFT", "0"))


def seed(n: int) -> int:
    """The seed a test writes as ``n``, shifted by :data:`SHIFT`."""
    return int(n) + SHIFT


def rng(n: int) -> np.random.Generator:
    """``np.random.default_rng(seed(n))``."""
    return np.random.default_rng(seed(n))


def seed_keras(n: int) -> None:
    """Seed Python, NumPy's global state and TensorFlow (``keras.utils.set_random_seed``)."""
    import keras

    keras.utils.set_random_seed(seed(n))
