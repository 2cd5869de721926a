"""Cut training patches for SRCNN, VDSR or VDSR-sp into an HDF5 file; the code is
sr/cli/prepare.py (``python scripts/sr_prepare.py --help``)."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/sr_prepare.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli import prepare


def main(argv: list[str] | None = None) -> int:
    return prepare.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
