"""Neural style transfer (Gatys et al. 2016): ``python scripts/neural_style.py --help``.

The command line lives in :mod:`style_transfer.cli`; this file lets a clone run it without
installing the project.
"""

import os
import sys

if __package__ in (None, ""):  # run as `python scripts/neural_style.py`: the repository first
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: E402, F401  (first: TensorFlow is imported without its start-up log)
from style_transfer.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
