"""Cut training patches for SRCNN, VDSR or VDSR-sp into an HDF5 file.

    python scripts/sr_prepare.py srcnn --scale 3 -o data/srcnn_x3.h5
    python scripts/sr_prepare.py vdsr -o data/vdsr_291.h5            # x2, x3, x4 mixed
    python scripts/sr_prepare.py subpixel --scale 3 -o data/subpixel_x3.h5

Datasets in the file (uint8, Y channel in 0..255): ``bicubic`` and ``label`` (and ``lr`` for the
subpixel recipe) of shape ``(n, h, w)``, plus ``scale`` ``(n,)``. Attributes record the recipe,
the scales, patch geometry, augmentation, downscale factors and each source image's SHA-256.
Deterministic: the same images and flags give the same file contents.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/sr_prepare.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import h5py
import numpy as np
from tqdm import tqdm

from common.cli import ArgumentParser, run_main
from common.errors import UserError
from imaging import load_image_eval
from sr.config import RECIPE_SCALES, TRAINING_SETS
from sr.data import (
    RECIPES,
    augment_images,
    check_downscale,
    recipe_patches,
    rescale_images,
    y_plane,
)
from sr.paths import datasets_dir, image_files

PROG = "sr_prepare.py"


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("recipe", choices=RECIPES, help="patch recipe")
    p.add_argument("-o", "--output", required=True, help="output .h5 file")
    p.add_argument(
        "--images",
        nargs="+",
        metavar="DIR",
        help="folders of training images (default: T91 for srcnn, T91 + BSDS200 otherwise, "
        "from $SR_DATA_DIR, data/datasets or ../shared/datasets)",
    )
    p.add_argument("--scale", type=int, nargs="+", help="scales (srcnn: x3; vdsr: 2 3 4)")
    p.add_argument("--size", type=int, help="HR patch size (srcnn 33, vdsr 41)")
    p.add_argument("--label-size", type=int, default=21, help="srcnn label size (default 21)")
    p.add_argument("--stride", type=int, help="HR stride (srcnn 14, vdsr 41)")
    p.add_argument("--lr-size", type=int, default=16, help="subpixel LR patch size (default 16)")
    p.add_argument("--lr-stride", type=int, help="subpixel LR stride (default: --lr-size)")
    p.add_argument(
        "--augment",
        type=int,
        default=1,
        choices=(1, 2, 4, 8),
        help="rotation/flip variants per image (VDSR paper: 8; default 1, i.e. off)",
    )
    p.add_argument(
        "--downscale",
        type=float,
        nargs="+",
        default=[1.0],
        metavar="F",
        help="also cut patches from each image shrunk by these factors in (0, 1] before "
        "degradation (scale augmentation, e.g. 1.0 0.7 0.5)",
    )
    return p


def _spec(args: argparse.Namespace) -> dict:
    if args.recipe == "srcnn":
        spec = {"size": args.size or 33, "label_size": args.label_size, "stride": args.stride or 14}
        if spec["label_size"] > spec["size"] or (spec["size"] - spec["label_size"]) % 2:
            raise UserError("--label-size must be <= --size with an even difference")
    elif args.recipe == "vdsr":
        spec = {"size": args.size or 41, "stride": args.stride or 41}
    else:
        spec = {"lr_size": args.lr_size, "lr_stride": args.lr_stride or args.lr_size}
    if min(spec.values()) < 1:
        raise UserError("patch sizes and strides must be positive")
    return spec


def _sources(args: argparse.Namespace) -> list[Path]:
    folders = args.images or [datasets_dir() / name for name in TRAINING_SETS[args.recipe]]
    files: list[Path] = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise UserError(f"image folder not found: {folder}")
        found = image_files(folder)
        if not found:
            raise UserError(f"no images in {folder}")
        files += found
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _append(h5: h5py.File, patches: dict) -> None:
    for key, value in patches.items():
        if key not in h5:
            h5.create_dataset(
                key,
                data=value,
                maxshape=(None, *value.shape[1:]),
                chunks=(min(256, max(1, len(value))), *value.shape[1:]),
            )
        else:
            ds = h5[key]
            n = ds.shape[0]
            ds.resize(n + len(value), axis=0)
            ds[n:] = value


def _run(args: argparse.Namespace) -> int:
    scales = tuple(args.scale or RECIPE_SCALES[args.recipe])
    if any(s < 2 or s > 8 for s in scales):
        raise UserError(f"scales must be integers from 2 to 8, got {scales}")
    if args.recipe != "vdsr" and len(scales) != 1:
        raise UserError(f"the {args.recipe} recipe takes one scale per file")
    spec = _spec(args)
    try:
        factors = check_downscale(args.downscale)
    except ValueError as err:
        raise UserError(f"--{err}") from None
    files = _sources(args)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    checksums = []
    try:
        with h5py.File(tmp, "w") as h5:
            bar = tqdm(
                files, desc=f"{args.recipe} patches", unit="img", file=sys.stderr, disable=None
            )
            for path in bar:
                checksums.append([path.name, _sha256(path)])
                y = y_plane(load_image_eval(path))
                for shrunk in rescale_images(y, factors):
                    for variant in augment_images(shrunk, args.augment):
                        for scale in scales:
                            _append(h5, recipe_patches(args.recipe, variant, scale, spec))
            count = int(h5["label"].shape[0]) if "label" in h5 else 0
            if count == 0:
                raise UserError("the images are too small for the patch size: no patches")
            h5.attrs.update(
                recipe=args.recipe,
                scales=np.array(scales, np.int32),
                augment=args.augment,
                downscale=np.array(factors, np.float64),
                count=count,
                spec=json.dumps(spec),
                sources=json.dumps(checksums),
                format="tf-image-synthesis sr patches v1",
            )
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"{count} patch pairs ({args.recipe}, x{'/x'.join(map(str, scales))}) -> {output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_main(PROG, lambda: _run(args))


if __name__ == "__main__":
    raise SystemExit(main())
