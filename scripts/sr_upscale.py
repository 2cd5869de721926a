"""Upscale photos with SRCNN / VDSR / VDSR-sp in seamless tiles; the
code is sr/cli/upscale.py (``python scripts/sr_upscale.py --help``)."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/sr_upscale.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli import upscale


def main(argv: list[str] | None = None) -> int:
    return upscale.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
