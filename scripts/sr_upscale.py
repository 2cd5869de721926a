"""Upscale a photo: Y through SRCNN / VDSR / VDSR-sp, CbCr by bicubic, in seamless tiles.

python scripts/sr_upscale.py photo.jpg photo_x2.png --scale 2            # shipped VDSR
python scripts/sr_upscale.py photo.jpg out.png --scale 3 --model vdsr_sp
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/sr_upscale.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from imaging import ArgumentParser, UserError, load_image, run_main, save_image, warn_precision

from tqdm import tqdm

from sr.tiling import margin_for, tile_count, upscale_rgb
from sr.upscalers import MODELS, get_upscaler
from sr.weights import read_metadata

PROG = "sr_upscale"
MAX_INPUT_PIXELS = 64_000_000
MAX_OUTPUT_PIXELS = 600_000_000


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="image to upscale (any format the loader reads)")
    p.add_argument("output", help="output image; the format follows the extension")
    p.add_argument("--scale", type=int, required=True, help="upscaling factor (2, 3, 4)")
    p.add_argument("--model", choices=MODELS, default="vdsr", help="network (%(default)s)")
    p.add_argument("--weights", help="weights file (default: the shipped weights)")
    p.add_argument("--tile", type=int, default=512, help="output tile size in pixels (%(default)s)")
    p.add_argument("--no-tile", action="store_true", help="process the image in one piece")
    p.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default="float32",
        help="network precision; mixed_bfloat16 is several times faster on CPUs with "
        "AVX-512 BF16 (%(default)s)",
    )
    return p


def _run(args: argparse.Namespace) -> int:
    upscaler = get_upscaler(args.model, args.scale, args.weights, precision=args.precision)
    image = load_image(args.input, max_pixels=MAX_INPUT_PIXELS)
    h, w = image.shape[:2]
    if min(h, w) < 4:
        raise UserError(f"{args.input}: {w}x{h} is too small to upscale")
    if h * w * args.scale**2 > MAX_OUTPUT_PIXELS:
        raise UserError(
            f"{args.input}: the x{args.scale} output would have "
            f"{h * w * args.scale**2 / 1e6:.0f} megapixels (limit {MAX_OUTPUT_PIXELS // 10**6})"
        )
    variant, depth = "9-1-5", 20
    if args.weights and args.model != "bicubic":
        meta = read_metadata(args.weights)
        variant, depth = meta.get("srcnn_variant", variant), meta.get("depth", depth)
    tile_lr = None if args.no_tile else max(1, args.tile // args.scale)
    bar = tqdm(
        total=tile_count(h, w, tile_lr),
        desc=f"x{args.scale} {args.model}",
        unit="tile",
        file=sys.stderr,
        disable=None,
    )
    result = upscale_rgb(
        image,
        lambda lr, bic: upscaler(lr, bic, args.scale),
        args.scale,
        tile_lr=tile_lr,
        margin=margin_for(args.model, args.scale, variant, depth),
        progress=bar.update,
    )
    bar.close()
    save_image(args.output, result)
    print(f"{Path(args.input).name} {w}x{h} -> {args.output} {w * args.scale}x{h * args.scale}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 2 <= args.scale <= 8:
        parser.error(f"--scale must be an integer from 2 to 8, got {args.scale}")
    if args.tile < 16:
        parser.error("--tile must be at least 16 pixels")
    warn_precision(PROG, args.precision)
    return run_main(PROG, lambda: _run(args))


if __name__ == "__main__":
    raise SystemExit(main())
