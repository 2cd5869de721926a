"""Patch counts of the training recipes, from the image sizes alone (no degradation needed).

    python bench/patch_counts.py [--data-dir ../shared/datasets]

The same rules as ``sr_prepare.py`` (modcrop, the patch grid, images too small for one patch
skipped, ``--downscale`` copies of ``ceil(f * H)`` rows), so each count equals what
``sr_prepare.py`` reports for those flags; ``docs/sr-compute.md`` multiplies them by epochs.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from sr.data import patch_grid  # noqa: E402
from sr.paths import datasets_dir, image_files  # noqa: E402

T91, T291 = ("T91",), ("T91", "BSDS200")
DS = (1.0, 0.7, 0.5)
# name: (recipe, image sets, scales, downscale factors, geometry)
RECIPES = {
    "srcnn x2, stride 14": ("srcnn", T91, (2,), (1.0,), (33, 14)),
    "srcnn x3, stride 14": ("srcnn", T91, (3,), (1.0,), (33, 14)),
    "srcnn x4, stride 14": ("srcnn", T91, (4,), (1.0,), (33, 14)),
    "srcnn x3, stride 7": ("srcnn", T91, (3,), (1.0,), (33, 7)),
    "srcnn x3, stride 7, downscale 1.0-0.6": (
        "srcnn",
        T91,
        (3,),
        (1.0, 0.9, 0.8, 0.7, 0.6),
        (33, 7),
    ),  # noqa: E501
    "vdsr x2+x3+x4": ("vdsr", T291, (2, 3, 4), (1.0,), (41, 41)),
    "vdsr x2+x3+x4, downscale": ("vdsr", T291, (2, 3, 4), DS, (41, 41)),
    "subpixel x2, LR 16 stride 8": ("subpixel", T291, (2,), (1.0,), (16, 8)),
    "subpixel x2, LR 24 stride 12, downscale": ("subpixel", T291, (2,), DS, (24, 12)),
    "subpixel x3, LR 16 stride 8": ("subpixel", T291, (3,), (1.0,), (16, 8)),
    "subpixel x3, LR 16 stride 8, downscale": ("subpixel", T291, (3,), DS, (16, 8)),
    "subpixel x4, LR 12 stride 8": ("subpixel", T291, (4,), (1.0,), (12, 8)),
    "subpixel x4, LR 12 stride 6, downscale": ("subpixel", T291, (4,), DS, (12, 6)),
}


def count(root: Path, recipe: str, sets, scales, factors, geometry) -> int:
    size, stride = geometry
    total = 0
    for folder in sets:
        for path in image_files(root / folder):
            width, height = Image.open(path).size
            for f in factors:
                h, w = (
                    (height, width) if f == 1.0 else (math.ceil(f * height), math.ceil(f * width))
                )
                for s in scales:
                    hr = size * s if recipe == "subpixel" else size
                    if min(h, w) // s * s < hr:
                        continue
                    if recipe == "subpixel":
                        total += len(patch_grid(h // s, w // s, size, stride))
                    else:
                        total += len(patch_grid(h // s * s, w // s * s, size, stride))
    return total


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=datasets_dir())
    args = p.parse_args()
    for name, spec in RECIPES.items():
        print(f"{name:45s} {count(args.data_dir, *spec):>9,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
