"""Cut training patches for SRCNN, VDSR or VDSR-sp into an HDF5 file (``sr-prepare``).

    python scripts/sr_prepare.py srcnn --scale 3 -o data/srcnn_x3.h5
    python scripts/sr_prepare.py vdsr -o data/vdsr_291.h5            # x2, x3, x4 mixed
    python scripts/sr_prepare.py subpixel --scale 3 -o data/subpixel_x3.h5

Datasets in the file (uint8, Y channel in 0..255): ``bicubic`` and ``label`` (and ``lr`` for the
subpixel recipe) of shape ``(n, h, w)``, plus ``scale`` ``(n,)``. Attributes record the recipe,
the scales, patch geometry, augmentation, downscale factors and each source image's SHA-256.
Deterministic: the same images and flags give the same file contents. The options are also
written beside the file, as ``OUT_STEM.config.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import h5py
import numpy as np

from common.cli import ArgumentParser, run_main
from common.errors import UserError
from common.files import atomic_path
from common.progress import progress
from common.runconfig import write_run_config
from imaging import load_image_eval
from sr.config import RECIPE_SCALES, TRAINING_SETS
from sr.data import RECIPES, augment_images, check_downscale, recipe_patches, rescale_images
from sr.paths import datasets_dir, image_files
from sr.protocol import check_scales, y_plane

PROG = "sr_prepare.py"
FORMAT = "tf-image-synthesis sr patches v1"


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    add = p.add_argument
    add("recipe", choices=RECIPES, help="patch recipe")
    add("-o", "--output", required=True, help="output .h5 file")
    add("--images", nargs="+", metavar="DIR", help="folders of training images (default: T91 "
        "for srcnn, T91 + BSDS200 otherwise, from $SR_DATA_DIR, data/datasets or "
        "../shared/datasets)")  # fmt: skip
    add("--scale", type=int, nargs="+", help="scales (srcnn: x3; vdsr: 2 3 4)")
    add("--size", type=int, help="HR patch size (srcnn 33, vdsr 41)")
    add("--label-size", type=int, default=21, help="srcnn label size (default 21)")
    add("--stride", type=int, help="HR stride (srcnn 14, vdsr 41)")
    add("--lr-size", type=int, default=16, help="subpixel LR patch size (default 16)")
    add("--lr-stride", type=int, help="subpixel LR stride (default: --lr-size)")
    add("--augment", type=int, default=1, choices=(1, 2, 4, 8),
        help="rotation/flip variants per image (VDSR paper: 8; default 1, i.e. off)")  # fmt: skip
    add("--downscale", type=float, nargs="+", default=[1.0], metavar="F", help="also cut patches "
        "from each image shrunk by these factors in (0, 1] before degradation (scale "
        "augmentation, e.g. 1.0 0.7 0.5)")  # fmt: skip
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


def _folders(args: argparse.Namespace) -> list[Path]:
    """``--images``, else the recipe's training sets in the data folder."""
    names = args.images or [datasets_dir() / name for name in TRAINING_SETS[args.recipe]]
    return [Path(folder) for folder in names]


def _sources(folders: list[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
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


def write_patches(
    path: str,
    recipe: str,
    files: list[Path],
    *,
    scales: tuple[int, ...],
    spec: dict,
    augment: int,
    downscale: tuple[float, ...],
) -> int:
    """Cut the patches of every image in ``files`` into a new HDF5 file at ``path`` (see the
    module docstring); returns the patch count."""
    checksums = []
    bar = progress(len(files), desc=f"{recipe} patches", unit="img")
    with h5py.File(path, "w") as h5, bar:
        for source in files:
            checksums.append([source.name, _sha256(source)])
            y = y_plane(load_image_eval(source))
            for shrunk in rescale_images(y, downscale):
                for variant in augment_images(shrunk, augment):
                    for scale in scales:
                        _append(h5, recipe_patches(recipe, variant, scale, spec))
            bar.update(1)
        count = int(h5["label"].shape[0]) if "label" in h5 else 0
        if count == 0:
            raise UserError("the images are too small for the patch size: no patches")
        h5.attrs.update(
            recipe=recipe,
            scales=np.array(scales, np.int32),
            augment=augment,
            downscale=np.array(downscale, np.float64),
            count=count,
            spec=json.dumps(spec),
            sources=json.dumps(checksums),
            format=FORMAT,
        )
    return count


def _run(args: argparse.Namespace) -> int:
    scales = check_scales(args.scale or RECIPE_SCALES[args.recipe])
    if args.recipe != "vdsr" and len(scales) != 1:
        raise UserError(f"the {args.recipe} recipe takes one scale per file")
    spec = _spec(args)
    try:
        factors = check_downscale(args.downscale)
    except ValueError as err:
        raise UserError(f"--{err}") from None
    folders = _folders(args)
    files = _sources(folders)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    counts = []  # the writer's result, out of atomic_path's callback
    options = {"scales": scales, "spec": spec, "augment": args.augment, "downscale": factors}
    atomic_path(
        output, lambda tmp: counts.append(write_patches(tmp, args.recipe, files, **options))
    )
    write_run_config(
        output,
        folder=False,
        recipe=args.recipe,
        images=[str(folder.resolve()) for folder in folders],
        sources=len(files),
        count=counts[0],
        **options,
    )
    print(f"{counts[0]} patch pairs ({args.recipe}, x{'/x'.join(map(str, scales))}) -> {output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_main(PROG, lambda: _run(args))
