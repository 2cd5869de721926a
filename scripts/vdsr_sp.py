"""Train VDSR with a sub-pixel output (Shi et al. 2016); the code is sr/cli/train.py."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/vdsr_sp.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli.train import main_for


def main(argv: list[str] | None = None) -> int:
    return main_for("vdsr_sp", argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())
