"""Evaluate a super-resolution model on Set5/Set14-style folders with the papers' protocol.

Example::

    python scripts/sr_eval.py --model bicubic --dataset Set5 Set14 --scale 2 3 4 --json
    python scripts/sr_eval.py --model vdsr --self-ensemble --dataset Set5 --scale 2   # "vdsr+"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/sr_eval.py` from a clone
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from tqdm import tqdm

from common.cli import ArgumentParser, run_main
from common.precision import warn_precision
from imaging import imresize, rgb_to_ycbcr, save_image, ycbcr_to_rgb
from sr.ensemble import self_ensemble
from sr.evaluation import DatasetScore, Sample, evaluate, list_images
from sr.paths import datasets_dir
from sr.published import published
from sr.upscalers import MODELS, get_upscaler

PROG = "sr_eval"


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="PSNR/SSIM on the Y channel with the protocol of the SR papers' tables "
        "(MATLAB rgb2ycbcr and bicubic, shave = scale).",
    )
    parser.add_argument("--model", choices=MODELS, default="bicubic", help="model to evaluate")
    parser.add_argument("--weights", help="weights file (default: the shipped weights)")
    parser.add_argument(
        "--dataset",
        nargs="+",
        required=True,
        metavar="DIR",
        help="dataset folders of ground-truth images; a bare name such as Set5 is looked up "
        "in --data-dir",
    )
    parser.add_argument(
        "--data-dir",
        default=str(datasets_dir()),
        help="where bare dataset names are found (default: $SR_DATA_DIR, else data/datasets "
        "if it holds Set5, else ../shared/datasets)",
    )
    parser.add_argument(
        "--scale", nargs="+", type=int, default=[2, 3, 4], metavar="N", help="scales (2 3 4)"
    )
    parser.add_argument(
        "--precision",
        choices=("float32", "mixed_bfloat16"),
        default="float32",
        help="network precision: float32 (the reference) or mixed_bfloat16 (faster on CPUs "
        "with AVX-512 BF16 and on recent GPUs)",
    )
    parser.add_argument(
        "--self-ensemble",
        action="store_true",
        help="geometric self-ensemble: average the outputs for the 8 flips/rotations of the "
        "input (8x the time); reported as model MODEL+, e.g. vdsr+",
    )
    parser.add_argument("--output-dir", help="also write the reconstructed RGB images here")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON list instead of a table"
    )
    return parser


def resolve_dataset(name: str, data_dir: str) -> Path:
    path = Path(name)
    if path.is_dir() or os.sep in name or not (Path(data_dir) / name).is_dir():
        return path
    return Path(data_dir) / name


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    bad = [s for s in args.scale if not 2 <= s <= 8]
    if bad:
        parser.error(f"--scale must be an integer from 2 to 8, got {bad[0]}")
    warn_precision(PROG, args.precision)
    return run_main(PROG, lambda: run(args))


def run(args: argparse.Namespace) -> int:
    datasets = [resolve_dataset(name, args.data_dir) for name in args.dataset]
    for folder in datasets:
        list_images(folder)  # fail on a missing or empty folder before any work
    upscalers = {
        scale: get_upscaler(args.model, scale, args.weights, precision=args.precision)
        for scale in args.scale
    }
    if args.self_ensemble:
        upscalers = {scale: self_ensemble(up) for scale, up in upscalers.items()}
    scores: list[DatasetScore] = []
    for folder in datasets:
        for scale in args.scale:
            scores.append(_evaluate_one(args, folder, scale, upscalers[scale]))
    if args.json:
        print(json.dumps([s.as_dict() for s in scores], indent=2))
    else:
        print(format_table(scores))
    return 0


def _evaluate_one(args, folder: Path, scale: int, upscaler) -> DatasetScore:
    total = len(list_images(folder))
    bar = tqdm(total=total, desc=f"{folder.name} x{scale}", unit="img", disable=None, leave=False)
    name = args.model + ("+" if args.self_ensemble else "")
    result = DatasetScore(name, folder.name, scale)
    out_dir = Path(args.output_dir or ".") / name / folder.name / f"x{scale}"
    for sample, sr_y, score in evaluate(upscaler, name, folder, scale):
        result = score
        if args.output_dir:
            _save(out_dir, sample, sr_y, scale)
        bar.update()
    bar.close()
    return result


def _save(directory: Path, sample: Sample, sr_y: np.ndarray, scale: int) -> None:
    """Write the reconstruction: SR Y with bicubic-upscaled CbCr, or SR Y for grayscale."""
    directory.mkdir(parents=True, exist_ok=True)
    if sample.rgb is None:
        save_image(directory / f"{sample.name}.png", sr_y / 255.0)
        return
    ycbcr = rgb_to_ycbcr(sample.rgb.astype(np.float32) / 255.0)
    cbcr = imresize(imresize(ycbcr[..., 1:], 1.0 / scale), float(scale))
    merged = np.concatenate([sr_y[..., None] / 255.0, cbcr], axis=-1)
    save_image(directory / f"{sample.name}.png", np.clip(ycbcr_to_rgb(merged), 0.0, 1.0))


def format_table(scores: list[DatasetScore]) -> str:
    """A plain-text table with the published value beside each measurement, when known."""
    header = f"{'model':<10} {'dataset':<10} {'scale':>5} {'PSNR':>8} {'SSIM':>7} {'paper':>14}"
    lines = [header, "-" * len(header)]
    for s in scores:
        ref = published(s.model, s.dataset, s.scale)
        paper = "" if ref is None else f"{ref[0]:.2f}" + (f" / {ref[1]:.4f}" if ref[1] else "")
        lines.append(
            f"{s.model:<10} {s.dataset:<10} {'x' + str(s.scale):>5} "
            f"{s.psnr:>8.3f} {s.ssim:>7.4f} {paper:>14}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
