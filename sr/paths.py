"""Default locations: the image sets and the shipped weights."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


def datasets_dir() -> Path:
    """``$SR_DATA_DIR``, else ``data/datasets`` if it holds Set5, else ``../shared/datasets``."""
    env = os.environ.get("SR_DATA_DIR")
    if env:
        return Path(env)
    local = REPO_ROOT / "data" / "datasets"
    return local if (local / "Set5").is_dir() else REPO_ROOT.parent / "shared" / "datasets"


def image_files(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name (deterministic order)."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
