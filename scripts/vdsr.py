"""Train VDSR (Kim et al. 2016) on sr_prepare.py patches; flags in scripts/sr_train.py."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/vdsr.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.sr_train import build_parser as _build_parser
from scripts.sr_train import main_for

PROG = "vdsr.py"


def build_parser():
    return _build_parser("vdsr", PROG)


def main(argv: list[str] | None = None) -> int:
    return main_for("vdsr", PROG, argv)


if __name__ == "__main__":
    raise SystemExit(main())
