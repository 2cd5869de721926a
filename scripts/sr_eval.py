"""Evaluate a super-resolution model on Set5/Set14-style folders with the papers' protocol; the
code is sr/cli/eval.py (``python scripts/sr_eval.py --help``)."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/sr_eval.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli import eval


def main(argv: list[str] | None = None) -> int:
    return eval.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
