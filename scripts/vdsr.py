"""Train VDSR (Kim et al. 2016) on sr_prepare.py patches; the code is sr/cli/train.py."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/vdsr.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli.train import main_for


def main(argv: list[str] | None = None) -> int:
    return main_for("vdsr", argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())
