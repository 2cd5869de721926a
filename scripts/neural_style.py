"""Neural style transfer (Gatys et al. 2016): ``python scripts/neural_style.py --help``.

The command line is style_transfer/cli.py; this file lets a clone run it without installing.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/neural_style.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: F401  (first: TensorFlow without its start-up log)
from style_transfer import cli


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
