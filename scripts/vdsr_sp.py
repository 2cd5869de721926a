"""Train VDSR with a sub-pixel output on sr_prepare.py patches; flags in scripts/sr_train.py."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/vdsr_sp.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts.sr_train import build_parser as _build_parser
from scripts.sr_train import main_for

PROG = "vdsr_sp.py"


def build_parser():
    return _build_parser("vdsr_sp", PROG)


def main(argv: list[str] | None = None) -> int:
    return main_for("vdsr_sp", PROG, argv)


if __name__ == "__main__":
    raise SystemExit(main())
