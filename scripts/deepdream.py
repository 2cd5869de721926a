"""DeepDream an image (or a zoom animation) with InceptionV3 or VGG19: ``deepdream.cli``.

Examples::

    python scripts/deepdream.py photo.jpg dream.png
    python scripts/deepdream.py photo.jpg dream.png --recipe keras
    python scripts/deepdream.py photo.jpg zoom.gif --frames 60 --zoom 1.05 --rotate 0.5

Writes OUTPUT and ``OUTPUT_STEM.config.json`` beside it (``dream.png`` -> ``dream.config.json``).
"""

import os
import sys

# Run as `python scripts/deepdream.py` from a clone: the repository root goes first, so that the
# deepdream package, not this file, is what `import deepdream` finds.
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import common.quiet  # noqa: E402, F401  (first: TensorFlow without its start-up log)
from deepdream.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
