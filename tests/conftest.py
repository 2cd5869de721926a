"""Shared fixtures: the dataset folder beside the repository, and tiny generated images."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from seeds import seed_keras

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    env = os.environ.get("SR_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The SR datasets; skipped with a reason where absent, but a failure in CI."""
    path = _data_dir()
    if not (path / "Set5").is_dir():
        message = f"SR datasets not found at {path} (set SR_DATA_DIR; see data/README.md)"
        if os.environ.get("CI"):
            pytest.fail(message + " -- CI must run the golden tests")
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same Python, NumPy and TensorFlow random state (seed 0, shifted
    by TEST_SEED_SHIFT); module-scoped fixtures that draw must seed themselves (tests/seeds.py)."""
    seed_keras(0)
