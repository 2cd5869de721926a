"""Upscale photos: Y through SRCNN / VDSR / VDSR-sp, CbCr by bicubic, in seamless tiles.

python scripts/sr_upscale.py photo.jpg photo_x2.png --scale 2            # shipped VDSR
python scripts/sr_upscale.py photo.jpg out.png --scale 3 --model vdsr_sp
python scripts/sr_upscale.py photos/ out/ --scale 2                      # a folder job
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/sr_upscale.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from tqdm import tqdm

from common.cli import ArgumentParser, run_main
from common.errors import UserError
from common.precision import warn_precision
from imaging import load_image, save_image
from sr.ensemble import self_ensemble
from sr.paths import IMAGE_SUFFIXES, image_files
from sr.tiling import Predictor, margin_for, tile_count, upscale_rgb
from sr.upscalers import MODELS, get_upscaler
from sr.weights import read_metadata

PROG = "sr_upscale"
MAX_INPUT_PIXELS = 64_000_000
MAX_OUTPUT_PIXELS = 600_000_000
FORMATS = ("png", "jpg", "webp", "tif", "bmp")


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image to upscale (any format the loader reads); several images or folders make "
        "a folder job (the image files directly inside each folder, by extension)",
    )
    p.add_argument(
        "output",
        metavar="OUTPUT",
        help="output image, the format following the extension; for a folder job (several "
        "inputs, a folder, or an existing folder as output) the output folder, where each "
        "input is written as STEM.png (see --format)",
    )
    p.add_argument("--scale", type=int, required=True, help="upscaling factor (2, 3, 4)")
    p.add_argument("--model", choices=MODELS, default="vdsr", help="network (%(default)s)")
    p.add_argument("--weights", help="weights file (default: the shipped weights)")
    p.add_argument("--tile", type=int, default=512, help="output tile size in pixels (%(default)s)")
    p.add_argument("--no-tile", action="store_true", help="process the image in one piece")
    p.add_argument(
        "--self-ensemble",
        action="store_true",
        help="geometric self-ensemble: average the outputs for the 8 flips/rotations of the "
        "input (8x the time)",
    )
    p.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default="float32",
        help="network precision; mixed_bfloat16 is several times faster on CPUs with "
        "AVX-512 BF16 (%(default)s)",
    )
    folder = p.add_argument_group("folder jobs")
    folder.add_argument(
        "--format", choices=FORMATS, default="png", help="output format (%(default)s)"
    )
    folder.add_argument(
        "--overwrite",
        action="store_true",
        help="redo outputs that already exist (by default they are skipped, so an interrupted "
        "job resumes where it stopped)",
    )
    return p


def _predictor(args: argparse.Namespace) -> tuple[Predictor, int]:
    """The network (built once) as a tile predictor, and the tile margin it needs."""
    upscaler = get_upscaler(args.model, args.scale, args.weights, precision=args.precision)
    variant, depth = "9-1-5", 20
    if args.weights and args.model != "bicubic":
        meta = read_metadata(args.weights)
        variant, depth = meta.get("srcnn_variant", variant), meta.get("depth", depth)

    def predict(lr: np.ndarray, bic: np.ndarray) -> np.ndarray:
        return upscaler(lr, bic, args.scale)

    margin = margin_for(args.model, args.scale, variant, depth)
    return (self_ensemble(predict) if args.self_ensemble else predict), margin


def _load(path: str | os.PathLike, scale: int) -> np.ndarray:
    """Load ``path`` as float RGB; ``UserError`` if unreadable, too small or too large."""
    image = load_image(path, max_pixels=MAX_INPUT_PIXELS)
    h, w = image.shape[:2]
    if min(h, w) < 4:
        raise UserError(f"{path}: {w}x{h} is too small to upscale")
    if h * w * scale**2 > MAX_OUTPUT_PIXELS:
        raise UserError(
            f"{path}: the x{scale} output would have "
            f"{h * w * scale**2 / 1e6:.0f} megapixels (limit {MAX_OUTPUT_PIXELS // 10**6})"
        )
    return image


def _tile_lr(args: argparse.Namespace) -> int | None:
    return None if args.no_tile else max(1, args.tile // args.scale)


def _run_one(args: argparse.Namespace) -> int:
    predict, margin = _predictor(args)
    source = args.inputs[0]
    image = _load(source, args.scale)
    h, w = image.shape[:2]
    tile_lr = _tile_lr(args)
    bar = tqdm(
        total=tile_count(h, w, tile_lr),
        desc=f"x{args.scale} {args.model}",
        unit="tile",
        file=sys.stderr,
        disable=None,
    )
    result = upscale_rgb(
        image, predict, args.scale, tile_lr=tile_lr, margin=margin, progress=bar.update
    )
    bar.close()
    save_image(args.output, result)
    print(f"{Path(source).name} {w}x{h} -> {args.output} {w * args.scale}x{h * args.scale}")
    return 0


def collect_jobs(inputs: list[str], out_dir: Path, fmt: str) -> tuple[list[tuple[Path, Path]], int]:
    """``(input, output)`` pairs of a folder job, and how many non-image files were ignored.

    A folder contributes the files directly inside it whose extension is an image's; a file
    named explicitly is always tried. ``UserError`` on a missing input, a folder without
    images, or two inputs (or an input and its output) sharing one output path.
    """
    files: list[Path] = []
    ignored = 0
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = image_files(path)
            if not found:
                raise UserError(f"{path}: no image files ({' '.join(IMAGE_SUFFIXES)}) in it")
            files += found
            ignored += sum(
                1
                for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p not in found
            )
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{name}: no such file or folder")
    jobs, taken = [], {}
    for src in files:
        dst = out_dir / f"{src.stem}.{fmt}"
        key = dst.resolve()
        if key in taken:
            raise UserError(f"{taken[key]} and {src} would both be written to {dst}")
        if key == src.resolve():
            raise UserError(f"{src}: the output would overwrite the input; choose another folder")
        taken[key] = src
        jobs.append((src, dst))
    return jobs, ignored


def _run_folder(args: argparse.Namespace) -> int:
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: must be a folder when upscaling several images or a folder")
    jobs, ignored = collect_jobs(args.inputs, out_dir, args.format)
    predict, margin = _predictor(args)  # the network is built once for every file
    out_dir.mkdir(parents=True, exist_ok=True)
    written = skipped = failed = 0
    bar = tqdm(jobs, desc=f"x{args.scale} {args.model}", unit="img", file=sys.stderr, disable=None)
    for src, dst in bar:
        if dst.exists() and not args.overwrite:
            skipped += 1
            continue
        try:
            image = _load(src, args.scale)
            tile_lr = _tile_lr(args)
            save_image(dst, upscale_rgb(image, predict, args.scale, tile_lr=tile_lr, margin=margin))
        except (UserError, OSError) as err:  # report, skip, go on with the rest
            failed += 1
            tqdm.write(f"{PROG}: failed: {_reason(err, src)}", file=sys.stderr)
            continue
        written += 1
    bar.close()
    line = f"{written} written, {skipped} skipped, {failed} failed -> {out_dir}"
    if skipped:
        line += " (skipped: the output exists; --overwrite redoes it)"
    if ignored:
        line += f"; {ignored} non-image file(s) ignored"
    print(line)
    return 1 if failed else 0


def _reason(err: BaseException, src: Path) -> str:
    """One line naming the file and what went wrong."""
    if isinstance(err, OSError):
        return f"{err.filename or src}: {err.strerror or err}"
    return " ".join(str(err).split())


def is_folder_job(args: argparse.Namespace) -> bool:
    """Several inputs, an input folder, or an existing output folder make a folder job."""
    return len(args.inputs) > 1 or Path(args.inputs[0]).is_dir() or Path(args.output).is_dir()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 2 <= args.scale <= 8:
        parser.error(f"--scale must be an integer from 2 to 8, got {args.scale}")
    if args.tile < 16:
        parser.error("--tile must be at least 16 pixels")
    warn_precision(PROG, args.precision)
    run = _run_folder if is_folder_job(args) else _run_one
    return run_main(PROG, lambda: run(args))


if __name__ == "__main__":
    raise SystemExit(main())
