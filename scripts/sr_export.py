"""Export a super-resolution network for serving: a TensorFlow SavedModel and a TFLite file.

python scripts/sr_export.py --model vdsr --scale 2 export/vdsr_x2        # shipped weights
python scripts/sr_export.py --model srcnn --scale 3 --weights runs/srcnn_x3/best.weights.h5 out/

The SavedModel's signature "serving_default" takes "image", an RGB uint8 image (H, W, 3) of any
size (sides of at least 4 pixels), and returns "upscaled", the RGB uint8 image (s*H, s*W, 3),
as "sr_upscale.py --no-tile" computes it (within 1/255): MATLAB's YCbCr conversion and bicubic
upscaling, the network on Y, float32, all inside the graph (tf.saved_model.load alone runs it).
OUT_DIR/model.tflite holds the same function (within 2/255) with dynamic H and W and TFLite
built-in ops only: no SELECT_TF_OPS, so it needs no Flex delegate (which the tf.lite.Interpreter
of TensorFlow >= 2.20 lacks).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/sr_export.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.cli import ArgumentParser, run_main
from common.errors import UserError
from sr.export import OUTPUT_NAME, SIGNATURE, TFLITE_NAME, Upscaler, write_export
from sr.upscalers import shipped_weights
from sr.weights import load_model

PROG = "sr_export"
EXPORT_MODELS = ("srcnn", "vdsr", "vdsr_sp")
EXPORT_SCALES = (2, 3, 4)


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        help="directory to create: the SavedModel, model.tflite and export.json (how it was made)",
    )
    p.add_argument("--model", choices=EXPORT_MODELS, default="vdsr", help="network (%(default)s)")
    p.add_argument(
        "--scale", type=int, choices=EXPORT_SCALES, required=True, help="upscaling factor"
    )
    p.add_argument("--weights", help="weights file (default: the shipped weights in sr/weights/)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT_DIR if it is an earlier export (or empty); refused otherwise",
    )
    return p


def _export(args: argparse.Namespace) -> int:
    path = Path(args.weights) if args.weights else shipped_weights(args.model, args.scale)
    if not path.is_file():
        raise UserError(f"no shipped {args.model} weights for x{args.scale}; pass --weights")
    net, meta = load_model(path, args.model, args.scale)
    variant = meta.get("srcnn_variant", "9-1-5")
    module = Upscaler(net, args.model, args.scale, variant)
    info = {
        "model": args.model,
        "scale": args.scale,
        "weights": os.path.abspath(path),
        "weights_meta": meta,
    }
    write_export(module, args.out_dir, info, overwrite=args.overwrite)
    s = args.scale
    print(
        f"{args.out_dir}: SavedModel, signature {SIGNATURE}: image uint8 (H, W, 3) -> "
        f"{OUTPUT_NAME} uint8 ({s}H, {s}W, 3); TFLite: {Path(args.out_dir) / TFLITE_NAME}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Path(args.out_dir)
    if (out.exists() or out.is_symlink()) and not args.overwrite:
        parser.error(f"{out} exists; choose another OUT_DIR or pass --overwrite")
    if not out.parent.is_dir():
        parser.error(f"{out}: directory {out.parent} does not exist")
    if args.weights is not None and not Path(args.weights).is_file():
        parser.error(f"weights file not found: {args.weights}")
    return run_main(PROG, lambda: _export(args))


if __name__ == "__main__":
    raise SystemExit(main())
