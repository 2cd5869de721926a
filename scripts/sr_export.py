"""Export a super-resolution network as a SavedModel and a TFLite file; the
code is sr/cli/export.py (``python scripts/sr_export.py --help``)."""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/sr_export.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from sr.cli import export


def main(argv: list[str] | None = None) -> int:
    return export.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
